package search_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/errdex/errdex/internal/search"
)

func TestDocumentBigramsJapaneseAndLeavesTheRest(t *testing.T) {
	d := search.NewDocument()
	d.Add(search.WeightA, ".NET 更新に失敗 0x80070643")
	d.Add(search.WeightC, "権限（ＵＡＣ）")
	// Positions run on across fields; a run and a field leave a gap, so no
	// phrase spans two of them.
	want := `'更新':1A '新に':2A 'に失':3A '失敗':4A '権限':7C`
	if got := d.CJK(); got != want {
		t.Errorf("CJK()\n got %s\nwant %s", got, want)
	}
	if got := d.Latin(search.WeightA); got != ".NET   0x80070643\n" {
		t.Errorf("Latin(A) = %q", got)
	}
	if got := d.Latin(search.WeightC); got != " (UAC)\n" {
		t.Errorf("Latin(C) = %q (full-width Latin folded by NFKC)", got)
	}
	if got := d.Latin(search.WeightB); got != "" {
		t.Errorf("Latin(B) = %q, want empty", got)
	}
}

func TestDocumentStaysWithinTsvectorLimits(t *testing.T) {
	d := search.NewDocument()
	d.Add(search.WeightC, strings.Repeat("あい", 20000))
	got := d.CJK()
	// 'あい' and 'いあ' keep at most 255 positions each; nothing past 16383.
	if n := strings.Count(got, ","); n > 2*255 {
		t.Errorf("%d positions, want at most 510", n)
	}
	if strings.Contains(got, "16384") {
		t.Error("position past 16383")
	}
}

func TestParseQuery(t *testing.T) {
	tests := []struct {
		in   string
		want search.Query
	}{
		{"権限", search.Query{CJK: []string{"'権限'"}, Terms: []string{"権限"}}},
		{"インストーラー", search.Query{CJK: []string{"('イン' <-> 'ンス' <-> 'スト' <-> 'トー' <-> 'ーラ' <-> 'ラー')"},
			Terms: []string{"インストーラー"}}},
		{".NET 失敗", search.Query{CJK: []string{"'失敗'"}, Latin: ".net", Terms: []string{"失敗"}}},
		{"ＡＣＣＥＳＳ　denied", search.Query{Latin: "access denied"}},
		{"失", search.Query{CJK: []string{"'失':*"}, Terms: []string{"失"}}},
		{"権限 権限", search.Query{CJK: []string{"'権限'"}, Terms: []string{"権限"}}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, search.ParseQuery(tt.in)); diff != "" {
			t.Errorf("ParseQuery(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestSnippetHighlightsInCharacters(t *testing.T) {
	q := search.ParseQuery("ｲﾝｽﾄｰﾙ denied")
	m := search.NewMatcher(q, []string{"deni"})
	text, spans, distinct, ok := m.Snippet("Access is **denied**: インストールに失敗。Denies, deny, denim.", 120)
	if !ok || distinct != 2 {
		t.Fatalf("Snippet: ok %v, %d distinct terms", ok, distinct)
	}
	var got []string
	for _, s := range spans {
		got = append(got, string([]rune(text)[s.Start:s.End]))
	}
	if diff := cmp.Diff([]string{"denied", "インストール", "Denies", "deny"}, got); diff != "" {
		t.Errorf("highlighted (-want +got):\n%s\nin %q", diff, text)
	}

	long := strings.Repeat("前置き。", 50) + "権限が足りない。" + strings.Repeat("後書き。", 50)
	text, spans, _, _ = search.NewMatcher(search.ParseQuery("権限"), nil).Snippet(long, 40)
	if !strings.HasPrefix(text, "…") || !strings.HasSuffix(text, "…") || len([]rune(text)) != 42 {
		t.Errorf("cut snippet %q, want 40 characters between … marks", text)
	}
	if len(spans) != 1 || string([]rune(text)[spans[0].Start:spans[0].End]) != "権限" {
		t.Errorf("spans %v in %q", spans, text)
	}
	if _, _, _, ok := m.Snippet("nothing here", 40); ok {
		t.Error("a text without the terms gave a snippet")
	}
}

func TestBestSnippetPrefersTheRichestField(t *testing.T) {
	m := search.NewMatcher(search.ParseQuery("権限 失敗"), nil)
	got := m.BestSnippet([]search.Field{
		{Name: "title", Texts: []string{"権限の問題"}},
		{Name: "errorText", Texts: []string{"エラー"}},
		{Name: "causes", Texts: []string{"無関係", "権限がなく失敗する"}},
	}, 120)
	if got.Field != "causes" || got.Text != "権限がなく失敗する" || len(got.Highlights) != 2 {
		t.Errorf("BestSnippet = %+v, want the cause with both terms", got)
	}
	got = m.BestSnippet([]search.Field{{Name: "title", Texts: []string{"x"}}, {Name: "errorText", Texts: []string{"エラー本文"}}}, 120)
	if got.Field != "errorText" || got.Text != "エラー本文" || got.Highlights == nil {
		t.Errorf("no match: %+v, want the error text without highlights", got)
	}
}
