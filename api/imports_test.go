package api_test

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
)

func zipOf(t *testing.T, files map[string]string) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, content := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(content))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func tarGzOf(t *testing.T, files map[string]string) string {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for name, content := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(content)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(content))
	}
	tw.Close()
	gz.Close()
	return buf.String()
}

func TestImportUploads(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	auth := e.auth(t)
	en, err := os.ReadFile("../articles/en/access-denied-0x80070005.md")
	if err != nil {
		t.Fatal(err)
	}
	good := map[string]string{"kb/seed.md": seedFile(t), "kb/en/access.md": string(en)}
	broken := map[string]string{"kb/seed.md": seedFile(t), "kb/bad.md": "---\ntitle: x\n---\n"}

	type report struct {
		Created, Unchanged, Failed, Skipped int
		Files                               []struct{ Path, Error string }
	}
	post := func(ct, body, query string) (int, report) {
		t.Helper()
		res, raw := e.send(t, http.MethodPost, "/imports"+query, ct, body, auth...)
		var rep report
		if res.StatusCode == 200 || res.StatusCode == 422 {
			if err := json.Unmarshal(raw, &rep); err != nil {
				t.Fatalf("report: %v %s", err, raw)
			}
		}
		return res.StatusCode, rep
	}

	if status, rep := post("application/zip", zipOf(t, broken), ""); status != 422 || rep.Failed != 1 || rep.Skipped != 1 {
		t.Errorf("zip with a broken file: %d %+v, want 422 with 1 failed, 1 skipped", status, rep)
	}
	if res, body := e.get(t, "/errors/0x80070643"); strings.Contains(string(body), `"slug"`) {
		t.Errorf("a failed upload wrote articles: %d %s", res.StatusCode, body)
	}
	if status, rep := post("application/gzip", tarGzOf(t, good), "?dryRun=true"); status != 200 || rep.Created != 2 {
		t.Errorf("tar.gz dry run: %d %+v", status, rep)
	}
	if status, rep := post("application/gzip", tarGzOf(t, good), ""); status != 200 || rep.Created != 2 {
		t.Errorf("tar.gz: %d %+v", status, rep)
	}
	if status, rep := post("application/zip", zipOf(t, good), ""); status != 200 || rep.Unchanged != 2 {
		t.Errorf("same files again as zip: %d %+v, want 2 unchanged", status, rep)
	}
	if status, rep := post("text/markdown", seedFile(t), "?name=seed.md"); status != 200 || rep.Created != 1 { // slug "seed", not "kb/seed"
		t.Errorf("single markdown: %d %+v", status, rep)
	}
	if status, _ := post("application/gzip", "not gzip", ""); status != 400 {
		t.Errorf("garbage gzip: %d, want 400", status)
	}
	if status, _ := post("application/gzip", tarGzOf(t, map[string]string{"../evil.md": "x"}), ""); status != 400 {
		t.Errorf("path escaping the archive: %d, want 400", status)
	}
	if res, _ := e.send(t, http.MethodPost, "/imports", "application/zip", zipOf(t, good)); res.StatusCode != 401 {
		t.Errorf("anonymous import: %d, want 401", res.StatusCode)
	}
}
