package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/errdex/errdex/api"
	"github.com/errdex/errdex/internal/article"
	"github.com/errdex/errdex/internal/store"
	"github.com/errdex/errdex/internal/testdb"
)

// The phrase pools the generated corpus recombines: support-desk Japanese
// and English, so that term frequencies look like a real knowledge base
// (インストール, 権限, update, install are everywhere; 破損 less so).
var genPhrases = map[string]struct {
	subjects, problems, contexts, products, actions, checks, fixes, tags []string
}{
	"ja": {
		subjects: []string{"Windows Update サービス", "インストーラー", ".NET Framework のセットアップ", "ウイルス対策ソフト", "コンポーネントストア",
			"システムドライブ", "グループポリシー", "プロキシサーバー", "BITS サービス", "ユーザープロファイル", "ドライバーパッケージ", "証明書ストア",
			"Microsoft Store アプリ", "タスクスケジューラ", "レジストリキー", "ネットワークアダプター", "WMI リポジトリ", "一時フォルダー",
			"エンドポイント保護 (EDR)", "管理エージェント"},
		problems: []string{"が無効になっている", "にフォルダーへの書き込み権限がない", "が破損している", "がファイルへのアクセスをブロックしている",
			"がサーバーに接続できない", "がタイムアウトする", "がファイルをロックしている", "の空き容量が不足している", "の所有者が変更されている",
			"が古いバージョンのまま残っている", "の署名を検証できない", "が応答しない", "の設定が既定値と異なる", "が再起動待ちになっている",
			"のアクセス許可が読み取りのみになっている", "が別のプロセスで使用中になっている"},
		contexts: []string{"インストール中に", "機能更新の後に", "ドメイン参加 PC で", "更新プログラムの適用時に", "初回サインイン時に",
			"夜間メンテナンスで", "VPN 接続中に", "管理者権限のないアカウントで", "クリーンブートでも", "特定のユーザーだけで"},
		products: []string{"Windows Update", ".NET 更新プログラム", "累積更新プログラム", "Microsoft Store", "ドライバー更新", "機能更新",
			"Office のインストール", "Visual C++ 再頒布可能パッケージ", "Windows Defender の定義更新", "プリンタードライバー"},
		actions: []string{"のインストールに失敗する", "がエラーで停止する", "のダウンロードが進まない", "がロールバックされる",
			"が完了しない", "を適用できない", "が 0% のまま止まる", "でアクセスが拒否される"},
		checks: []string{"イベントビューアーでエラーの発生時刻と発生元を確認する", "管理者として実行しているか確認する",
			"対象フォルダーの所有者とアクセス許可を icacls で確認する", "サービスの状態とスタートアップの種類を確認する",
			"ディスクの空き容量が 10GB 以上あるか確認する", "プロキシ設定を netsh winhttp show proxy で確認する",
			"ウイルス対策ソフトの検疫履歴を確認する", "CBS.log にエラーコードが記録されているか確認する",
			"再起動待ちの状態になっていないか確認する", "グループポリシーの適用結果を gpresult で確認する",
			"証明書の有効期限と発行元を確認する", "別のプロセスがファイルを使用中でないか確認する"},
		fixes: []string{"PC を再起動してから再試行する", "SoftwareDistribution フォルダーの名前を変更して再試行する",
			"DISM と SFC でシステムファイルを修復する", "インストーラーを管理者として実行する",
			"対象フォルダーだけアクセス許可を既定に戻す", "ウイルス対策ソフトの除外にインストーラーを追加する",
			"サービスのスタートアップの種類を手動に戻して開始する", "プロキシ設定を直してから再試行する",
			"一時フォルダーを空にしてから再試行する", "更新プログラムを手動でダウンロードしてインストールする",
			"クリーンブートで競合するソフトを切り分ける", "ドライバーを削除してから再インストールする"},
		tags: []string{"Windows", "Update", ".NET", "Permissions", "Network", "Store", "Driver", "Disk", "Security", "Office"},
	},
	"en": {
		subjects: []string{"The Windows Update service", "The installer", "The .NET Framework setup", "A third-party antivirus",
			"The component store", "The system drive", "Group Policy", "The proxy server", "The BITS service", "The user profile",
			"The driver package", "The certificate store", "A Microsoft Store app", "Task Scheduler", "A registry key",
			"The network adapter", "The WMI repository", "The temporary folder", "The endpoint protection agent", "The management agent"},
		problems: []string{"is disabled", "lacks permission to write to the folder", "is corrupted", "blocks access to the file",
			"cannot reach the server", "times out", "holds a lock on the file", "is running out of free space", "has a changed owner",
			"is left at an old version", "has a signature that cannot be verified", "stops responding", "differs from the default settings",
			"is waiting for a restart", "grants read-only access", "is in use by another process"},
		contexts: []string{"during installation", "after a feature update", "on domain-joined PCs", "when updates are applied",
			"at first sign-in", "during overnight maintenance", "while connected to the VPN", "for accounts without administrator rights",
			"even after a clean boot", "for one user only"},
		products: []string{"Windows Update", "A .NET update", "The cumulative update", "Microsoft Store", "A driver update", "The feature update",
			"Office setup", "The Visual C++ redistributable", "The Defender definition update", "The printer driver"},
		actions: []string{"fails to install", "stops with an error", "does not download", "is rolled back", "never completes",
			"cannot be applied", "is stuck at 0%", "is denied access"},
		checks: []string{"Check the time and source of the error in Event Viewer", "Confirm that you are running as administrator",
			"Check the owner and permissions of the target folder with icacls", "Check the service state and its startup type",
			"Make sure that at least 10 GB of disk space is free", "Check the proxy settings with netsh winhttp show proxy",
			"Review the quarantine history of the antivirus", "Look for the error code in CBS.log",
			"Check whether a restart is pending", "Check the applied Group Policy with gpresult",
			"Check the certificate's expiry date and issuer", "Check whether another process is using the file"},
		fixes: []string{"Restart the PC and try again", "Rename the SoftwareDistribution folder and retry",
			"Repair system files with DISM and SFC", "Run the installer as administrator",
			"Reset the permissions of the affected folder only", "Add the installer to the antivirus exclusions",
			"Set the service startup type back to Manual and start it", "Fix the proxy settings and retry",
			"Empty the temporary folder and retry", "Download the update manually and install it",
			"Isolate conflicting software with a clean boot", "Remove the driver and reinstall it"},
		tags: []string{"Windows", "Update", ".NET", "Permissions", "Network", "Store", "Driver", "Disk", "Security", "Office"},
	},
}

