package markdown

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/errdex/errdex/internal/article"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustParse(t testing.TB, path string, src []byte) (*article.Article, []Warning) {
	t.Helper()
	a, ws, err := Parse(path, src)
	if err != nil {
		t.Fatalf("Parse(%s): %v", path, err)
	}
	return a, ws
}

// cmds keeps the test tables short.
func cmds(cs ...article.Command) []article.Command { return cs }

func TestParseSeed(t *testing.T) {
	t.Parallel()
	a, warnings := mustParse(t, "ja/dotnet-update-0x80070643.md", readFile(t, "testdata/seed_ja.md"))
	if len(warnings) != 0 {
		t.Errorf("warnings: got %v, want none", warnings)
	}
	const title = ".NET 更新プログラムのインストールに失敗 0x80070643"
	tests := []struct {
		name      string
		got, want any
	}{
		{"title", a.Title, title},
		{"errorText", a.ErrorText, title},
		{"tags", a.Tags, []string{"Windows", ".NET", "Update"}},
		{"updatedAt", a.UpdatedAt, time.Date(2025, 11, 3, 9, 11, 56, 107_000_000, time.UTC)},
		{"lang", a.Lang, "ja"},
		{"slug", a.Slug, "ja/dotnet-update-0x80070643"},
		{"codes", a.Codes, []string{"0x80070643"}},
		{"preamble", a.Preamble, ""},
		{"condition", a.Summary.Condition, article.Field{
			Text:      ".NET 更新プログラムのインストール中にインストーラーがアクセス権/ファイルロック/実行ブロックで失敗してエラー 0x80070643 を返す。",
			Qualifier: "1行",
		}},
		{"impact", a.Summary.Impact, article.Field{
			Text:      ".NET ランタイム/累積更新が適用されず、アプリケーションの動作やセキュリティ修正が反映されない。",
			Qualifier: "1行",
		}},
		{"urgency", a.Summary.Urgency, article.Urgency{
			Level:     article.UrgencyMedium,
			Qualifier: "中、理由1行",
			Reason:    "システムは通常動作するが、セキュリティ修正や依存アプリの互換性に影響するため迅速対応が望ましい。",
		}},
		{"summary notes", a.Summary.Notes, []string(nil)},
		{"causes", a.Causes, []article.Cause{
			{Rank: 1, Text: "インストーラーが書き込むフォルダーに対する所有権/ACL不足（インストーラーはSYSTEMまたは管理者権限要求）。"},
			{Rank: 2, Text: "Defender/EDR のブロックや制御されたフォルダーアクセスによるブロック。"},
			{Rank: 3, Text: "インストーラーファイルの「ブロック」フラグ（Zone.Identifier/MOTW）や署名問題。"},
			{Rank: 4, Text: "ファイル/ハンドルが別プロセスによりロックされている（ファイルロック）。"},
			{Rank: 5, Text: "AppLocker / ソフトウェア制限ポリシー(SRP) / SmartScreen などの実行制御によるブロック。"},
		}},
		{"checks", a.Checks, []article.Step{
			{Text: "管理者で起動 → 再試行"},
			{Text: "現在のACLを確認：", Commands: cmds(article.Command{Shell: "cmd", Code: `icacls "C:\Path\To\Folder"`})},
			{Text: "自分の特権を確認：", Commands: cmds(article.Command{Shell: "cmd", Code: `whoami /groups & whoami /priv`})},
			{Text: "Defenderのブロック/履歴とCFA有効状態を確認：", Commands: cmds(article.Command{Shell: "powershell", Code: "Get-MpThreatDetection -ErrorAction SilentlyContinue | Select Timestamp, Action, Resources | Select -First 5\nGet-MpPreference | Select EnableControlledFolderAccess"})},
			{Text: "TEMPフォルダーの権限を確認：", Commands: cmds(article.Command{Shell: "cmd", Code: "echo %TEMP%\nicacls \"%TEMP%\""})},
			{Text: "GPOの影響をスナップショット：", Commands: cmds(article.Command{Shell: "cmd", Code: `gpresult /h "%USERPROFILE%\Desktop\gp.html"`})},
		}},
		{"fix", a.Fix, []article.Step{
			{Text: "対象を特定 → 所有権/権限を付与（GUIまたはコマンドで特定フォルダーのみ）"},
			{Text: "制御されたフォルダーアクセスやEDRの許可登録、MOTW(Zone.Identifier)の解除を実施", Substeps: []article.Step{
				{Text: "PowerShell（ブロック解除）:", Commands: cmds(article.Command{Shell: "powershell", Code: `Unblock-File -Path "C:\Path\to\installer-or-script.exe"`})},
				{Text: "GUI: インストーラーの「プロパティ → ブロックの解除」にチェック"},
			}},
			{Text: "ロック中ならリブート/セーフモード/保持プロセスの安全な終了（resmon でハンドル特定）"},
			{Text: "再試行してインストール成功を確認"},
		}},
		{"permanent fixes", a.PermanentFixes, []string{
			"所有権と継承の是正を局所で実施し、広範な権限変更を避ける。",
			"Defender/EDR に対して許可アプリと例外ポリシーを整備する（展開プロセスを運用化）。",
			"GPO/EDR 管理下の申請フローを整備し、インストーラー配布時の事前承認を行う。",
			`共有や圧縮ファイル直実行を避け、必ずローカル（例: C:\Temp）にコピーしてから実行する。`,
		}},
		{"detailed steps", a.DetailedSteps, []article.Step{
			{Text: "GUIでの設定変更：該当フォルダーを右クリック → プロパティ → セキュリティ → 詳細 → 所有者を管理者またはSYSTEMに設定 → 継承を有効にして必要最小限のアクセス権を付与。"},
			{Text: "コマンド例（管理者で実行）", Commands: cmds(
				article.Command{Shell: "cmd", Code: "takeown /F \"C:\\Path\\To\\Folder\" /R /D Y\nicacls \"C:\\Path\\To\\Folder\" /grant Administrators:F /T"},
				article.Command{Shell: "powershell", Code: "$p = \"C:\\Path\\To\\Folder\"\nicacls $p /setowner \"NT AUTHORITY\\SYSTEM\" /T", Label: "ロールバック例（SYSTEMに戻す）:", Rollback: true},
				article.Command{Shell: "cmd", Code: "icacls \"C:\\Path\\To\\Folder\" /inheritance:e\nicacls \"C:\\Path\\To\\Folder\" /reset", Label: "付け過ぎた権限を既定に戻す（継承/ACLの修復）:", Rollback: true},
			)},
			{Text: "Defender: 設定と許可アプリ", Substeps: []article.Step{
				{Text: "状態確認:", Commands: cmds(article.Command{Shell: "powershell", Code: "Get-MpPreference | Select EnableControlledFolderAccess, ControlledFolderAccessAllowedApplications"})},
				{Text: "許可追加:", Commands: cmds(article.Command{Shell: "powershell", Code: `Add-MpPreference -ControlledFolderAccessAllowedApplications "C:\Path\app.exe"`})},
			}},
			{Text: "ファイルがロック中なら（見つけ方）", Substeps: []article.Step{
				{Text: "Win + R → resmon → CPU タブ → 関連付けられたハンドルでパス検索 → 該当プロセスを終了、または再起動／セーフモードで作業。"},
			}},
		}},
		{"warnings", a.Warnings, []string{"⚠ 注意: Defender/EDR の一時無効化や広範な ACL 変更は作業中のみ行うこと。完了後は必ず元に戻す（ロールバック: ポリシーと ACL を復元）。"}},
		{"pitfalls", a.Pitfalls, []string{
			"Windows/Program Files/System32 直下への広範な所有権変更",
			"共有フォルダーに Everyone:フル 付与",
			"EDR を恒常的に無効化したまま運用すること",
		}},
		{"checklist", a.Checklist, []string{
			"標準ユーザー運用＋必要時のみ昇格を徹底する",
			"インストーラーはダウンロード直後に実行してロックやブロックを回避する",
			"変更手順を文書化しレビューを行う",
		}},
		{"related", a.Related, []article.Related{
			{Text: "Windows Update で 0x80070005 が出るときの手順", Codes: []string{"0x80070005"}},
			{Text: "Office/Outlook の有効化で 0x80070005 が出るとき", Codes: []string{"0x80070005"}},
			{Text: "OneDrive/同期クライアントで 0x80070005 が出るとき", Codes: []string{"0x80070005"}},
		}},
		{"references", a.References, []article.Reference{
			{URL: "https://learn.microsoft.com/ja-jp/windows-server/administration/windows-commands/icacls"},
			{URL: "https://learn.microsoft.com/ja-jp/windows-server/administration/windows-commands/takeown"},
			{URL: "https://learn.microsoft.com/ja-jp/powershell/module/defender/get-mppreference"},
			{URL: "https://learn.microsoft.com/ja-jp/powershell/module/defender/add-mppreference"},
			{URL: "https://learn.microsoft.com/ja-jp/defender-endpoint/enable-controlled-folders"},
			{URL: "https://learn.microsoft.com/ja-jp/windows-server/administration/windows-commands/gpresult"},
		}},
		{"extra sections", a.ExtraSections, []article.Extra(nil)},
		{"sections", a.Sections, []article.Section{
			{Key: article.SectionSummary, Heading: "要約"},
			{Key: article.SectionCauses, Heading: "よくある原因", Qualifier: "優先度順"},
			{Key: article.SectionChecks, Heading: "60秒で確認", Qualifier: "最短手順"},
			{Key: article.SectionFix, Heading: "5分で解決", Qualifier: "実務フロー"},
			{Key: article.SectionPermanentFixes, Heading: "根本対策", Qualifier: "恒久策"},
			{Key: article.SectionDetailedSteps, Heading: "詳細手順", Qualifier: "Windows 10/11"},
			{Key: article.SectionPitfalls, Heading: "よくある落とし穴", Qualifier: "やってはいけない"},
			{Key: article.SectionChecklist, Heading: "再発防止チェックリスト"},
			{Key: article.SectionRelated, Heading: "関連ケース"},
			{Key: article.SectionReferences, Heading: "参考", Qualifier: "一次情報"},
		}},
	}
	for _, tt := range tests {
		if d := cmp.Diff(tt.want, tt.got); d != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, d)
		}
	}
}

