package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/errdex/errdex/articles"
	"github.com/errdex/errdex/internal/article"
	"github.com/errdex/errdex/internal/importer"
	"github.com/errdex/errdex/internal/store"
)

// fixture is a small article; the corpus below is built so that each
// query of the issue has one right answer, a near miss and decoys.
type fixture struct {
	slug, lang, status, title, errorText string
	tags, codes, causes, fix             []string
	related                              []article.Related
}

var searchCorpus = []fixture{
	{slug: "perm", lang: "ja", title: "インストーラーの権限が不足してインストールに失敗する 0x80070005",
		errorText: "エラー 0x80070005: アクセスが拒否されました。", tags: []string{"Permissions"}, codes: []string{"0x80070005"},
		causes: []string{"管理者として実行していない。", "フォルダーの所有者が変更されている。"}, fix: []string{"管理者として再実行する。"},
		related: []article.Related{{Text: ".NET 更新の失敗は 0x80070643 を参照", Codes: []string{"0x80070643"}}}},
	{slug: "perm", lang: "en", title: "Access denied when the installer runs 0x80070005",
		errorText: "Error 0x80070005: Access is denied.", tags: []string{"Permissions"}, codes: []string{"0x80070005"},
		causes: []string{"The process is not elevated.", "The folder owner was changed."}, fix: []string{"Run it as administrator."},
		related: []article.Related{{Text: ".NET update failures: 0x80070643", Codes: []string{"0x80070643"}}}},
	{slug: "dotnet", lang: "ja", title: ".NET Framework の更新が失敗する 0x80070643",
		errorText: ".NET 更新プログラムのインストールに失敗しました 0x80070643", tags: []string{".NET", "Update"}, codes: []string{"0x80070643"},
		causes: []string{"インストーラーが一時フォルダーに書き込めない。", "ファイルが別のプロセスでロックされている。"},
		fix:    []string{"PC を再起動してから再試行する。"}},
	{slug: "dotnet", lang: "en", title: ".NET update fails to install 0x80070643",
		errorText: "Installation failed with error 0x80070643", tags: []string{".NET", "Update"}, codes: []string{"0x80070643"},
		causes: []string{"The installer cannot write to the temporary folder.", "Another process locks a file."},
		fix:    []string{"Restart the PC and retry."}},
	{slug: "disk", lang: "ja", title: "ディスクの空き容量が足りない 0x80070070",
		errorText: "エラー 0x80070070: ディスクに十分な空き領域がありません。", tags: []string{"Disk"}, codes: []string{"0x80070070"},
		causes: []string{"一時ファイルが溜まっている。"}, fix: []string{"ディスク クリーンアップを実行する。"}},
	{slug: "disk", lang: "en", title: "Not enough disk space 0x80070070",
		errorText: "Error 0x80070070: There is not enough space on the disk.", tags: []string{"Disk"}, codes: []string{"0x80070070"},
		causes: []string{"Temporary files pile up."}, fix: []string{"Run Disk Cleanup."}},
	// Holds every bigram of インストーラー (イン ンス スト トー ーラ ラー), but
	// not the word: a bigram phrase query must not match it.
	{slug: "decoy", lang: "ja", title: "プリンターの交換手順 0x80070015",
		errorText: "エラー 0x80070015: デバイスの準備ができていません。", tags: []string{"Printer"}, codes: []string{"0x80070015"},
		causes: []string{"ドライバーのインストール後にカーラーの設定が残っている。"}, fix: []string{"再起動する。"}},
	// Drafts are never searched.
	{slug: "draft-perm", lang: "ja", status: article.StatusDraft, title: "権限の下書き 0x80070005",
		errorText: "エラー 0x80070005: 権限がありません。", tags: []string{"Permissions"}, codes: []string{"0x80070005"}},
}

func (f fixture) article(updated time.Time) *article.Article {
	a := &article.Article{Slug: f.slug, Lang: f.lang, Status: f.status, Title: f.title, ErrorText: f.errorText,
		Tags: f.tags, Codes: f.codes, UpdatedAt: updated, Related: f.related}
	for i, c := range f.causes {
		a.Causes = append(a.Causes, article.Cause{Rank: i + 1, Text: c})
	}
	for _, s := range f.fix {
		a.Fix = append(a.Fix, article.Step{Text: s, Commands: []article.Command{}})
	}
	return a
}

