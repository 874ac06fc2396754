package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/errdex/errdex/internal/store"
)

const caseJSON = `{
  "slug": "access-denied", "lang": "en", "title": "Access denied 0x80070005",
  "errorText": "Error 0x80070005", "tags": ["Windows"],
  "summary": {"condition": {"text": "Installing"}, "impact": {"text": "Nothing installs"},
              "urgency": {"level": "high", "reason": "Security fixes wait"}},
  "causes": [{"rank": 1, "text": "ACL"}, {"rank": 2, "text": "EDR"}],
  "checks": [{"text": "Check the ACL", "commands": [{"shell": "cmd", "code": "icacls \"C:\\\\Temp\"", "rollback": false}]}],
  "fix": [{"text": "Grant access", "commands": []}],
  "related": [{"text": "See 0x80070643", "codes": []}],
  "references": [{"url": "https://learn.microsoft.com/en-us/windows-server/administration/windows-commands/icacls"}]
}`

func (e *env) auth(t *testing.T) []string {
	return []string{"Authorization", "Bearer " + e.token(t, store.RoleEditor)}
}

func createCase(t *testing.T, e *env, auth []string) string {
	t.Helper()
	res, body := e.send(t, http.MethodPost, "/cases", "application/json", caseJSON, auth...)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", res.StatusCode, body)
	}
	if res.Header.Get("Location") != "/cases/access-denied/en" || res.Header.Get("ETag") == "" {
		t.Fatalf("create headers: Location %q ETag %q", res.Header.Get("Location"), res.Header.Get("ETag"))
	}
	return res.Header.Get("ETag")
}

func title(t *testing.T, body []byte) string {
	t.Helper()
	var a struct{ Title string }
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatal(err)
	}
	return a.Title
}

func withTitle(s string) string {
	return strings.Replace(caseJSON, `"title": "Access denied 0x80070005"`, fmt.Sprintf(`"title": %q`, s), 1)
}

func TestCreateReadAndConflict(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	auth := e.auth(t)
	tag := createCase(t, e, auth)

	res, body := e.get(t, "/cases/access-denied/en")
	if res.StatusCode != http.StatusOK || res.Header.Get("ETag") != tag || !strings.Contains(string(body), `"codes":["0x80070005"]`) {
		t.Fatalf("GET: %d ETag %q body %s", res.StatusCode, res.Header.Get("ETag"), body)
	}
	if res, _ := e.get(t, "/cases/access-denied/en", "If-None-Match", tag); res.StatusCode != http.StatusNotModified {
		t.Errorf("GET with If-None-Match: %d, want 304", res.StatusCode)
	}
	if res, body := e.get(t, "/cases/access-denied"); res.StatusCode != http.StatusOK || !strings.Contains(string(body), `"lang":"en"`) {
		t.Errorf("GET case: %d %s", res.StatusCode, body)
	}
	if res, body := e.get(t, "/errors/0x80070005"); !strings.Contains(string(body), `"slug":"access-denied"`) {
		t.Errorf("lookup after create: %d %s", res.StatusCode, body)
	}
	if res, _ := e.send(t, http.MethodPost, "/cases", "application/json", caseJSON, auth...); res.StatusCode != http.StatusConflict {
		t.Errorf("second create: %d, want 409", res.StatusCode)
	}

	md := strings.Replace(seedFile(t), `lang: "ja"`, "lang: \"ja\"\nslug: \"from-markdown\"", 1)
	res, body = e.send(t, http.MethodPost, "/cases", "text/markdown; charset=utf-8", md, auth...)
	if res.StatusCode != http.StatusCreated || res.Header.Get("Location") != "/cases/from-markdown/ja" {
		t.Errorf("markdown create: %d %s", res.StatusCode, body)
	}
}

func TestWritesNeedAToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	secret, _, err := e.store.CreateToken(ctx, "alice", store.RoleEditor)
	if err != nil {
		t.Fatal(err)
	}
	var leaked bool
	err = e.store.Pool().QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM tokens WHERE encode(hash, 'escape') LIKE '%' || $1 || '%' OR name = $1)`, secret).Scan(&leaked)
	if err != nil || leaked {
		t.Errorf("tokens table holds the secret (%v, %v)", leaked, err)
	}
	for _, tt := range []struct {
		name   string
		header []string
		want   int
	}{
		{"no token", nil, 401},
		{"not bearer", []string{"Authorization", "Basic abc"}, 401},
		{"unknown token", []string{"Authorization", "Bearer edx_nope"}, 401},
		{"valid token", []string{"Authorization", "Bearer " + secret}, 201},
	} {
		res, body := e.send(t, http.MethodPost, "/cases", "application/json", caseJSON, tt.header...)
		if res.StatusCode != tt.want {
			t.Errorf("%s: %d, want %d: %s", tt.name, res.StatusCode, tt.want, body)
		}
		if tt.want == 401 && !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s: WWW-Authenticate %q", tt.name, res.Header.Get("WWW-Authenticate"))
		}
	}
	if err := e.store.RevokeToken(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if res, _ := e.get(t, "/cases/access-denied/en/revisions", "Authorization", "Bearer "+secret); res.StatusCode != 401 {
		t.Errorf("revoked token: %d, want 401", res.StatusCode)
	}
}

// TestConcurrentEditsOneWins runs two editors' PUTs with the same ETag at
// once: exactly one wins, the other gets 412 and nothing of it is stored.
func TestConcurrentEditsOneWins(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	auth := e.auth(t)
	for round := 0; round < 5; round++ {
		var tag string
		if round == 0 {
			tag = createCase(t, e, auth)
		} else {
			res, _ := e.get(t, "/cases/access-denied/en")
			tag = res.Header.Get("ETag")
		}
		var wg sync.WaitGroup
		statuses := make([]int, 2)
		titles := []string{fmt.Sprintf("Alice %d 0x80070005", round), fmt.Sprintf("Bob %d 0x80070005", round)}
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, _ := e.send(t, http.MethodPut, "/cases/access-denied/en", "application/json", withTitle(titles[i]),
					append([]string{"If-Match", tag}, auth...)...)
				statuses[i] = res.StatusCode
			}()
		}
		wg.Wait()
		winner := -1
		for i, s := range statuses {
			if s == http.StatusOK {
				winner = i
			}
		}
		if winner < 0 || statuses[1-winner] != http.StatusPreconditionFailed {
			t.Fatalf("round %d: statuses %v, want one 200 and one 412", round, statuses)
		}
		if _, body := e.get(t, "/cases/access-denied/en"); title(t, body) != titles[winner] {
			t.Errorf("round %d: stored title %q, want the winner's %q", round, title(t, body), titles[winner])
		}
	}
}

func TestRevisionsAndRestore(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	auth := e.auth(t)
	tag := createCase(t, e, auth)
	res, body := e.send(t, http.MethodPatch, "/cases/access-denied/en", "application/merge-patch+json",
		`{"title": "Edited 0x80070005", "tags": ["Windows", "Update"]}`, append([]string{"If-Match", tag}, auth...)...)
	if res.StatusCode != http.StatusOK || title(t, body) != "Edited 0x80070005" {
		t.Fatalf("patch: %d %s", res.StatusCode, body)
	}
	res, body = e.get(t, "/cases/access-denied/en/revisions", auth...)
	var list struct {
		Revisions []struct{ Number int } `json:"revisions"`
	}
	if err := json.Unmarshal(body, &list); err != nil || len(list.Revisions) != 2 || list.Revisions[0].Number != 2 {
		t.Fatalf("revisions: %d %s", res.StatusCode, body)
	}
	if res, body := e.get(t, "/cases/access-denied/en/revisions/1", auth...); res.StatusCode != 200 || !strings.Contains(string(body), "Access denied 0x80070005") {
		t.Errorf("revision 1: %d %s", res.StatusCode, body)
	}
	if res, body := e.send(t, http.MethodPost, "/cases/access-denied/en/revisions/1/restore", "", "", auth...); res.StatusCode != 200 {
		t.Fatalf("restore: %d %s", res.StatusCode, body)
	}
	if _, body := e.get(t, "/cases/access-denied/en"); title(t, body) != "Access denied 0x80070005" {
		t.Errorf("after restore title = %q, want the first revision's", title(t, body))
	}
	if res, _ := e.get(t, "/cases/access-denied/en/revisions/99", auth...); res.StatusCode != 404 {
		t.Errorf("revision 99: %d, want 404", res.StatusCode)
	}

	// Archive hides it from the public, restore brings it back.
	if res, body := e.send(t, http.MethodDelete, "/cases/access-denied/en", "", "", auth...); res.StatusCode != 200 {
		t.Fatalf("archive: %d %s", res.StatusCode, body)
	}
	if res, _ := e.get(t, "/cases/access-denied/en"); res.StatusCode != 404 {
		t.Errorf("public GET of archived: %d, want 404", res.StatusCode)
	}
	if _, body := e.get(t, "/errors/0x80070005"); strings.Contains(string(body), "access-denied") {
		t.Errorf("lookup still lists the archived article")
	}
	if res, _ := e.send(t, http.MethodPost, "/cases/access-denied/en/restore", "", "", auth...); res.StatusCode != 200 {
		t.Errorf("unarchive: %d", res.StatusCode)
	}
	if res, _ := e.get(t, "/cases/access-denied/en"); res.StatusCode != 200 {
		t.Errorf("GET after unarchive: %d, want 200", res.StatusCode)
	}
}

func TestDraftsAreForEditors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	auth := e.auth(t)
	draft := strings.Replace(caseJSON, `"slug": "access-denied"`, `"slug": "access-denied", "status": "draft"`, 1)
	if res, body := e.send(t, http.MethodPost, "/cases", "application/json", draft, auth...); res.StatusCode != 201 {
		t.Fatalf("create draft: %d %s", res.StatusCode, body)
	}
	if res, _ := e.get(t, "/cases/access-denied/en"); res.StatusCode != 404 {
		t.Errorf("anonymous GET of a draft: %d, want 404", res.StatusCode)
	}
	if _, body := e.get(t, "/errors/0x80070005"); strings.Contains(string(body), "access-denied") {
		t.Errorf("public lookup shows a draft")
	}
	if res, _ := e.get(t, "/cases/access-denied/en", auth...); res.StatusCode != 200 {
		t.Errorf("editor GET of a draft: %d, want 200", res.StatusCode)
	}
	if res, body := e.get(t, "/cases/access-denied", auth...); res.StatusCode != 200 || !strings.Contains(string(body), `"status":"draft"`) {
		t.Errorf("editor GET case: %d %s", res.StatusCode, body)
	}
}

func TestBadEditsAreRejectedWithPointers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	auth := e.auth(t)
	tag := createCase(t, e, auth)
	put := func(body string, extra ...string) (*http.Response, []byte) {
		return e.send(t, http.MethodPut, "/cases/access-denied/en", "application/json", body, append(append([]string{"If-Match", tag}, auth...), extra...)...)
	}
	tests := []struct {
		name        string
		res         func() (*http.Response, []byte)
		wantStatus  int
		wantPointer string
	}{
		{"malformed JSON", func() (*http.Response, []byte) { return put(`{"title": `) }, 400, ""},
		{"wrong type", func() (*http.Response, []byte) {
			return put(strings.Replace(caseJSON, `"tags": ["Windows"]`, `"tags": "Windows"`, 1))
		}, 400, "/tags"},
		{"missing title", func() (*http.Response, []byte) { return put(withTitle("")) }, 400, "/title"},
		{"unknown field", func() (*http.Response, []byte) {
			return put(strings.Replace(caseJSON, `"tags"`, `"colour": 1, "tags"`, 1))
		}, 400, "/colour"},
		{"invalid code", func() (*http.Response, []byte) {
			return put(strings.Replace(caseJSON, `"tags"`, `"codes": ["0xZZ"], "tags"`, 1))
		}, 400, "/codes/0"},
		{"invalid lang", func() (*http.Response, []byte) {
			return e.send(t, http.MethodPost, "/cases", "application/json", strings.Replace(caseJSON, `"lang": "en"`, `"lang": "!!"`, 1), auth...)
		}, 400, "/lang"},
		{"lang differs from URL", func() (*http.Response, []byte) {
			return put(strings.Replace(caseJSON, `"lang": "en"`, `"lang": "ja"`, 1))
		}, 400, "/lang"},
		{"bad reference", func() (*http.Response, []byte) {
			return put(strings.Replace(caseJSON, `"url": "https:`, `"url": "ftp:`, 1))
		}, 400, "/references/0/url"},
		{"oversize body", func() (*http.Response, []byte) {
			return put(strings.Replace(caseJSON, `"ACL"`, `"`+strings.Repeat("x", 2<<20)+`"`, 1))
		}, 413, ""},
		{"bad If-Match", func() (*http.Response, []byte) {
			return e.send(t, http.MethodPut, "/cases/access-denied/en", "application/json", caseJSON, append([]string{"If-Match", "v1"}, auth...)...)
		}, 400, ""},
		{"missing If-Match", func() (*http.Response, []byte) {
			return e.send(t, http.MethodPut, "/cases/access-denied/en", "application/json", caseJSON, auth...)
		}, 428, ""},
		{"stale If-Match", func() (*http.Response, []byte) {
			return e.send(t, http.MethodPut, "/cases/access-denied/en", "application/json", caseJSON, append([]string{"If-Match", `"1.99"`}, auth...)...)
		}, 412, ""},
		{"markdown with a bad line", func() (*http.Response, []byte) {
			return e.send(t, http.MethodPost, "/cases", "text/markdown", "---\ntitle: x\n", auth...)
		}, 400, ""},
		{"patch not merge-patch", func() (*http.Response, []byte) {
			return e.send(t, http.MethodPatch, "/cases/access-denied/en", "application/json", `{}`, append([]string{"If-Match", tag}, auth...)...)
		}, 415, ""},
		{"patch to unknown field", func() (*http.Response, []byte) {
			return e.send(t, http.MethodPatch, "/cases/access-denied/en", "application/merge-patch+json", `{"colour": 1}`, append([]string{"If-Match", tag}, auth...)...)
		}, 400, "/colour"},
		{"put to a missing case", func() (*http.Response, []byte) {
			return e.send(t, http.MethodPut, "/cases/nope/en", "application/json", strings.Replace(caseJSON, `"slug": "access-denied"`, `"slug": "nope"`, 1), append([]string{"If-Match", tag}, auth...)...)
		}, 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := tt.res()
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tt.wantStatus, body)
			}
			if res.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("content type %q", res.Header.Get("Content-Type"))
			}
			if tt.wantPointer != "" && !strings.Contains(string(body), `"pointer":"`+tt.wantPointer+`"`) {
				t.Errorf("body %s, want pointer %s", body, tt.wantPointer)
			}
		})
	}
	// None of the bad edits changed anything.
	if _, body := e.get(t, "/cases/access-denied/en"); title(t, body) != "Access denied 0x80070005" {
		t.Errorf("title after bad edits: %q", title(t, body))
	}
}
