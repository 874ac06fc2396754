package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/errdex/errdex/internal/testdb"
)

// startServe runs `errdex serve` on a free port with env (and JSON logs)
// and returns its base URL, the cancel that stands for SIGTERM and the
// channel run's result arrives on.
func startServe(t *testing.T, env map[string]string) (base string, cancel context.CancelFunc, done <-chan error) {
	t.Helper()
	env = maps.Clone(env)
	env["ERRDEX_ADDR"], env["ERRDEX_LOG_FORMAT"] = "127.0.0.1:0", "json"
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	result := make(chan error, 1)
	go func() {
		result <- run(ctx, []string{"serve"}, func(k string) string { return env[k] }, pw, io.Discard)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		cancel()
		t.Fatalf("serve printed no address: %v (run: %v)", err, <-result)
	}
	go io.Copy(io.Discard, pr) //nolint:errcheck
	return strings.TrimSpace(strings.TrimPrefix(line, listeningOn)), cancel, result
}

// TestServeEndToEnd runs `errdex serve` whole on a fresh database: it
// migrates, imports the bundled articles, answers lookups and shuts down
// cleanly when its context ends.
func TestServeEndToEnd(t *testing.T) {
	t.Parallel()
	base, cancel, done := startServe(t, map[string]string{"DATABASE_URL": testdb.URL(t)})
	defer cancel()

	res, err := http.Get(base + "/readyz")
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("readyz: %v %v", res, err)
	}
	res.Body.Close()

	res, err = http.Get(base + "/errors/0x80070643")
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Articles []struct{ Slug, Lang string } `json:"articles"`
	}
	err = json.NewDecoder(res.Body).Decode(&body)
	res.Body.Close()
	if err != nil || len(body.Articles) == 0 || body.Articles[0].Slug != "dotnet-update-0x80070643" {
		t.Fatalf("lookup of the bundled seed: %+v, %v; want dotnet-update-0x80070643", body, err)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v after shutdown, want nil", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not shut down")
	}
}

func TestUsageAndHelp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args    []string
		wantErr error
		wantOut string
	}{
		{nil, errUsage, "Usage:"},
		{[]string{"bogus"}, errUsage, "unknown command"},
		{[]string{"serve", "-h"}, nil, "-addr"},
		{[]string{"migrate", "-h"}, nil, "up|down|version"},
		{[]string{"migrate", "sideways"}, errUsage, "unknown action"},
		{[]string{"import", "-h"}, nil, "-dry-run"},
		{[]string{"import"}, errUsage, "PATH..."},
		{[]string{"import", "/does/not/exist"}, errUsage, "no such file"},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		err := run(context.Background(), tt.args, func(string) string { return "" }, &out, &out)
		if err != tt.wantErr {
			t.Errorf("errdex %v: err %v, want %v", tt.args, err, tt.wantErr)
		}
		if !strings.Contains(out.String(), tt.wantOut) {
			t.Errorf("errdex %v printed %q, want it to contain %q", tt.args, out.String(), tt.wantOut)
		}
	}
}

func runCLI(t *testing.T, dbURL string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), args, func(k string) string {
		if k == "DATABASE_URL" {
			return dbURL
		}
		return ""
	}, &out, &out)
	return out.String(), err
}