// save writes articles through store.SaveArticles, as the importer and the
// editor API do.
func (e *env) save(t testing.TB, arts []*article.Article) {
	t.Helper()
	err := e.store.InTx(context.Background(), func(tx pgx.Tx) error {
		for _, a := range arts {
			if err := article.Normalize(a); err != nil {
				return err
			}
		}
		_, _, err := store.SaveArticles(context.Background(), tx, arts, store.Change{Author: "test", Origin: "import"})
		return err
	})
	if err != nil {
		t.Fatalf("save: %v", err)
	}
}

func (e *env) saveCorpus(t testing.TB) {
	t.Helper()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var arts []*article.Article
	for i, f := range searchCorpus {
		arts = append(arts, f.article(base.Add(time.Duration(i)*time.Hour)))
	}
	e.save(t, arts)
}

type searchResult struct {
	Mode       string `json:"mode"`
	Code       string `json:"code"`
	NextCursor string `json:"nextCursor"`
	Hits       []struct {
		Slug    string `json:"slug"`
		Lang    string `json:"lang"`
		Rank    int    `json:"rank"`
		Snippet struct {
			Field      string `json:"field"`
			Text       string `json:"text"`
			Highlights []struct {
				Start int `json:"start"`
				End   int `json:"end"`
			} `json:"highlights"`
		} `json:"snippet"`
	} `json:"hits"`
}

func (e *env) search(t *testing.T, params url.Values, header ...string) searchResult {
	t.Helper()
	res, body := e.get(t, "/search?"+params.Encode(), header...)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("search %v: %d %s", params, res.StatusCode, body)
	}
	var got searchResult
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	return got
}

func (r searchResult) keys() []string {
	out := []string{}
	for _, h := range r.Hits {
		out = append(out, h.Slug+"/"+h.Lang)
	}
	return out
}