func TestParseEnglish(t *testing.T) {
	t.Parallel()
	a, warnings := mustParse(t, "en/access-denied.md", readFile(t, "testdata/article_en.md"))
	tests := []struct {
		name      string
		got, want any
	}{
		{"title", a.Title, "Access denied when installing updates (0x80070005)"},
		{"errorText", a.ErrorText, "Error 0x80070005: Access is denied."},
		{"tags", a.Tags, []string{"Windows", "Update"}},
		{"updatedAt", a.UpdatedAt, time.Date(2026, 1, 14, 23, 30, 0, 0, time.UTC)},
		{"lang", a.Lang, "en-US"},
		{"slug", a.Slug, "windows-update-access-denied"},
		{"codes", a.Codes, []string{"0x80070005", "0x80240034"}},
		{"extra keys", a.FrontMatterExtra, []article.KeyValue{{Key: "reviewer", Value: "alice"}}},
		{"preamble", a.Preamble, "# Access denied when installing updates\n\nWritten for Windows 10 and 11."},
		{"summary", a.Summary, article.Summary{
			Condition: article.Field{Text: "Windows Update fails with **0x80070005** while writing to `C:\\Windows\\SoftwareDistribution`.", Qualifier: "one line"},
			Impact:    article.Field{Text: "Security updates are not installed."},
			Urgency:   article.Urgency{Level: article.UrgencyHigh, Qualifier: "High, one-line reason", Reason: "Unpatched machines stay exposed."},
			Notes:     []string{"Seen mostly on managed laptops."},
		}},
		{"causes", a.Causes, []article.Cause{
			{Rank: 1, Text: "Missing permissions on `SoftwareDistribution`."},
			{Rank: 2, Text: "Antivirus locks the download folder."},
			{Rank: 3, Text: "A broken [BITS](https://learn.microsoft.com/windows/win32/bits/background-intelligent-transfer-service-portal) queue."},
		}},
		{"checks", a.Checks, []article.Step{
			{Text: "Check the folder ACL:", Commands: cmds(article.Command{Shell: "cmd", Code: `icacls "%WINDIR%\SoftwareDistribution"`})},
			{Text: "Check the services:", Commands: cmds(article.Command{Shell: "powershell", Code: "Get-Service wuauserv, bits | Format-Table Name, Status"})},
		}},
		{"fix", a.Fix, []article.Step{
			{Text: "Stop the services", Commands: cmds(article.Command{Shell: "cmd", Code: "net stop wuauserv\nnet stop bits"})},
			{Text: "Rename the cache folder", Commands: cmds(
				article.Command{Shell: "cmd", Code: `ren %WINDIR%\SoftwareDistribution SoftwareDistribution.old`},
				article.Command{Shell: "cmd", Code: `ren %WINDIR%\SoftwareDistribution.old SoftwareDistribution`, Label: "To undo:", Rollback: true},
			)},
			{Text: "Start the services again and retry"},
		}},
		{"permanent fixes", a.PermanentFixes, []string{"Reset the folder ACL to its defaults.", "Exclude the update cache from third-party scanners."}},
		{"detailed steps", a.DetailedSteps, []article.Step{
			{
				Text: "Take ownership",
				Commands: cmds(
					article.Command{Shell: "cmd", Code: `takeown /F "%WINDIR%\SoftwareDistribution" /R /D Y`},
					article.Command{Shell: "powershell", Code: `icacls "$env:WINDIR\SoftwareDistribution" /setowner "NT SERVICE\TrustedInstaller" /T`, Label: "Restore the owner afterwards:", Rollback: true},
				),
				Warnings: []string{"⚠ Warning: never take ownership of all of `C:\\Windows`."},
			},
			{Text: "Re-register the update components", Substeps: []article.Step{
				{Text: "Open an elevated prompt."},
				{Text: "Run:", Commands: cmds(article.Command{Shell: "cmd", Code: "regsvr32 /s wuaueng.dll"})},
			}},
		}},
		{"warnings", a.Warnings, []string{"⚠ Warning: Back up the registry before you change anything."}},
		{"pitfalls", a.Pitfalls, []string{"Disabling Windows Update permanently", "Granting *Everyone* full control"}},
		{"checklist", a.Checklist, []string{"Keep an admin account for servicing", "Review scanner exclusions quarterly"}},
		{"related", a.Related, []article.Related{
			{Text: "Microsoft Store downloads fail with 0x80070005", Codes: []string{"0x80070005"}},
			{Text: "Windows Update error 0x80240034 or 0x80070005", Codes: []string{"0x80240034", "0x80070005"}},
			{Text: "Slow updates in general"},
		}},
		{"references", a.References, []article.Reference{
			{URL: "https://learn.microsoft.com/windows/deployment/update/windows-update-troubleshooting"},
			{URL: "https://learn.microsoft.com/windows-server/administration/windows-commands/icacls"},
			{URL: "https://learn.microsoft.com/windows-server/administration/windows-commands/takeown", Title: "takeown"},
			{URL: "https://learn.microsoft.com/windows/deployment/update/windows-update-logs", Title: "Windows Update log files"},
			{URL: "https://learn.microsoft.com/windows/win32/bits/bitsadmin-tool", Title: "BITS"},
		}},
		{"extra sections", a.ExtraSections, []article.Extra{{
			Heading: "Notes from support",
			Body:    "Some tickets mention **third-party** firewalls.\n\n| Tool | Works |\n|------|-------|\n| icacls | yes |",
		}}},
		{"sections", a.Sections, []article.Section{
			{Key: article.SectionSummary, Heading: "Summary"},
			{Key: article.SectionCauses, Heading: "Causes"},
			{Key: article.SectionChecks, Heading: "Quick checks"},
			{Key: article.SectionFix, Heading: "5-minute fix"},
			{Key: article.SectionPermanentFixes, Heading: "Root cause fix"},
			{Key: article.SectionDetailedSteps, Heading: "Detailed steps", Qualifier: "Windows 11"},
			{Key: article.SectionPitfalls, Heading: "Don'ts"},
			{Key: article.SectionChecklist, Heading: "Checklist"},
			{Key: article.SectionRelated, Heading: "Related"},
			{Key: article.SectionReferences, Heading: "References", Notes: []string{"- Ask your administrator"}},
			{Key: article.SectionExtra, Heading: "Notes from support"},
		}},
		{"warnings", warnings, []Warning{
			{"en/access-denied.md", 9, `unknown front matter key "reviewer" kept`},
			{"en/access-denied.md", 90, "related item names no code"},
			{"en/access-denied.md", 98, "reference is not an http(s) URL; kept as a note"},
			{"en/access-denied.md", 100, `unknown section "Notes from support" kept verbatim`},
		}},
	}
	for _, tt := range tests {
		if d := cmp.Diff(tt.want, tt.got); d != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, d)
		}
	}
}

