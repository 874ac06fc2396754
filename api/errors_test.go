package api_test

import (
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/errdex/errdex/internal/article"
)

type lookupBody struct {
	Query    string `json:"query"`
	Code     string `json:"code"`
	Articles []struct {
		Match       string `json:"match"`
		MatchedCode string `json:"matchedCode"`
		article.Article
	} `json:"articles"`
}

func seedFile(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile("../internal/markdown/testdata/seed_ja.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestLookupSeedArticle checks that the real seed article, imported, comes
// back from GET /errors/{code} with every structured field intact.
func TestLookupSeedArticle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.importFiles(t, map[string]string{"000_4dd7ebce904dc2a9.txt": seedFile(t)})

	res, body := e.get(t, "/errors/0x80070643")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200; body %s", res.StatusCode, body)
	}
	var got lookupBody
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Articles) != 1 {
		t.Fatalf("got %d articles, want 1", len(got.Articles))
	}
	a := got.Articles[0]
	check := func(name string, got, want any) {
		t.Helper()
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
	}
	check("match", a.Match, "exact")
	check("title", a.Title, ".NET 更新プログラムのインストールに失敗 0x80070643")
	check("errorText", a.ErrorText, ".NET 更新プログラムのインストールに失敗 0x80070643")
	check("tags", a.Tags, []string{"Windows", ".NET", "Update"})
	check("lang", a.Lang, "ja")
	check("slug", a.Slug, "000_4dd7ebce904dc2a9")
	check("codes", a.Codes, []string{"0x80070643"})
	check("content-language", res.Header.Get("Content-Language"), "ja")
	check("summary.condition", a.Summary.Condition.Text, ".NET 更新プログラムのインストール中にインストーラーがアクセス権/ファイルロック/実行ブロックで失敗してエラー 0x80070643 を返す。")
	check("summary.impact", a.Summary.Impact.Text, ".NET ランタイム/累積更新が適用されず、アプリケーションの動作やセキュリティ修正が反映されない。")
	check("summary.urgency.level", a.Summary.Urgency.Level, "medium")
	check("summary.urgency.reason", a.Summary.Urgency.Reason, "システムは通常動作するが、セキュリティ修正や依存アプリの互換性に影響するため迅速対応が望ましい。")

	if len(a.Causes) != 5 {
		t.Fatalf("got %d causes, want 5", len(a.Causes))
	}
	for i, c := range a.Causes {
		if c.Rank != i+1 {
			t.Errorf("cause %d rank = %d, want %d", i, c.Rank, i+1)
		}
	}
	check("cause 1", a.Causes[0].Text, "インストーラーが書き込むフォルダーに対する所有権/ACL不足（インストーラーはSYSTEMまたは管理者権限要求）。")
	check("cause 5", a.Causes[4].Text, "AppLocker / ソフトウェア制限ポリシー(SRP) / SmartScreen などの実行制御によるブロック。")

	type cmdView struct{ Shell, Code string }
	var checkCmds []cmdView
	for _, c := range a.Checks {
		for _, cmd := range c.Commands {
			checkCmds = append(checkCmds, cmdView{cmd.Shell, cmd.Code})
		}
	}
	check("checks count", len(a.Checks), 6)
	check("check commands", checkCmds, []cmdView{
		{"cmd", `icacls "C:\Path\To\Folder"`},
		{"cmd", `whoami /groups & whoami /priv`},
		{"powershell", "Get-MpThreatDetection -ErrorAction SilentlyContinue | Select Timestamp, Action, Resources | Select -First 5\nGet-MpPreference | Select EnableControlledFolderAccess"},
		{"cmd", "echo %TEMP%\nicacls \"%TEMP%\""},
		{"cmd", `gpresult /h "%USERPROFILE%\Desktop\gp.html"`},
	})
	check("first check", a.Checks[0].Text, "管理者で起動 → 再試行")

	check("fix steps", len(a.Fix), 4)
	if len(a.Fix) == 4 {
		check("fix 2 substeps", len(a.Fix[1].Substeps), 2)
		if len(a.Fix[1].Substeps) > 0 && len(a.Fix[1].Substeps[0].Commands) == 1 {
			check("fix 2 unblock", a.Fix[1].Substeps[0].Commands[0], article.Command{Shell: "powershell", Code: `Unblock-File -Path "C:\Path\to\installer-or-script.exe"`})
		} else {
			t.Errorf("fix step 2 lacks its Unblock-File command: %+v", a.Fix[1])
		}
	}

	check("detailed steps", len(a.DetailedSteps), 4)
	if len(a.DetailedSteps) >= 2 {
		cmds := a.DetailedSteps[1].Commands
		var rollback []bool
		for _, c := range cmds {
			rollback = append(rollback, c.Rollback)
		}
		check("detailed step 2 rollback flags", rollback, []bool{false, true, true})
		if len(cmds) == 3 {
			check("rollback block", cmds[1].Code, "$p = \"C:\\Path\\To\\Folder\"\nicacls $p /setowner \"NT AUTHORITY\\SYSTEM\" /T")
			check("rollback shell", cmds[1].Shell, "powershell")
			if !strings.HasPrefix(cmds[1].Label, "ロールバック例") {
				t.Errorf("rollback label = %q, want it to start with ロールバック例", cmds[1].Label)
			}
		}
	}
	if len(a.Warnings) != 1 || !strings.HasPrefix(a.Warnings[0], "⚠ 注意:") {
		t.Errorf("warnings = %q, want the ⚠ 注意 paragraph", a.Warnings)
	}
	check("permanent fixes", len(a.PermanentFixes), 4)
	check("pitfalls", a.Pitfalls, []string{
		"Windows/Program Files/System32 直下への広範な所有権変更",
		"共有フォルダーに Everyone:フル 付与",
		"EDR を恒常的に無効化したまま運用すること",
	})
	check("checklist", len(a.Checklist), 3)
	check("related", len(a.Related), 3)
	for i, r := range a.Related {
		check("related codes "+r.Text, r.Codes, []string{"0x80070005"})
		_ = i
	}
	var urls []string
	for _, r := range a.References {
		urls = append(urls, r.URL)
	}
	check("references", urls, []string{
		"https://learn.microsoft.com/ja-jp/windows-server/administration/windows-commands/icacls",
		"https://learn.microsoft.com/ja-jp/windows-server/administration/windows-commands/takeown",
		"https://learn.microsoft.com/ja-jp/powershell/module/defender/get-mppreference",
		"https://learn.microsoft.com/ja-jp/powershell/module/defender/add-mppreference",
		"https://learn.microsoft.com/ja-jp/defender-endpoint/enable-controlled-folders",
		"https://learn.microsoft.com/ja-jp/windows-server/administration/windows-commands/gpresult",
	})
}

