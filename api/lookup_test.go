package api_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

type rankedBody struct {
	Code        string `json:"code"`
	Equivalents []struct {
		Code     string `json:"code"`
		Relation string `json:"relation"`
	} `json:"equivalents"`
	Decoded struct {
		Win32 *struct {
			Number int    `json:"number"`
			Name   string `json:"name"`
		} `json:"win32"`
	} `json:"decoded"`
	Articles []struct {
		Slug        string `json:"slug"`
		Lang        string `json:"lang"`
		Match       string `json:"match"`
		MatchedCode string `json:"matchedCode"`
	} `json:"articles"`
}

// TestLookupRanksByCodeAndLanguage: every spelling finds the same answer;
// exact codes rank before equivalent ones; the reader's language wins.
func TestLookupRanksByCodeAndLanguage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	en, err := os.ReadFile("../articles/en/dotnet-update-0x80070643.md")
	if err != nil {
		t.Fatal(err)
	}
	ja, err := os.ReadFile("../articles/ja/dotnet-update-0x80070643.md")
	if err != nil {
		t.Fatal(err)
	}
	// A case filed under the plain Win32 number, as MSI logs print it.
	win32 := strings.NewReplacer(`slug: "dotnet-update-0x80070643"`, `slug: "msi-1603"`,
		`codes: ["0x80070643"]`, `codes: ["1603"]`).Replace(string(en))
	if !strings.Contains(win32, `codes: ["1603"]`) {
		win32 = strings.Replace(win32, `slug: "msi-1603"`, "slug: \"msi-1603\"\ncodes: [\"1603\"]", 1)
	}
	e.importFiles(t, map[string]string{"en/a.md": string(en), "ja/a.md": string(ja), "en/msi.md": win32})

	lookup := func(target string, header ...string) rankedBody {
		t.Helper()
		res, body := e.get(t, target, header...)
		if res.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", target, res.StatusCode, body)
		}
		var b rankedBody
		if err := json.Unmarshal(body, &b); err != nil {
			t.Fatal(err)
		}
		return b
	}
	summary := func(b rankedBody) string {
		var parts []string
		for _, a := range b.Articles {
			parts = append(parts, a.Slug+"/"+a.Lang+":"+a.Match+":"+a.MatchedCode)
		}
		return strings.Join(parts, " ")
	}

	for _, spelling := range []string{"0x80070643", "0X80070643", "80070643", "-2147023293", "2147944003", "%EF%BC%90%EF%BD%98%EF%BC%98%EF%BC%90%EF%BC%90%EF%BC%97%EF%BC%90%EF%BC%96%EF%BC%94%EF%BC%93"} {
		b := lookup("/errors/"+spelling, "Accept-Language", "en-US,en;q=0.9,ja;q=0.5")
		if got, want := summary(b), "dotnet-update-0x80070643/en:exact:0x80070643 msi-1603/en:equivalent:0x00000643"; got != want {
			t.Errorf("%s: articles %q, want %q", spelling, got, want)
		}
		if b.Decoded.Win32 == nil || b.Decoded.Win32.Number != 1603 || b.Decoded.Win32.Name != "ERROR_INSTALL_FAILURE" {
			t.Errorf("%s: win32 decode %+v", spelling, b.Decoded.Win32)
		}
	}
	if got, want := summary(lookup("/errors/1603")), "msi-1603/en:exact:0x00000643 dotnet-update-0x80070643/en:equivalent:0x80070643"; got != want {
		t.Errorf("1603 (no language preference): %q, want %q", got, want)
	}
	b := lookup("/errors/0x80070643?lang=ja", "Accept-Language", "en")
	if got, want := summary(b), "dotnet-update-0x80070643/ja:exact:0x80070643 msi-1603/en:equivalent:0x00000643"; got != want {
		t.Errorf("?lang=ja beats Accept-Language: %q, want %q", got, want)
	}
	if res, _ := e.get(t, "/errors/0x80070643", "Accept-Language", "ja,en;q=0.1"); res.Header.Get("Content-Language") != "ja" {
		t.Errorf("Content-Language %q, want ja", res.Header.Get("Content-Language"))
	}

	// A valid code with no article still answers, with its decode.
	none := lookup("/errors/0x8024402C")
	if none.Code != "0x8024402c" || len(none.Articles) != 0 {
		t.Errorf("unknown code: %+v", none)
	}
}

func TestInvalidCodesAreExplained(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, bad := range []string{"xyz", "0x8007_0643", "0x1234567890", "99999999999", "0x", "%E3%82%A8%E3%83%A9%E3%83%BC"} {
		res, body := e.get(t, "/errors/"+bad)
		if res.StatusCode != 400 || !strings.Contains(string(body), `"parameter":"code"`) {
			t.Errorf("GET /errors/%s: %d %s, want 400 naming the code parameter", bad, res.StatusCode, body)
		}
	}
	res, body := e.get(t, "/errors/ERROR_INSTAL_FAILURE")
	if res.StatusCode != 400 || !strings.Contains(string(body), "no error code is named ERROR_INSTAL_FAILURE; did you mean ERROR_INSTALL_FAILURE?") {
		t.Errorf("GET /errors/ERROR_INSTAL_FAILURE: %d %s, want 400 naming the code meant", res.StatusCode, body)
	}
}

// TestLookupByName: a code's name finds what its number finds, and the
// answer quotes the name as asked.
func TestLookupByName(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.importFiles(t, map[string]string{"seed.md": seedFile(t)})
	for name, want := range map[string]string{"ERROR_INSTALL_FAILURE": "0x00000643", "error_install_failure": "0x00000643", "E_ACCESSDENIED": "0x80070005"} {
		res, body := e.get(t, "/errors/"+name+"?view=brief")
		var got struct {
			Query, Code string
			Decoded     struct{ Name string }
			Articles    []struct{ Slug string }
		}
		if err := json.Unmarshal(body, &got); res.StatusCode != 200 || err != nil {
			t.Fatalf("GET /errors/%s: %d %s", name, res.StatusCode, body)
		}
		if got.Query != name || got.Code != want || got.Decoded.Name != strings.ToUpper(name) {
			t.Errorf("GET /errors/%s: query %q, code %q, name %q; want %s named %s", name, got.Query, got.Code, got.Decoded.Name, want, strings.ToUpper(name))
		}
		if want == "0x00000643" && (len(got.Articles) != 1 || got.Articles[0].Slug != "seed") {
			t.Errorf("GET /errors/%s: articles %+v, want the seed", name, got.Articles)
		}
	}
}