// variants returns src with CRLF line endings, with a BOM, with both, and
// with lone CR line endings.
func variants(src []byte) map[string][]byte {
	crlf := bytes.ReplaceAll(src, []byte("\n"), []byte("\r\n"))
	bom := []byte("\xef\xbb\xbf")
	return map[string][]byte{
		"LF":       src,
		"CRLF":     crlf,
		"BOM":      append(append([]byte{}, bom...), src...),
		"BOM+CRLF": append(append([]byte{}, bom...), crlf...),
		"CR":       bytes.ReplaceAll(src, []byte("\n"), []byte("\r")),
	}
}

func TestParseLineEndingsAndBOM(t *testing.T) {
	t.Parallel()
	for _, file := range []string{"testdata/seed_ja.md", "testdata/article_en.md"} {
		src := readFile(t, file)
		want, wantWarnings := mustParse(t, "a.md", src)
		for name, v := range variants(src) {
			t.Run(file+"/"+name, func(t *testing.T) {
				t.Parallel()
				got, gotWarnings := mustParse(t, "a.md", v)
				if d := cmp.Diff(want, got); d != "" {
					t.Errorf("article differs from the LF parse (-want +got):\n%s", d)
				}
				if d := cmp.Diff(wantWarnings, gotWarnings); d != "" {
					t.Errorf("warnings differ from the LF parse (-want +got):\n%s", d)
				}
			})
		}
	}
}

