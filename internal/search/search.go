// Package search turns article text and user queries into input for
// PostgreSQL full-text search that works for Japanese and English alike.
//
// Stock text search makes a whole Japanese sentence one token, so errdex
// tokenizes Japanese itself: text is NFKC-normalized, every run of Han,
// Hiragana and Katakana becomes overlapping bigrams with positions
// ("権限の確認" → 権限 限の の確 確認), and a Japanese query becomes a phrase
// of its bigrams (権限 <-> 限の), so any query of two or more characters
// matches exactly where it occurs. Everything else (English words, codes,
// paths) is left to to_tsvector('english', ...), which stems: "installing"
// finds "install". The two parts are joined into one tsvector, so a mixed
// query such as ".NET 失敗" is a single AND.
package search

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Weights of the fields, strongest first, as tsvector weight letters.
const (
	WeightA = 'A' // title and codes
	WeightB = 'B' // error text
	WeightC = 'C' // causes, checks, fix
)

// Limits of the tsvector type: positions are 1..16383 and a lexeme keeps
// at most 256 of them.
const (
	maxPos        = 16383
	maxLexemePos  = 255
	runGap        = 1 // positions left empty between runs, so no phrase spans two runs
	fieldGap      = 1
	latinSentinel = ' ' // what a Japanese run leaves in the english half
)

// Normalize is the form both documents and queries are compared in:
// NFKC (full-width Latin and digits become ASCII, half-width katakana
// full-width) and lower case.
func Normalize(s string) string {
	return strings.ToLower(norm.NFKC.String(s))
}

// IsCJK reports whether r belongs to a Japanese run: Han, Hiragana,
// Katakana, and the marks that live inside such words (ー, 々, 〆).
func IsCJK(r rune) bool {
	switch r {
	case 'ー', '々', '〆', '〇', 'ヶ':
		return true
	}
	return r >= 0x3040 && (unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r))
}

// cjkRuns calls fn for every maximal run of CJK runes in s (normalized),
// and returns s with those runs blanked out: what is left for the english
// parser.
func cjkRuns(s string, fn func(run []rune)) string {
	var latin strings.Builder
	latin.Grow(len(s))
	var run []rune
	flush := func() {
		if len(run) > 0 {
			fn(run)
			run = run[:0]
			latin.WriteByte(latinSentinel)
		}
	}
	for _, r := range s {
		if IsCJK(r) {
			run = append(run, r)
			continue
		}
		flush()
		latin.WriteRune(r)
	}
	flush()
	return latin.String()
}

// Document collects an article's text by weight and produces its search
// vector in two halves: the Japanese bigrams as a tsvector literal, and the
// rest as plain text per weight for to_tsvector('english', ...).
type Document struct {
	pos    int
	lex    map[string][]string // lexeme → "12A" position entries
	latin  map[byte]*strings.Builder
	fields int
}

// NewDocument returns an empty document.
func NewDocument() *Document {
	return &Document{lex: map[string][]string{}, latin: map[byte]*strings.Builder{}}
}

// Add indexes text with weight w (WeightA, WeightB or WeightC).
func (d *Document) Add(w byte, text string) {
	if strings.TrimSpace(text) == "" {
		return
	}
	if d.fields > 0 {
		d.pos += fieldGap
	}
	d.fields++
	rest := cjkRuns(Normalize(text), func(run []rune) {
		if len(run) == 1 {
			d.addLexeme(string(run), w)
		}
		for i := 0; i+1 < len(run); i++ {
			d.addLexeme(string(run[i:i+2]), w)
		}
		d.pos += runGap
	})
	b := d.latin[w]
	if b == nil {
		b = &strings.Builder{}
		d.latin[w] = b
	}
	if strings.TrimSpace(rest) != "" {
		// A newline between fields keeps two fields' words from reading as
		// one hyphenated or dotted word.
		b.WriteString(rest)
		b.WriteByte('\n')
	}
}

func (d *Document) addLexeme(lex string, w byte) {
	ps, seen := d.lex[lex]
	if d.pos >= maxPos || len(ps) >= maxLexemePos {
		// Past the type's limits the lexeme is still findable, without a
		// position (so no phrase can end on it).
		if !seen {
			d.lex[lex] = nil
		}
		return
	}
	d.pos++
	d.lex[lex] = append(ps, strconv.Itoa(d.pos)+string(w))
}

