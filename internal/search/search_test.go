package search_test

import (
	"strings"
	"testing"
	"unicode"

	"github.com/google/go-cmp/cmp"

	"github.com/errdex/errdex/internal/search"
)

func TestDocumentBigramsJapaneseAndLeavesTheRest(t *testing.T) {
	d := search.NewDocument()
	d.Add(search.WeightA, ".NET 更新に失敗 0x80070643")
	d.Add(search.WeightC, "権限（ＵＡＣ）")
	// Positions run on across fields; a run and a field leave a gap, so no
	// phrase spans two of them.
	a, c := uint16(3<<14), uint16(1<<14) // weights A and C as tsvector packs them
	want := []search.Lexeme{{"に失", []uint16{a | 3}}, {"失敗", []uint16{a | 4}}, {"新に", []uint16{a | 2}},
		{"更新", []uint16{a | 1}}, {"権限", []uint16{c | 7}}}
	if diff := cmp.Diff(want, d.Lexemes()); diff != "" {
		t.Errorf("Lexemes() (-want +got):\n%s", diff)
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
	// 'あい' and 'いあ' keep at most 255 positions each, increasing: a
	// position past 16383 would wrap round in the packed 14 bits.
	for _, l := range d.Lexemes() {
		if len(l.Positions) > 255 {
			t.Errorf("%s: %d positions, want at most 255", l.Word, len(l.Positions))
		}
		prev := uint16(0)
		for _, p := range l.Positions {
			if p&0x3fff <= prev {
				t.Errorf("%s: position %d after %d", l.Word, p&0x3fff, prev)
			}
			prev = p & 0x3fff
		}
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

// PostgreSQL takes a binary tsvector as it comes only when its lexemes are
// in byte order; Lexemes sorts by runes, which must come to the same.
func TestLexemesAreInByteOrder(t *testing.T) {
	d := search.NewDocument()
	d.Add(search.WeightC, "失 失敗 ア アップデート 更新プログラム 𠮷野家 ｶﾀｶﾅ 一 一覧 権限 ー")
	lex := d.Lexemes()
	if len(lex) < 10 {
		t.Fatalf("only %d lexemes", len(lex))
	}
	for i := 1; i < len(lex); i++ {
		if lex[i-1].Word >= lex[i].Word {
			t.Errorf("%q before %q", lex[i-1].Word, lex[i].Word)
		}
	}
}

// TestIsCJKFastPath: the ranges IsCJK answers without tables agree with
// the tables for every rune.
func TestIsCJKFastPath(t *testing.T) {
	t.Parallel()
	for r := rune(0); r <= unicode.MaxRune; r++ {
		want := r >= 0x3040 && (unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r)) ||
			strings.ContainsRune("ー々〆〇ヶ", r)
		if got := search.IsCJK(r); got != want {
			t.Fatalf("IsCJK(%U) = %v, want %v", r, got, want)
		}
	}
}