// genCode draws the code of a generated article: a Win32 HRESULT or a
// Windows Update code, so that a code has one or two articles, as in life.
func genCode(r *rand.Rand) string {
	if r.IntN(4) == 0 {
		return fmt.Sprintf("0x8024%04x", r.IntN(0x10000))
	}
	return fmt.Sprintf("0x8007%04x", r.IntN(0x10000))
}

func pick(r *rand.Rand, s []string) string { return s[r.IntN(len(s))] }

// generateArticle makes article i: even ones Japanese, odd ones English.
func generateArticle(r *rand.Rand, i int) *article.Article {
	lang := "ja"
	if i%2 == 1 {
		lang = "en"
	}
	p := genPhrases[lang]
	code := genCode(rand.New(rand.NewPCG(uint64(i/2), 3))) // both languages of a case share it
	sentence := func() string {
		if lang == "ja" {
			return pick(r, p.contexts) + pick(r, p.subjects) + pick(r, p.problems) + "。"
		}
		return pick(r, p.subjects) + " " + pick(r, p.problems) + " " + pick(r, p.contexts) + "."
	}
	a := &article.Article{
		Slug: fmt.Sprintf("gen-%06d", i/2), Lang: lang, Status: article.StatusPublished,
		UpdatedAt: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.IntN(700*24)) * time.Hour),
		Codes:     []string{code},
	}
	if lang == "ja" {
		a.Title = pick(r, p.products) + pick(r, p.actions) + " " + code
		a.ErrorText = "エラー " + code + ": " + sentence()
	} else {
		a.Title = pick(r, p.products) + " " + pick(r, p.actions) + " with error " + code
		a.ErrorText = "Error " + code + ": " + sentence()
	}
	for t := range 1 + r.IntN(3) {
		tag := pick(r, p.tags)
		if t == 0 || !slices.Contains(a.Tags, tag) {
			a.Tags = append(a.Tags, tag)
		}
	}
	for k := range 3 + r.IntN(3) {
		a.Causes = append(a.Causes, article.Cause{Rank: k + 1, Text: sentence()})
	}
	for range 3 + r.IntN(3) {
		a.Checks = append(a.Checks, article.Step{Text: pick(r, p.checks), Commands: []article.Command{{Shell: "cmd", Code: "sc query wuauserv"}}})
	}
	for range 3 + r.IntN(3) {
		a.Fix = append(a.Fix, article.Step{Text: pick(r, p.fixes), Commands: []article.Command{}})
	}
	for range 1 + r.IntN(2) {
		c := genCode(r)
		a.Related = append(a.Related, article.Related{Text: sentence() + " " + c, Codes: []string{c}})
	}
	a.Summary = article.Summary{Condition: article.Field{Text: sentence()}, Impact: article.Field{Text: sentence()},
		Urgency: article.Urgency{Level: article.UrgencyMedium, Reason: sentence()}}
	return a
}