// CJK returns the Japanese half as a tsvector literal such as
// 'アク':1A '権限':7C,19C; empty when the text has no Japanese.
func (d *Document) CJK() string {
	keys := make([]string, 0, len(d.lex))
	for k := range d.lex {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(' ')
		}
		// CJK lexemes hold no quote or backslash: no escaping needed.
		b.WriteByte('\'')
		b.WriteString(k)
		b.WriteByte('\'')
		if ps := d.lex[k]; len(ps) > 0 {
			b.WriteByte(':')
			b.WriteString(strings.Join(ps, ","))
		}
	}
	return b.String()
}

// Latin returns the non-Japanese text of weight w, for the english parser.
func (d *Document) Latin(w byte) string {
	if b := d.latin[w]; b != nil {
		return b.String()
	}
	return ""
}

// Query is a parsed search query.
type Query struct {
	// CJK is the Japanese half as tsquery operands, one per run: a phrase
	// of its bigrams, or a prefix match for a one-character run.
	CJK []string
	// Latin is the rest, for plainto_tsquery('english', ...).
	Latin string
	// Terms are the normalized Japanese runs, for highlighting.
	Terms []string
}

// ParseQuery splits a user's query into its Japanese and English halves.
func ParseQuery(s string) Query {
	var q Query
	rest := cjkRuns(Normalize(s), func(run []rune) {
		term := string(run)
		if slices.Contains(q.Terms, term) {
			return
		}
		q.Terms = append(q.Terms, term)
		if len(run) == 1 {
			q.CJK = append(q.CJK, "'"+term+"':*")
			return
		}
		grams := make([]string, 0, len(run)-1)
		for i := 0; i+1 < len(run); i++ {
			grams = append(grams, "'"+string(run[i:i+2])+"'")
		}
		p := strings.Join(grams, " <-> ")
		if len(grams) > 1 {
			p = "(" + p + ")"
		}
		q.CJK = append(q.CJK, p)
	})
	q.Latin = strings.Join(strings.Fields(rest), " ")
	return q
}

// Span is a highlighted part of a snippet, in Unicode code points
// (characters) from the snippet's start: [Start, End).
type Span struct {
	Start int `json:"start"`
	End   int `json:"end"`
}

// Matcher finds a query's terms in text: the Japanese runs as substrings,
// English words by the stems PostgreSQL made of the query (an approximation
// of the english stemmer good enough for highlighting).
type Matcher struct {
	terms []string
	stems []string
}

// NewMatcher returns a matcher for q whose English words PostgreSQL stemmed
// to stems.
func NewMatcher(q Query, stems []string) *Matcher {
	return &Matcher{terms: q.Terms, stems: stems}
}

// match is a found term: [start, end) in runes of the text, and which term.
type match struct {
	start, end int
	term       string
}

// find returns the matches in text, in order, not overlapping.
func (m *Matcher) find(text []rune) []match {
	// Normalize rune by rune so positions map back to the original text.
	normed := make([]string, len(text))
	for i, r := range text {
		normed[i] = Normalize(string(r))
	}
	var out []match
	for i := 0; i < len(text); {
		if end, term, ok := m.matchAt(text, normed, i); ok {
			out = append(out, match{i, end, term})
			i = end
			continue
		}
		if !IsCJK(text[i]) && isWordRune(normed[i]) {
			for i < len(text) && !IsCJK(text[i]) && isWordRune(normed[i]) {
				i++ // skip the rest of a word that did not match
			}
			continue
		}
		i++
	}
	return out
}

func (m *Matcher) matchAt(text []rune, normed []string, i int) (int, string, bool) {
	if IsCJK(text[i]) {
		for _, t := range m.terms {
			n := utf8.RuneCountInString(t)
			if i+n <= len(text) && strings.Join(normed[i:i+n], "") == t {
				return i + n, t, true
			}
		}
		return 0, "", false
	}
	if !isWordRune(normed[i]) || (i > 0 && !IsCJK(text[i-1]) && isWordRune(normed[i-1])) {
		return 0, "", false
	}
	j := i
	for j < len(text) && !IsCJK(text[j]) && isWordRune(normed[j]) {
		j++
	}
	word := strings.Join(normed[i:j], "")
	for _, s := range m.stems {
		if stemMatches(word, s) {
			return j, s, true
		}
	}
	return 0, "", false
}

