package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/errdex/errdex/internal/testdb"
)

// runMainEnv, set in a test binary's environment, makes it the errdex
// command: tests start real errdex processes without building one.
const runMainEnv = "ERRDEX_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// startProcess runs `errdex serve` as a process of its own on a free port
// with env added to this one's, and returns its base URL. It is sent
// SIGTERM at cleanup and must then exit 0.
func startProcess(t *testing.T, env ...string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "serve")
	cmd.Env = append(os.Environ(), append([]string{runMainEnv + "=1", "ERRDEX_ADDR=127.0.0.1:0", "ERRDEX_LOG_LEVEL=warn"}, env...)...)
	// A file, not a buffer: the process writes it itself, and the test
	// may read it while the process runs.
	stderrFile, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer stderrFile.Close()
	cmd.Stderr = stderrFile
	stderr := func() string { b, _ := os.ReadFile(stderrFile.Name()); return string(b) }
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	lines := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		lines <- line
		io.Copy(io.Discard, stdout) //nolint:errcheck // only the first line matters
		exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM) //nolint:errcheck // it may have exited
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("errdex serve exited with %v after SIGTERM; stderr:\n%s", err, stderr())
			}
		case <-time.After(20 * time.Second):
			cmd.Process.Kill() //nolint:errcheck
			t.Errorf("errdex serve did not exit within 20 s of SIGTERM")
		}
	})
	select {
	case line := <-lines:
		base, ok := strings.CutPrefix(strings.TrimSpace(line), listeningOn)
		if !ok {
			t.Fatalf("errdex serve printed %q, not its address; stderr:\n%s", line, stderr())
		}
		return base
	case <-time.After(60 * time.Second):
		t.Fatalf("errdex serve did not start within 60 s; stderr:\n%s", stderr())
		return ""
	}
}

// TestEditReachesAnotherProcess runs two errdex processes on one database,
// as two replicas behind a load balancer: an edit through the first is
// served by the second within a second, though the second had the old
// answer in its cache. Only PostgreSQL's notifications connect them.
func TestEditReachesAnotherProcess(t *testing.T) {
	t.Parallel()
	dbURL := testdb.URL(t)
	first := startProcess(t, "DATABASE_URL="+dbURL) // seeds the bundled articles
	second := startProcess(t, "DATABASE_URL="+dbURL, "ERRDEX_SEED=false")

	var out, errOut bytes.Buffer
	getenv := func(k string) string { return map[string]string{"DATABASE_URL": dbURL}[k] }
	if err := run(t.Context(), []string{"token", "create", "-name", "replica-test", "-role", "editor"}, getenv, &out, &errOut); err != nil {
		t.Fatalf("token create: %v %s", err, errOut.String())
	}
	auth := "Bearer " + strings.TrimSpace(out.String())

	do := func(method, url string, body string, header ...string) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		return res, b
	}
	cacheHits := func() int { return metric(t, second, "errdex_cache_hits_total") }
	// Until the second listens, an edit could go unseen: it purges its
	// cache once listening, which might drop an answer cached before.
	waitFor(t, "the second process listening for writes", 10*time.Second, func() bool {
		return metric(t, second, "errdex_cache_invalidation_linked") == 1
	})

	const code = "0x80070643"
	res, body := do(http.MethodGet, second+"/errors/"+code, "")
	var answer struct {
		Articles []struct{ Slug, Lang, Title string } `json:"articles"`
	}
	if err := json.Unmarshal(body, &answer); err != nil || res.StatusCode != http.StatusOK || len(answer.Articles) == 0 {
		t.Fatalf("GET /errors/%s on the second: %d %s", code, res.StatusCode, body)
	}
	article := answer.Articles[0]
	hits := cacheHits()
	if _, again := do(http.MethodGet, second+"/errors/"+code, ""); !bytes.Equal(again, body) || cacheHits() != hits+1 {
		t.Fatalf("the second process did not answer the lookup again from its cache (hits %d → %d)", hits, cacheHits())
	}

	casePath := first + "/cases/" + article.Slug + "/" + article.Lang
	res, _ = do(http.MethodGet, casePath, "")
	const title = "Edited on the first process 0x80070643"
	if res, b := do(http.MethodPatch, casePath, `{"title": "`+title+`"}`, "Authorization", auth,
		"Content-Type", "application/merge-patch+json", "If-Match", res.Header.Get("ETag")); res.StatusCode != http.StatusOK {
		t.Fatalf("PATCH on the first process: %d %s", res.StatusCode, b)
	}
	edited := time.Now()
	waitFor(t, "the second process serving the edit", time.Second, func() bool {
		_, b := do(http.MethodGet, second+"/errors/"+code, "")
		return strings.Contains(string(b), title)
	})
	t.Logf("the second process served the edit %v after it was saved", time.Since(edited).Round(time.Millisecond))
}