// loadCorpus fills the store with n generated articles through
// SaveArticles, as the importer writes: batches of 1000, one transaction.
func loadCorpus(b *testing.B, st *store.Store, n int) {
	b.Helper()
	ctx := context.Background()
	r := rand.New(rand.NewPCG(1, 2))
	start := time.Now()
	err := st.InTx(ctx, func(tx pgx.Tx) error {
		for i := 0; i < n; i += 1000 {
			batch := make([]*article.Article, 0, 1000)
			for j := i; j < min(n, i+1000); j++ {
				a := generateArticle(r, j)
				if err := article.Normalize(a); err != nil {
					return err
				}
				batch = append(batch, a)
			}
			if _, _, err := store.SaveArticles(ctx, tx, batch, store.Change{Author: "bench", Origin: "import"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatalf("load corpus: %v", err)
	}
	elapsed := time.Since(start)
	if _, err := st.Pool().Exec(ctx, `VACUUM ANALYZE`); err != nil {
		b.Fatal(err)
	}
	b.Logf("loaded %d articles in %s (%.0f articles/s), vacuumed in %s", n, elapsed.Round(time.Millisecond),
		float64(n)/elapsed.Seconds(), (time.Since(start) - elapsed).Round(time.Millisecond))
}

// benchStore opens the benchmark's database: ERRDEX_BENCH_DB when set
// (loaded on first use, then reused across runs), else a fresh test
// database.
func benchStore(b *testing.B, n int) *store.Store {
	b.Helper()
	ctx := context.Background()
	dsn := os.Getenv("ERRDEX_BENCH_DB")
	if dsn == "" {
		dsn = testdb.URL(b)
	} else {
		if err := store.EnsureDatabase(ctx, dsn); err != nil {
			b.Fatal(err)
		}
		m, err := store.NewMigrator(dsn)
		if err != nil {
			b.Fatal(err)
		}
		if err := m.Up(); err != nil {
			b.Fatal(err)
		}
		m.Close()
	}
	st, err := store.Open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(st.Close)
	if have, err := st.CountArticles(ctx); err != nil || have != n {
		if _, err := st.Pool().Exec(ctx, `TRUNCATE articles CASCADE`); err != nil {
			b.Fatal(err)
		}
		loadCorpus(b, st, n)
	}
	return st
}

// searchMix is the benchmark's fixed query mix: the queries,
// common and rare words in both languages, a miss, codes, filters.
var searchMix = []string{
	"q=権限",
	"q=インストーラー",
	"q=.NET 失敗",
	"q=インストール 失敗 権限",
	"q=コンポーネントストア 破損",
	"q=証明書 有効期限",
	"q=再起動待ち&lang=ja",
	"q=プロキシ&tag=Network",
	"q=installing",
	"q=access denied installer",
	"q=proxy server",
	"q=disk space&lang=en",
	"q=certificate expiry date",
	"q=clean boot&tag=Update",
	"q=zebra",
	"q=0x80070643",
	"q=エラー 0x80070005 権限",
}

// BenchmarkSearch100k measures GET /search through the router on 100,000
// generated articles, half Japanese and half English, for a fixed mix of
// queries (first pages, and the second page of each), and reports the
// latency percentiles over every request. It loads its corpus first (a few
// minutes); set ERRDEX_BENCH_DB to a database URL to keep it across runs.
func BenchmarkSearch100k(b *testing.B) {
	st := benchStore(b, 100000)
	cfg := api.DefaultConfig()
	cfg.RateLimit = 0
	srv := api.NewServer(cfg, st, slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn})))
	get := func(target string) (time.Duration, string) {
		req := httptest.NewRequest(http.MethodGet, target, nil)
		rec := httptest.NewRecorder()
		start := time.Now()
		srv.ServeHTTP(rec, req)
		d := time.Since(start)
		if rec.Code != http.StatusOK {
			b.Fatalf("GET %s: %d %s", target, rec.Code, rec.Body)
		}
		var page struct{ NextCursor string }
		if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil {
			b.Fatal(err)
		}
		return d, page.NextCursor
	}
	targets := make([]string, len(searchMix))
	for i, q := range searchMix {
		v, err := url.ParseQuery(q)
		if err != nil {
			b.Fatal(err)
		}
		targets[i] = "/search?" + v.Encode()
	}
	run := func(record func(q string, d time.Duration)) {
		for i, target := range targets {
			d, next := get(target)
			record(searchMix[i], d)
			if next != "" {
				d, _ = get(target + "&cursor=" + url.QueryEscape(next))
				record(searchMix[i]+" (page 2)", d)
			}
		}
	}
	run(func(string, time.Duration) {}) // warm the caches once
	var all []time.Duration
	per := map[string][]time.Duration{}
	b.ResetTimer()
	for b.Loop() {
		run(func(q string, d time.Duration) {
			all = append(all, d)
			per[q] = append(per[q], d)
		})
	}
	b.StopTimer()
	pct := func(ds []time.Duration, p float64) float64 {
		s := slices.Clone(ds)
		slices.Sort(s)
		return float64(s[min(len(s)-1, int(p*float64(len(s))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(all, 0.50), "p50-ms")
	b.ReportMetric(pct(all, 0.95), "p95-ms")
	b.ReportMetric(float64(len(all))/float64(b.N), "requests/op")
	// Per query, on stderr: b.Log output of a benchmark is cut at ten lines.
	for _, q := range slices.Sorted(maps.Keys(per)) {
		fmt.Fprintf(os.Stderr, "    %-44s p50 %6.1f ms  p95 %6.1f ms\n", q, pct(per[q], 0.50), pct(per[q], 0.95))
	}
}