func TestLookupProblems(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tests := []struct {
		name       string
		target     string
		wantStatus int
		wantType   string
		wantParam  string
	}{
		{"not a code", "/errors/hello", 400, "urn:errdex:problem:invalid-code", "code"},
		{"bad lang", "/errors/0x80070643?lang=%21%21", 400, "urn:errdex:problem:invalid", "lang"},
		{"bad view", "/errors/0x80070643?view=huge", 400, "urn:errdex:problem:invalid", "view"},
		{"unknown route", "/nope", 404, "urn:errdex:problem:route-not-found", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := e.get(t, tt.target)
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d; body %s", res.StatusCode, tt.wantStatus, body)
			}
			if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("content type %q, want application/problem+json", ct)
			}
			var p struct {
				Type   string `json:"type"`
				Detail string `json:"detail"`
				Errors []struct {
					Parameter string `json:"parameter"`
				} `json:"errors"`
			}
			if err := json.Unmarshal(body, &p); err != nil {
				t.Fatal(err)
			}
			if p.Type != tt.wantType || p.Detail == "" {
				t.Errorf("problem type %q detail %q, want type %q and a detail", p.Type, p.Detail, tt.wantType)
			}
			if tt.wantParam != "" && (len(p.Errors) == 0 || p.Errors[0].Parameter != tt.wantParam) {
				t.Errorf("problem errors %+v, want parameter %q", p.Errors, tt.wantParam)
			}
		})
	}
}

func TestHealth(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, target := range []string{"/healthz", "/readyz"} {
		if res, body := e.get(t, target); res.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d %s, want 200", target, res.StatusCode, body)
		}
	}
}