func isWordRune(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// suffixes are the endings the english stemmer removes, enough to say that
// "installing" is a form of "instal".
var suffixes = []string{"", "s", "es", "e", "ed", "ing", "er", "ers", "ion", "ions", "ation", "ations",
	"ly", "ment", "ments", "ure", "al", "ance", "ence", "ity", "ive", "able", "ible", "ness", "y", "ies", "ied"}

func stemMatches(word, stem string) bool {
	if stem == "" {
		return false
	}
	if word == stem {
		return true
	}
	for _, st := range []string{stem, strings.TrimSuffix(stem, "i") + "y"} {
		if st != stem && !strings.HasSuffix(stem, "i") {
			continue
		}
		rest, ok := strings.CutPrefix(word, st)
		if !ok {
			continue
		}
		if len(st) > 0 && len(rest) > 0 && rest[0] == st[len(st)-1] {
			if slices.Contains(suffixes, rest[1:]) {
				return true // doubled consonant: instal+l+ing
			}
		}
		if slices.Contains(suffixes, rest) {
			return true
		}
	}
	return false
}

// Snippet cuts a window of at most width characters from text around the
// first match and returns it with every match in it highlighted; ok is
// false when text holds no match. A cut end is marked with "…".
func (m *Matcher) Snippet(text string, width int) (snippet string, spans []Span, distinct int, ok bool) {
	runes := []rune(cleanText(text))
	found := m.find(runes)
	if len(found) == 0 {
		return "", nil, 0, false
	}
	seen := map[string]bool{}
	for _, f := range found {
		seen[f.term] = true
	}
	start, end := 0, len(runes)
	if len(runes) > width {
		start = max(0, found[0].start-width/4)
		start = min(start, len(runes)-width)
		end = start + width
	}
	for start < end && unicode.IsSpace(runes[start]) {
		start++
	}
	for end > start && unicode.IsSpace(runes[end-1]) {
		end--
	}
	var b strings.Builder
	shift := -start
	if start > 0 {
		b.WriteString("…")
		shift++
	}
	b.WriteString(string(runes[start:end]))
	if end < len(runes) {
		b.WriteString("…")
	}
	spans = []Span{}
	for _, f := range found {
		if f.start >= start && f.end <= end {
			spans = append(spans, Span{Start: f.start + shift, End: f.end + shift})
		}
	}
	return b.String(), spans, len(seen), true
}

// Snippet is a short extract of a hit around its first match, for
// showing why it matched.
type Snippet struct {
	Field      string `json:"field"` // which field it comes from, e.g. title, errorText, causes
	Text       string `json:"text"`
	Highlights []Span `json:"highlights"`
}

// Field is a named piece of an article's text a snippet may come from.
type Field struct {
	Name  string
	Texts []string
}

// BestSnippet cuts the snippet from the text that matches most distinct
// terms, preferring any field over the first (the title, which a hit shows
// anyway) on a tie. With no match anywhere (a word form the matcher does
// not know) it is the start of the second field.
func (m *Matcher) BestSnippet(fields []Field, width int) Snippet {
	var best Snippet
	bestScore := 0
	for i, f := range fields {
		for _, t := range f.Texts {
			text, spans, distinct, ok := m.Snippet(t, width)
			if !ok {
				continue
			}
			score := 2 * distinct
			if i > 0 {
				score++
			}
			if score > bestScore {
				best, bestScore = Snippet{Field: f.Name, Text: text, Highlights: spans}, score
			}
		}
	}
	if bestScore == 0 {
		f := fields[min(1, len(fields)-1)]
		text := ""
		if len(f.Texts) > 0 {
			text = Cut(f.Texts[0], width)
		}
		return Snippet{Field: f.Name, Text: text, Highlights: []Span{}}
	}
	return best
}

// Cut returns the start of text, flattened to one line, at most width
// characters long; a cut end is marked with "…".
func Cut(text string, width int) string {
	runes := []rune(cleanText(text))
	if len(runes) <= width {
		return string(runes)
	}
	return strings.TrimRightFunc(string(runes[:width]), unicode.IsSpace) + "…"
}

// cleanText flattens markdown enough for a one-line snippet: no newlines,
// no emphasis or code marks.
var cleaner = strings.NewReplacer("\r\n", " ", "\n", " ", "\t", " ", "`", "", "**", "", "__", "")

func cleanText(s string) string {
	return strings.Join(strings.Fields(cleaner.Replace(s)), " ")
}