func TestSearchFindsJapaneseAndEnglish(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.saveCorpus(t)
	tests := []struct {
		q    string
		want []string // every hit, in order
	}{
		// Title hits first (rank 3), then error text, then the body.
		{"権限", []string{"perm/ja"}},
		{"インストーラー", []string{"perm/ja", "dotnet/ja"}},    // not decoy/ja: its bigrams are apart
		{"ｲﾝｽﾄｰﾗｰ", []string{"perm/ja", "dotnet/ja"}},    // half-width katakana, NFKC
		{".NET 失敗", []string{"dotnet/ja"}},               // perm/ja fails without .NET
		{"installing", []string{"dotnet/en", "perm/en"}}, // install, installer, installation
		{"access denied installer", []string{"perm/en"}},
		{"インストール 失敗 権限", []string{"perm/ja"}},
		{"空き容量", []string{"disk/ja"}},
		{"disk", []string{"disk/en"}},
		{"the", []string{}},      // only stop words
		{"プリンター 権限", []string{}}, // both words needed
		{"permissions granted", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			got := e.search(t, url.Values{"q": {tt.q}})
			if got.Mode != "text" {
				t.Errorf("mode %q, want text", got.Mode)
			}
			if diff := cmp.Diff(tt.want, got.keys()); diff != "" {
				t.Errorf("hits (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSearchRanksTitleHitsFirstAndHighlights(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.saveCorpus(t)
	got := e.search(t, url.Values{"q": {"インストーラー"}})
	if len(got.Hits) != 2 || got.Hits[0].Rank != 3 || got.Hits[1].Rank != 0 {
		t.Fatalf("hits %+v, want the title hit (rank 3) before the cause hit (rank 0)", got.Hits)
	}
	sn := got.Hits[1].Snippet
	if sn.Field != "causes" || len(sn.Highlights) != 1 {
		t.Fatalf("snippet %+v, want one highlight in causes", sn)
	}
	if h := sn.Highlights[0]; string([]rune(sn.Text)[h.Start:h.End]) != "インストーラー" {
		t.Errorf("highlight %v of %q is not the query", h, sn.Text)
	}

	got = e.search(t, url.Values{"q": {"installing"}, "lang": {"en"}})
	for _, h := range got.Hits {
		for _, hl := range h.Snippet.Highlights {
			word := strings.ToLower(string([]rune(h.Snippet.Text)[hl.Start:hl.End]))
			if !strings.HasPrefix(word, "install") {
				t.Errorf("%s: highlighted %q for installing", h.Slug, word)
			}
		}
		if len(h.Snippet.Highlights) == 0 {
			t.Errorf("%s: no highlight in %+v", h.Slug, h.Snippet)
		}
	}
}

func TestSearchFilters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.saveCorpus(t)
	for _, tt := range []struct {
		params url.Values
		want   []string
	}{
		{url.Values{"q": {"0x80070005"}, "lang": {"en"}}, []string{"perm/en"}},
		{url.Values{"q": {"エラー"}, "tag": {"Disk"}}, []string{"disk/ja"}},
		{url.Values{"q": {"エラー"}, "tag": {"Disk"}, "lang": {"en"}}, []string{}},
	} {
		if diff := cmp.Diff(tt.want, e.search(t, tt.params).keys()); diff != "" {
			t.Errorf("%v (-want +got):\n%s", tt.params, diff)
		}
	}
	for _, params := range []url.Values{
		{},
		{"q": {" "}},
		{"q": {strings.Repeat("あ", 201)}},
		{"q": {"x"}, "lang": {"!!"}},
		{"q": {"x"}, "limit": {"0"}},
		{"q": {"x"}, "limit": {"101"}},
		{"q": {"x"}, "cursor": {"not a cursor"}},
		{"q": {"x"}, "cursor": {"Yy4wLjE"}}, // a code-lookup cursor for a text query
	} {
		if res, body := e.get(t, "/search?"+params.Encode()); res.StatusCode != http.StatusBadRequest {
			t.Errorf("%v: %d, want 400: %s", params, res.StatusCode, body)
		}
	}
}

func TestSearchByCodeUsesLookupRanking(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.saveCorpus(t)
	got := e.search(t, url.Values{"q": {".NET で 80070643 が出る"}}, "Accept-Language", "ja")
	if got.Mode != "code" || got.Code != "0x80070643" {
		t.Fatalf("mode %q code %q, want a lookup of 0x80070643", got.Mode, got.Code)
	}
	if diff := cmp.Diff([]string{"dotnet/ja"}, got.keys()); diff != "" { // one per case, in the preferred language
		t.Errorf("hits (-want +got):\n%s", diff)
	}
	if h := got.Hits[0]; h.Rank != 4 || len(h.Snippet.Highlights) == 0 {
		t.Errorf("hit %+v, want rank 4 and the code highlighted", h)
	}
	// A name is a code too: ERROR_INSTALL_FAILURE is Win32 1603, whose
	// HRESULT the case is filed under.
	got = e.search(t, url.Values{"q": {"ERROR_INSTALL_FAILURE"}}, "Accept-Language", "ja")
	if diff := cmp.Diff([]string{"dotnet/ja"}, got.keys()); got.Mode != "code" || got.Code != "0x00000643" || diff != "" {
		t.Errorf("q=ERROR_INSTALL_FAILURE: mode %q code %q, hits (-want +got):\n%s", got.Mode, got.Code, diff)
	}
	// The draft filed under 0x80070005 stays hidden; paging goes one case at a time.
	got = e.search(t, url.Values{"q": {"0x80070005"}, "limit": {"1"}})
	if len(got.Hits) != 1 || got.NextCursor != "" {
		t.Errorf("hits %v next %q, want only the published perm case", got.keys(), got.NextCursor)
	}
}

// pageAll follows nextCursor to the end and returns every hit key.
func (e *env) pageAll(t *testing.T, params url.Values) []string {
	t.Helper()
	var keys []string
	for page := 0; ; page++ {
		if page > 300 {
			t.Fatal("no last page")
		}
		got := e.search(t, params)
		keys = append(keys, got.keys()...)
		for i := 1; i < len(got.Hits); i++ {
			if got.Hits[i].Rank > got.Hits[i-1].Rank {
				t.Fatalf("page %d: rank %d after %d", page, got.Hits[i].Rank, got.Hits[i-1].Rank)
			}
		}
		if got.NextCursor == "" {
			return keys
		}
		params.Set("cursor", got.NextCursor)
	}
}

func TestSearchPagesReturnEveryHitOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// 5,000 matches: more than are ranked by relevance, so pages walk the
	// tiers newest first, and the sparse title tier needs the index past
	// the walked window (4,000 ids). 250 match a second word: ranked by
	// relevance.
	var arts []*article.Article
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 5000 {
		title := fmt.Sprintf("Case %d fails with 0x8007%04x", i, i)
		if i%50 == 0 {
			title = fmt.Sprintf("Widget case %d fails with 0x8007%04x", i, i) // tier 3
		}
		errText := "Error"
		if i%7 == 0 {
			errText = "Error: the widget stopped" // tier 2
		}
		cause := "A widget broke."
		if i%20 == 0 {
			cause = "A widget and a gadget broke."
		}
		arts = append(arts, &article.Article{Slug: fmt.Sprintf("case-%04d", i), Lang: "en", Title: title, ErrorText: errText,
			UpdatedAt: base, Causes: []article.Cause{{Rank: 1, Text: cause}}})
	}
	e.save(t, arts)

	for _, tt := range []struct {
		q     string
		limit string
		want  int
	}{
		{"widgets", "97", 5000},
		{"widget gadget", "17", 250},
	} {
		keys := e.pageAll(t, url.Values{"q": {tt.q}, "limit": {tt.limit}})
		seen := map[string]bool{}
		for _, k := range keys {
			if seen[k] {
				t.Errorf("%s: %s on two pages", tt.q, k)
			}
			seen[k] = true
		}
		if len(keys) != tt.want {
			t.Errorf("%s: %d hits over all pages, want %d", tt.q, len(keys), tt.want)
		}
	}
}

func TestListCasesFiltersAndPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.saveCorpus(t)
	list := func(query string, header ...string) ([]string, string) {
		t.Helper()
		res, body := e.get(t, "/cases?"+query, header...)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET /cases?%s: %d %s", query, res.StatusCode, body)
		}
		var got struct {
			Articles []struct {
				Slug, Lang, Status string
			}
			NextCursor string
		}
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatal(err)
		}
		keys := []string{}
		for _, a := range got.Articles {
			keys = append(keys, a.Slug+"/"+a.Lang)
		}
		return keys, got.NextCursor
	}
	for _, tt := range []struct {
		query string
		want  []string
	}{
		// Newest first: the corpus is an hour apart in order.
		{"lang=ja", []string{"decoy/ja", "disk/ja", "dotnet/ja", "perm/ja"}},
		{"tag=Permissions", []string{"perm/en", "perm/ja"}},
		{"lang=EN&tag=Disk", []string{"disk/en"}},
		{"updatedSince=2026-01-01T05:00:00Z", []string{"decoy/ja", "disk/en"}},
	} {
		got, _ := list(tt.query)
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.query, diff)
		}
	}
	var all []string
	for cursor := ""; ; {
		keys, next := list("limit=3&cursor=" + url.QueryEscape(cursor))
		all = append(all, keys...)
		if next == "" {
			break
		}
		cursor = next
	}
	if len(all) != 7 {
		t.Errorf("paged through %v, want the 7 published articles once each", all)
	}
	if res, _ := e.get(t, "/cases?status=draft"); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous status=draft: %d, want 401", res.StatusCode)
	}
	if got, _ := list("status=draft", e.auth(t)...); !cmp.Equal(got, []string{"draft-perm/ja"}) {
		t.Errorf("editor status=draft: %v", got)
	}
	for _, q := range []string{"status=gone", "updatedSince=yesterday", "limit=500", "cursor=xyz"} {
		if res, _ := e.get(t, "/cases?"+q); res.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", q, res.StatusCode)
		}
	}
}