// checkRoundTrip asserts Parse(Render(a)) == a for the article in src.
func checkRoundTrip(t testing.TB, path string, src []byte) {
	t.Helper()
	a, _, err := Parse(path, src)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	out := Render(a)
	b, _, err := Parse(path, out)
	if err != nil {
		t.Fatalf("Parse(Render(a)): %v\nrendered:\n%s", err, out)
	}
	if d := cmp.Diff(a, b); d != "" {
		t.Fatalf("Parse(Render(a)) != a (-a +b):\n%s\nrendered:\n%s", d, out)
	}
	if again := Render(b); !bytes.Equal(again, out) {
		t.Fatalf("Render is not stable:\nfirst:\n%s\nsecond:\n%s", out, again)
	}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	for _, file := range []string{"testdata/seed_ja.md", "testdata/article_en.md"} {
		for name, v := range variants(readFile(t, file)) {
			t.Run(file+"/"+name, func(t *testing.T) {
				t.Parallel()
				checkRoundTrip(t, "x/"+file, v)
			})
		}
	}
}

func TestRenderSeedIsCanonical(t *testing.T) {
	t.Parallel()
	// The seed is already in the canonical layout, except for what Render
	// adds (the derived slug and codes) and a hard break before a list.
	src := readFile(t, "testdata/seed_ja.md")
	a, _ := mustParse(t, "ja/dotnet-update-0x80070643.md", src)
	want := string(src) + "\n"
	want = strings.Replace(want, "lang: \"ja\"\n", "lang: \"ja\"\nslug: \"ja/dotnet-update-0x80070643\"\ncodes: [\"0x80070643\"]\n", 1)
	want = strings.Replace(want, "の解除を実施  \n", "の解除を実施\n", 1)
	if d := cmp.Diff(want, string(Render(a))); d != "" {
		t.Errorf("Render(seed) (-want +got):\n%s", d)
	}
}

