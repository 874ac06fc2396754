package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/errdex/errdex/internal/testdb"
)

// TestServeEndToEnd runs `errdex serve` whole on a fresh database: it
// migrates, imports the bundled articles, answers lookups and shuts down
// cleanly when its context ends.
func TestServeEndToEnd(t *testing.T) {
	t.Parallel()
	dbURL := testdb.URL(t)
	getenv := func(k string) string {
		return map[string]string{"DATABASE_URL": dbURL, "ERRDEX_ADDR": "127.0.0.1:0", "ERRDEX_LOG_FORMAT": "json"}[k]
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, getenv, pw, io.Discard)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("serve printed no address: %v (run: %v)", err, <-done)
	}
	go io.Copy(io.Discard, pr) //nolint:errcheck
	base := strings.TrimSpace(strings.TrimPrefix(line, "errdex listening on "))

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