func TestTagsCountPublishedArticles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.saveCorpus(t)
	type tagCount struct {
		Tag   string `json:"tag"`
		Count int    `json:"count"`
	}
	for _, tt := range []struct {
		query string
		want  []tagCount
	}{
		{"", []tagCount{{".NET", 2}, {"Disk", 2}, {"Permissions", 2}, {"Update", 2}, {"Printer", 1}}},
		{"?lang=ja", []tagCount{{".NET", 1}, {"Disk", 1}, {"Permissions", 1}, {"Printer", 1}, {"Update", 1}}},
	} {
		res, body := e.get(t, "/tags"+tt.query)
		var got struct{ Tags []tagCount }
		if err := json.Unmarshal(body, &got); err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("GET /tags%s: %d %s", tt.query, res.StatusCode, body)
		}
		if diff := cmp.Diff(tt.want, got.Tags); diff != "" {
			t.Errorf("tags%s (-want +got):\n%s", tt.query, diff)
		}
	}
	if res, _ := e.get(t, "/tags?lang=!!"); res.StatusCode != http.StatusBadRequest {
		t.Errorf("bad lang: %d, want 400", res.StatusCode)
	}
}

type linked struct {
	Slug         string         `json:"slug"`
	Lang         string         `json:"lang"`
	RelatedLinks []article.Link `json:"relatedLinks"`
	ReferencedBy []article.Link `json:"referencedBy"`
}

