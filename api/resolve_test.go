package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/errdex/errdex/internal/store"
)

func (e *env) token(t *testing.T, role string) string {
	t.Helper()
	secret, _, err := e.store.CreateToken(context.Background(), t.Name()+"-"+role, role)
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

func (e *env) send(t *testing.T, method, target, contentType, body string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return e.do(t, req)
}

// resolved is what the tests read of a POST /resolve answer.
type resolved struct {
	Codes []struct {
		Text     string `json:"text"`
		Code     string `json:"code"`
		Articles []struct {
			Slug        string `json:"slug"`
			MatchedCode string `json:"matchedCode"`
		} `json:"articles"`
	} `json:"codes"`
}

// resolve posts body to /resolve and expects 200.
func (e *env) resolve(t *testing.T, body string) resolved {
	t.Helper()
	res, answer := e.send(t, http.MethodPost, "/resolve", "application/json", body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("POST /resolve: %d %s", res.StatusCode, answer)
	}
	var got resolved
	if err := json.Unmarshal(answer, &got); err != nil {
		t.Fatal(err)
	}
	return got
}

func TestResolveFindsCodesInOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.importFiles(t, map[string]string{"seed.md": seedFile(t)})
	got := e.resolve(t, `{"text":"昨日から更新で０ｘ８００７０００５が出て、.NET は 0x80070643 で失敗します。再度 0x80070643。"}`)
	if len(got.Codes) != 2 || got.Codes[0].Code != "0x80070005" || got.Codes[1].Code != "0x80070643" {
		t.Fatalf("codes = %+v, want 0x80070005 then 0x80070643 (repeat answered once)", got.Codes)
	}
	if got.Codes[0].Text != "０ｘ８００７０００５" {
		t.Errorf("first code text %q, want the full-width spelling as written", got.Codes[0].Text)
	}
	if len(got.Codes[1].Articles) != 1 || got.Codes[1].Articles[0].Slug != "seed" {
		t.Errorf("0x80070643 articles = %+v, want the seed", got.Codes[1].Articles)
	}

	res, body := e.send(t, http.MethodPost, "/resolve", "application/json", `{"text":"0x80070643","view":"brief"}`)
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `"causes"`) {
		t.Errorf("brief resolve: %d %s", res.StatusCode, body)
	}
}

// TestResolveFindsNames: a user pastes a name as often as a number. Each
// is answered under its code, once, in order.
func TestResolveFindsNames(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.importFiles(t, map[string]string{"seed.md": seedFile(t)})
	got := e.resolve(t, `{"text":"Setup says ERROR_INSTALL_FAILURE, the log E_ACCESSDENIED (0x80070005); e_fail in lower case is prose."}`)
	if len(got.Codes) != 2 || got.Codes[0].Text != "ERROR_INSTALL_FAILURE" || got.Codes[0].Code != "0x00000643" ||
		got.Codes[1].Text != "E_ACCESSDENIED" || got.Codes[1].Code != "0x80070005" {
		t.Fatalf("codes = %+v, want ERROR_INSTALL_FAILURE as 0x00000643, then E_ACCESSDENIED as 0x80070005 (its number answered once)", got.Codes)
	}
	if a := got.Codes[0].Articles; len(a) != 1 || a[0].Slug != "seed" || a[0].MatchedCode != "0x80070643" {
		t.Errorf("ERROR_INSTALL_FAILURE articles = %+v, want the seed through its HRESULT", a)
	}
}

func TestResolveRejectsBadBodies(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tests := []struct {
		name, contentType, body string
		wantStatus              int
		wantPointer             string
	}{
		{"malformed", "application/json", `{"text":`, 400, ""},
		{"wrong type", "application/json", `{"text":42}`, 400, "/text"},
		{"unknown field", "application/json", `{"text":"x","mood":"sad"}`, 400, "/mood"},
		{"missing text", "application/json", `{}`, 400, "/text"},
		{"bad lang", "application/json", `{"text":"x","lang":"!!"}`, 400, "/lang"},
		{"two values", "application/json", `{"text":"x"}{"text":"y"}`, 400, ""},
		{"not json", "text/plain", `0x80070643`, 415, ""},
		{"too large", "application/json", `{"text":"` + strings.Repeat("a", 2<<20) + `"}`, 413, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := e.send(t, http.MethodPost, "/resolve", tt.contentType, tt.body)
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tt.wantStatus, body)
			}
			if tt.wantPointer != "" && !strings.Contains(string(body), `"pointer":"`+tt.wantPointer+`"`) {
				t.Errorf("body %s, want pointer %s", body, tt.wantPointer)
			}
		})
	}
}

func TestUnresolvedLookupsAreCounted(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.importFiles(t, map[string]string{"seed.md": seedFile(t)})
	for _, c := range []string{"0x8024402c", "8024402C", "0x80070643", "0xC0000005", "0x8024402C"} {
		if res, body := e.get(t, "/errors/"+c); res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", c, res.StatusCode, body)
		}
	}
	if res, _ := e.get(t, "/stats/unresolved"); res.StatusCode != http.StatusUnauthorized || res.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("anonymous stats: %d, want 401 with WWW-Authenticate", res.StatusCode)
	}
	res, body := e.get(t, "/stats/unresolved?limit=10", "Authorization", "Bearer "+e.token(t, store.RoleEditor))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("stats: %d %s", res.StatusCode, body)
	}
	var got struct {
		Codes []struct {
			Code  string `json:"code"`
			Count int    `json:"count"`
		} `json:"codes"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Codes) != 2 || got.Codes[0].Code != "0x8024402c" || got.Codes[0].Count != 3 || got.Codes[1].Code != "0xc0000005" {
		t.Errorf("unresolved = %+v, want 0x8024402c×3 then 0xc0000005×1 (0x80070643 has an article)", got.Codes)
	}
	if res, _ := e.get(t, "/stats/unresolved?limit=0", "Authorization", "Bearer "+e.token(t, store.RoleAdmin)); res.StatusCode != http.StatusBadRequest {
		t.Errorf("limit=0: %d, want 400", res.StatusCode)
	}
}