func TestRenderWithoutSections(t *testing.T) {
	t.Parallel()
	tests := []struct {
		lang     string
		headings []string
	}{
		{"ja", []string{"## 要約\n", "## よくある原因\n", "## 60秒で確認\n", "## 5分で解決\n", "## 根本対策\n", "## 詳細手順\n", "## よくある落とし穴\n", "## 再発防止チェックリスト\n", "## 関連ケース\n", "## 参考\n"}},
		{"en", []string{"## Summary\n", "## Common causes\n", "## Quick checks\n", "## Fix\n", "## Permanent fix\n", "## Detailed steps\n", "## Pitfalls\n", "## Prevention checklist\n", "## Related cases\n", "## References\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			t.Parallel()
			a, _ := mustParse(t, "a.md", readFile(t, "testdata/seed_ja.md"))
			a.Lang = tt.lang
			a.Sections = nil
			out := string(Render(a))
			last := -1
			for _, h := range tt.headings {
				i := strings.Index(out, h)
				if i <= last {
					t.Fatalf("heading %q: at %d, want after %d in\n%s", h, i, last, out)
				}
				last = i
			}
			b, _ := mustParse(t, "a.md", []byte(out))
			b.Sections = nil
			if d := cmp.Diff(a, b); d != "" {
				t.Errorf("Parse(Render(a)) (-a +b):\n%s", d)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	const body = "\n## 要約\n- x\n"
	fm := func(lines ...string) string {
		return "---\n" + strings.Join(lines, "\n") + "\n---\n" + body
	}
	ok := []string{`title: "t"`, `errorText: "e"`, `updatedAt: "2025-11-03T09:11:56Z"`, `lang: "ja"`}
	with := func(i int, line string) []string {
		l := append([]string(nil), ok...)
		l[i] = line
		return l
	}
	tests := []struct {
		name   string
		src    string
		line   int
		reason string
	}{
		{"no front matter", "# title\n" + body, 1, "missing front matter"},
		{"unterminated front matter", "---\ntitle: t\nlang: ja\n", 1, "unterminated front matter"},
		{"invalid YAML", fm(`title: "t"`, `errorText: [e`, `updatedAt: x`), 3, "invalid YAML"},
		{"invalid YAML mapping", fm(`title: "t"`, `errorText: e: f`), 3, "invalid YAML"},
		{"not a mapping", fm(`- a`, `- b`), 2, "want a YAML mapping"},
		{"missing title", fm(ok[1:]...), 1, `missing required key "title"`},
		{"empty title", fm(with(0, `title: ""`)...), 2, "title: must not be empty"},
		{"title not a string", fm(with(0, `title: [a, b]`)...), 2, "title: want a single value"},
		{"missing errorText", fm(ok[0], ok[2], ok[3]), 1, `missing required key "errorText"`},
		{"missing updatedAt", fm(ok[0], ok[1], ok[3]), 1, `missing required key "updatedAt"`},
		{"missing lang", fm(ok[:3]...), 1, `missing required key "lang"`},
		{"bad updatedAt", fm(with(2, `updatedAt: "2025-11-03 09:11"`)...), 4, "not an RFC 3339 timestamp"},
		{"bad lang", fm(with(3, `lang: "japanese!"`)...), 5, "not a BCP 47 language tag"},
		{"invalid code", fm(append(ok, `codes: [0x80070005, 0xZZZ]`)...), 6, `invalid error code "0xZZZ"`},
		{"duplicate key", fm(append(ok, `title: "again"`)...), 6, `duplicate key "title"`},
		{"alias", fm(append(ok, `a: &x 1`, `b: *x`)...), 7, "aliases are not supported"},
		{"invalid UTF-8", fm(ok...) + "\n## 参考\n- \xff\xfe\n", 12, "invalid UTF-8"},
		{"invalid UTF-8 in front matter", "---\ntitle: \"\xc3\"\n---\n", 2, "invalid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, ws, err := Parse("dir/file.md", []byte(tt.src))
			var pe *ParseError
			if !errorsAs(err, &pe) {
				t.Fatalf("got (%v, %v, %v), want a *ParseError", a, ws, err)
			}
			if pe.Path != "dir/file.md" || pe.Line != tt.line || !strings.Contains(pe.Reason, tt.reason) {
				t.Errorf("got %q, want dir/file.md:%d: ...%s...", pe.Error(), tt.line, tt.reason)
			}
			if a != nil || ws != nil {
				t.Errorf("got article %v and warnings %v with the error, want nil", a, ws)
			}
			// CRLF must report the same line.
			_, _, err = Parse("dir/file.md", []byte(strings.ReplaceAll(tt.src, "\n", "\r\n")))
			if !errorsAs(err, &pe) || pe.Line != tt.line {
				t.Errorf("CRLF: got %v, want line %d", err, tt.line)
			}
		})
	}
}

func errorsAs(err error, pe **ParseError) bool {
	e, ok := err.(*ParseError)
	if ok {
		*pe = e
	}
	return ok
}

func TestParseWarningsAndKeptContent(t *testing.T) {
	t.Parallel()
	src := `---
title: "t 0x80070005"
errorText: "e"
updatedAt: "2025-11-03T09:11:56Z"
lang: "en"
x-owner: "team-a"
x-list:
  - 1
  - two
---
Intro text.

## Summary
- Urgency: Critical — the service is down
- Condition: always

## Troubleshooting tree
Step **one**

` + "```cmd\nver\n```" + `

## Fix
Before you start, log in.

1) Do it
   Then this paragraph is not a label.

   > a quote in a step

## Related
- nothing here
`
	a, ws := mustParse(t, "cases/t.md", []byte(src))
	want := &article.Article{
		Slug: "cases/t", Lang: "en", Title: "t 0x80070005", ErrorText: "e",
		Codes:     []string{"0x80070005"},
		UpdatedAt: time.Date(2025, 11, 3, 9, 11, 56, 0, time.UTC),
		Preamble:  "Intro text.",
		FrontMatterExtra: []article.KeyValue{
			{Key: "x-owner", Value: `"team-a"`},
			{Key: "x-list", Value: "- 1\n- two"},
		},
		Summary: article.Summary{
			Condition: article.Field{Text: "always"},
			Urgency:   article.Urgency{Level: article.UrgencyCritical, Reason: "the service is down"},
		},
		Fix:           []article.Step{{Text: "Do it\nThen this paragraph is not a label."}},
		Related:       []article.Related{{Text: "nothing here"}},
		ExtraSections: []article.Extra{{Heading: "Troubleshooting tree", Body: "Step **one**\n\n```cmd\nver\n```"}},
		Sections: []article.Section{
			{Key: article.SectionSummary, Heading: "Summary"},
			{Key: article.SectionExtra, Heading: "Troubleshooting tree"},
			{Key: article.SectionFix, Heading: "Fix", Notes: []string{"Before you start, log in.", "> a quote in a step"}},
			{Key: article.SectionRelated, Heading: "Related"},
		},
	}
	if d := cmp.Diff(want, a, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("article (-want +got):\n%s", d)
	}
	wantWarnings := []Warning{
		{"cases/t.md", 6, `unknown front matter key "x-owner" kept`},
		{"cases/t.md", 7, `unknown front matter key "x-list" kept`},
		{"cases/t.md", 17, `unknown section "Troubleshooting tree" kept verbatim`},
		{"cases/t.md", 33, "related item names no code"},
	}
	if d := cmp.Diff(wantWarnings, ws); d != "" {
		t.Errorf("warnings (-want +got):\n%s", d)
	}
	checkRoundTrip(t, "cases/t.md", []byte(src))
}

func TestParseSummaryForms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		items string
		want  article.Summary
	}{
		{"ja hard break", "- 緊急度（高）  \n  今すぐ", article.Summary{Urgency: article.Urgency{Level: "high", Qualifier: "高", Reason: "今すぐ"}}},
		{"ja backslash break", "- 影響\\\n  なし", article.Summary{Impact: article.Field{Text: "なし"}}},
		{"ja level in value", "- 緊急度：低、様子見", article.Summary{Urgency: article.Urgency{Level: "low", Reason: "様子見"}}},
		{"critical", "- 緊急度（緊急）  \n  停止中", article.Summary{Urgency: article.Urgency{Level: "critical", Qualifier: "緊急", Reason: "停止中"}}},
		{"en case-insensitive", "- URGENCY (medium)  \n  soon", article.Summary{Urgency: article.Urgency{Level: "medium", Qualifier: "medium", Reason: "soon"}}},
		{"en colon", "- Urgency: Low", article.Summary{Urgency: article.Urgency{Level: "low"}}},
		{"no level", "- Urgency  \n  whenever", article.Summary{Urgency: article.Urgency{Reason: "whenever"}}},
		{"multi-line value", "- Impact  \n  line one  \n  line two", article.Summary{Impact: article.Field{Text: "line one  \nline two"}}},
		{"unlabelled", "- just a note\n- Impact", article.Summary{Notes: []string{"just a note", "Impact"}}},
		{"duplicate label", "- Impact: a\n- Impact: b", article.Summary{Impact: article.Field{Text: "a"}, Notes: []string{"Impact: b"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := "---\ntitle: t\nerrorText: e\nupdatedAt: 2025-01-01T00:00:00Z\nlang: en\n---\n## Summary\n" + tt.items + "\n"
			a, _ := mustParse(t, "s.md", []byte(src))
			if d := cmp.Diff(tt.want, a.Summary); d != "" {
				t.Errorf("summary (-want +got):\n%s", d)
			}
			checkRoundTrip(t, "s.md", []byte(src))
		})
	}
}

func TestParseReference(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want article.Reference
		ok   bool
	}{
		{"https://example.com/a", article.Reference{URL: "https://example.com/a"}, true},
		{"<http://example.com/a?b=c>", article.Reference{URL: "http://example.com/a?b=c"}, true},
		{"[Docs](https://example.com/d)", article.Reference{URL: "https://example.com/d", Title: "Docs"}, true},
		{"[Docs [v2]](<https://example.com/d>)", article.Reference{URL: "https://example.com/d", Title: "Docs [v2]"}, true},
		{"Docs: https://example.com/d", article.Reference{URL: "https://example.com/d", Title: "Docs"}, true},
		{"公式ドキュメント：https://example.com/d", article.Reference{URL: "https://example.com/d", Title: "公式ドキュメント"}, true},
		{"Docs – https://example.com/d", article.Reference{URL: "https://example.com/d", Title: "Docs"}, true},
		{"Docs <https://example.com/d>", article.Reference{URL: "https://example.com/d", Title: "Docs"}, true},
		{"see https://example.com/?u=https://x.example", article.Reference{URL: "https://example.com/?u=https://x.example", Title: "see"}, true},
		{"ftp://example.com/file", article.Reference{}, false},
		{"https://", article.Reference{}, false},
		{"a book", article.Reference{}, false},
		{"https://example.com/a b", article.Reference{}, false},
	}
	for _, tt := range tests {
		got, ok := parseReference(tt.in)
		if ok != tt.ok || got != tt.want {
			t.Errorf("parseReference(%q) = %+v, %v; want %+v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestSplitQualifier(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, name, qualifier string }{
		{"よくある原因（優先度順）", "よくある原因", "優先度順"},
		{"詳細手順（Windows 10/11）", "詳細手順", "Windows 10/11"},
		{"Detailed steps (Windows 11)", "Detailed steps", "Windows 11"},
		{"Fix (see (a))", "Fix", "see (a)"},
		{"Fix (a) (b)", "Fix (a)", "b"},
		{"（only）", "（only）", ""},
		{"Fix a)", "Fix a)", ""},
		{"要約", "要約", ""},
	}
	for _, tt := range tests {
		name, q := splitQualifier(tt.in)
		if name != tt.name || q != tt.qualifier {
			t.Errorf("splitQualifier(%q) = %q, %q; want %q, %q", tt.in, name, q, tt.name, tt.qualifier)
		}
	}
}

func TestSectionKey(t *testing.T) {
	t.Parallel()
	for _, s := range sectionNames {
		for _, name := range append([]string{s.ja}, s.en...) {
			for _, v := range []string{name, strings.ToUpper(name), strings.ToLower(name)} {
				if got := sectionKey(v); got != s.key && !(v != name && v != strings.ToLower(name) && got == article.SectionExtra && name == s.ja) {
					t.Errorf("sectionKey(%q) = %q, want %q", v, got, s.key)
				}
			}
		}
	}
	if got := sectionKey("要約2"); got != article.SectionExtra {
		t.Errorf("sectionKey(要約2) = %q, want extra", got)
	}
}

func TestDefaultSlug(t *testing.T) {
	t.Parallel()
	tests := []struct{ path, want string }{
		{"ja/dotnet-update-0x80070643.md", "ja/dotnet-update-0x80070643"},
		{`ja\windows\update.md`, "ja/windows/update"},
		{"./a//b.txt", "a/b"},
		{"/abs/x.md", "abs/x"},
		{"noext", "noext"},
		{"a/.md", ""},
	}
	for _, tt := range tests {
		if got := defaultSlug(tt.path); got != tt.want {
			t.Errorf("defaultSlug(%q) = %q, want %q", tt.path, got, tt.want)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	src := readFile(b, "testdata/seed_ja.md")
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Parse("ja/seed.md", src); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRender(b *testing.B) {
	a, _ := mustParse(b, "ja/seed.md", readFile(b, "testdata/seed_ja.md"))
	b.ReportAllocs()
	for b.Loop() {
		Render(a)
	}
}

func TestCommandBytesKept(t *testing.T) {
	t.Parallel()
	// Tabs, trailing spaces, blank lines, backticks and Japanese inside a
	// command survive parsing and a round trip byte for byte.
	code := "for %%f in (*.log) do (\n\techo %%f  \n\n\ttype \"%%f\" | findstr エラー\n)\n```inner```"
	src := "---\ntitle: t\nerrorText: e\nupdatedAt: 2025-01-01T00:00:00Z\nlang: ja\n---\n## 60秒で確認\n- ログを確認:\n  ````bat\n" +
		"  " + strings.ReplaceAll(code, "\n", "\n  ") + "\n  ````\n"
	src = strings.ReplaceAll(src, "\n  \n", "\n\n")
	a, _ := mustParse(t, "c.md", []byte(src))
	want := []article.Step{{Text: "ログを確認:", Commands: cmds(article.Command{Shell: "bat", Code: code})}}
	if d := cmp.Diff(want, a.Checks); d != "" {
		t.Errorf("checks (-want +got):\n%s", d)
	}
	checkRoundTrip(t, "c.md", []byte(src))
}