func TestRelatedLinksBothWays(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.saveCorpus(t)

	res, body := e.get(t, "/cases/perm/ja")
	var perm linked
	if err := json.Unmarshal(body, &perm); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET /cases/perm/ja: %d %s", res.StatusCode, body)
	}
	want := []article.Link{{Item: 1, Code: "0x80070643", Slug: "dotnet", Lang: "ja", Title: ".NET Framework の更新が失敗する 0x80070643"}}
	if diff := cmp.Diff(want, perm.RelatedLinks); diff != "" {
		t.Errorf("perm/ja relatedLinks (-want +got):\n%s", diff)
	}

	// The reverse link, on every endpoint that returns whole articles.
	wantBack := []article.Link{{Code: "0x80070643", Slug: "perm", Lang: "en", Title: "Access denied when the installer runs 0x80070005"}}
	var byCode struct{ Articles []linked }
	_, body = e.get(t, "/errors/0x80070643", "Accept-Language", "en")
	if err := json.Unmarshal(body, &byCode); err != nil || len(byCode.Articles) != 1 {
		t.Fatalf("lookup: %s", body)
	}
	var byCase struct{ Articles []linked }
	_, body = e.get(t, "/cases/dotnet")
	if err := json.Unmarshal(body, &byCase); err != nil || len(byCase.Articles) != 2 {
		t.Fatalf("GET /cases/dotnet: %s", body)
	}
	for name, a := range map[string]linked{"lookup": byCode.Articles[0], "case en": byCase.Articles[0]} {
		if diff := cmp.Diff(wantBack, a.ReferencedBy); diff != "" {
			t.Errorf("%s %s/%s referencedBy (-want +got):\n%s", name, a.Slug, a.Lang, diff)
		}
	}
	if a := byCase.Articles[1]; len(a.ReferencedBy) != 1 || a.ReferencedBy[0].Lang != "ja" {
		t.Errorf("dotnet/ja referencedBy %+v, want perm in Japanese", a.ReferencedBy)
	}

	// Derived, not content: a PUT carrying them back stores nothing new.
	auth := e.auth(t)
	res, body = e.get(t, "/cases/perm/ja")
	tag := res.Header.Get("ETag")
	res, body = e.send(t, http.MethodPut, "/cases/perm/ja", "application/json", string(body), append(auth, "If-Match", tag)...)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("PUT back: %d %s", res.StatusCode, body)
	}
	_, body = e.get(t, "/cases/perm/ja/revisions/2", auth...)
	if !strings.Contains(string(body), `"number":2`) || strings.Contains(string(body), "relatedLinks") {
		t.Errorf("revision 2 stores derived links: %s", body)
	}
}

func TestSearchBundledArticles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rep, err := importer.Run(context.Background(), e.store, []importer.Source{{Name: "articles", FS: articles.FS}}, importer.Options{})
	if err != nil || rep.Failed > 0 {
		t.Fatalf("import bundled articles: %v (%d failed)", err, rep.Failed)
	}
	for _, tt := range []struct {
		q, lang, want string // want among the hits
		notLang       string
	}{
		{"権限", "", "access-denied-0x80070005/ja", "en"},
		{"インストーラー", "", "file-not-found-0x80070002/ja", "en"},
		{".NET 失敗", "", "dotnet-update-0x80070643/ja", "en"},
		{"installing", "en", "dotnet-update-0x80070643/en", "ja"},
		{"access denied installer", "", "access-denied-0x80070005/en", "ja"},
		{"インストール 失敗 権限", "", "access-denied-0x80070005/ja", "en"},
	} {
		got := e.search(t, url.Values{"q": {tt.q}, "lang": {tt.lang}, "limit": {"100"}})
		keys := got.keys()
		if !contains(keys, tt.want) {
			t.Errorf("%s: %v lacks %s", tt.q, keys, tt.want)
		}
		for _, k := range keys {
			if strings.HasSuffix(k, "/"+tt.notLang) {
				t.Errorf("%s: %s should not match", tt.q, k)
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