// TestImportExportRoundTrip: import the bundled articles, export them,
// import the export: everything is unchanged.
func TestImportExportRoundTrip(t *testing.T) {
	t.Parallel()
	dbURL := testdb.URL(t)
	out, err := runCLI(t, dbURL, "import", "-format", "json", "../../articles")
	if err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	var rep struct {
		Created, Failed, Warnings int
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Created < 60 || rep.Failed != 0 || rep.Warnings != 0 {
		t.Fatalf("import report %+v (%v), want ≥60 created, 0 failed, 0 warnings", rep, err)
	}
	dir := t.TempDir()
	if out, err := runCLI(t, dbURL, "export", dir); err != nil {
		t.Fatalf("export: %v\n%s", err, out)
	}
	out, err = runCLI(t, dbURL, "import", dir)
	if err != nil {
		t.Fatalf("re-import: %v\n%s", err, out)
	}
	if !strings.Contains(out, fmt.Sprintf("0 created, 0 updated, %d unchanged, 0 failed", rep.Created)) {
		t.Errorf("re-import of the export is not all unchanged:\n%s", out)
	}
}

func TestImportExitCodesAndPrune(t *testing.T) {
	t.Parallel()
	dbURL := testdb.URL(t)
	dir := t.TempDir()
	src, err := os.ReadFile("../../articles/en/access-denied-0x80070005.md")
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.md", string(src))
	write("b.md", strings.Replace(string(src), `slug: "access-denied-0x80070005"`, `slug: "other"`, 1))
	write("broken.md", "---\ntitle: broken\n---\n")
	out, err := runCLI(t, dbURL, "import", dir)
	if err != errFailed || !strings.Contains(out, "broken.md:") {
		t.Fatalf("import with a broken file: err %v, out %s; want errFailed naming broken.md", err, out)
	}
	os.Remove(filepath.Join(dir, "broken.md"))
	if out, err := runCLI(t, dbURL, "import", dir); err != nil || !strings.Contains(out, "2 created") {
		t.Fatalf("import: %v %s", err, out)
	}
	os.Remove(filepath.Join(dir, "b.md"))
	out, err = runCLI(t, dbURL, "import", "-prune", dir)
	if err != nil || !strings.Contains(out, "archived   other/en") {
		t.Fatalf("prune: %v %s", err, out)
	}
	var status string
	conn, err := pgx.Connect(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if err := conn.QueryRow(context.Background(), `SELECT status FROM articles WHERE slug = 'other'`).Scan(&status); err != nil || status != "archived" {
		t.Errorf("pruned article status %q (%v), want archived (kept, not deleted)", status, err)
	}
}

func TestTokenCommands(t *testing.T) {
	t.Parallel()
	dbURL := testdb.URL(t)
	var stdout, stderr bytes.Buffer
	getenv := func(k string) string { return map[string]string{"DATABASE_URL": dbURL}[k] }
	if err := run(context.Background(), []string{"token", "create", "-name", "alice", "-role", "editor"}, getenv, &stdout, &stderr); err != nil {
		t.Fatalf("create: %v %s", err, stderr.String())
	}
	secret := strings.TrimSpace(stdout.String())
	if !strings.HasPrefix(secret, "edx_") || len(secret) < 40 {
		t.Errorf("token %q, want edx_ and 32 random bytes", secret)
	}
	if out, err := runCLI(t, dbURL, "token", "list"); err != nil || !strings.Contains(out, "alice") || strings.Contains(out, secret) {
		t.Errorf("list: %v %q", err, out)
	}
	if out, err := runCLI(t, dbURL, "token", "revoke", "alice"); err != nil {
		t.Errorf("revoke: %v %s", err, out)
	}
	if out, _ := runCLI(t, dbURL, "token", "list"); !strings.Contains(out, "revoked") {
		t.Errorf("list after revoke: %q", out)
	}
}

// TestServeProfiles: with ERRDEX_DEBUG_ADDR, pprof answers there, and only
// there: the API's address has no /debug/pprof.
func TestServeProfiles(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	debugAddr := ln.Addr().String()
	ln.Close()
	base, cancel, done := startServe(t, map[string]string{"DATABASE_URL": testdb.URL(t), "ERRDEX_DEBUG_ADDR": debugAddr})
	defer func() { cancel(); <-done }()

	res, err := http.Get("http://" + debugAddr + "/debug/pprof/heap?debug=1")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(b), "heap profile") {
		t.Errorf("GET /debug/pprof/heap on the debug address: %d %.80q", res.StatusCode, b)
	}
	res, err = http.Get(base + "/debug/pprof/heap")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("GET /debug/pprof/heap on the API's address: %d, want 404", res.StatusCode)
	}
}
