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
	switch {
	case r < 0x3005:
		return false
	// Most Japanese text is in these ranges, each wholly of one script:
	// no table lookups for it.
	case r >= 0x3041 && r <= 0x3096, r >= 0x30A1 && r <= 0x30FA, r >= 0x4E00 && r <= 0x9FFF:
		return true
	}
	switch r {
	case 'ー', '々', '〆', '〇', 'ヶ':
		return true
	}
	return r >= 0x3040 && (unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r))
}

// cjkRuns calls fn for every maximal run of CJK runes in s (normalized),
// and returns s with each run replaced by a space: what is left for the
// english parser. fn must not keep run.
func cjkRuns(s string, fn func(run []rune)) string {
	var latin strings.Builder
	var run []rune
	from := 0 // start of the pending Latin span
	for i, r := range s {
		if IsCJK(r) {
			if len(run) == 0 {
				if latin.Cap() == 0 {
					latin.Grow(len(s))
				}
				latin.WriteString(s[from:i])
			}
			run = append(run, r)
			continue
		}
		if len(run) > 0 {
			fn(run)
			run = run[:0]
			latin.WriteByte(latinSentinel)
			from = i
		}
	}
	if len(run) > 0 {
		fn(run)
		latin.WriteByte(latinSentinel)
		return latin.String()
	}
	if latin.Cap() == 0 {
		return s // no Japanese at all
	}
	latin.WriteString(s[from:])
	return latin.String()
}

// bigram is a lexeme of the Japanese half: two runes, or one (then the
// second is 0) for a run of one character.
type bigram [2]rune

// occurrence is a position of lexeme lex, packed as tsvector stores it:
// the position in the low 14 bits, the weight (A=3 ... D=0) in the top 2.
type occurrence struct {
	lex int32
	pos uint16
}

// Document collects an article's text by weight and produces its search
// vector in two halves: the Japanese bigrams as a tsvector literal, and the
// rest as plain text per weight for to_tsvector('english', ...).
type Document struct {
	pos    int
	index  map[bigram]int32 // into grams
	grams  []bigram         // in order of first appearance
	npos   []uint16         // positions kept per lexeme
	occ    []occurrence
	latin  [4]strings.Builder // by weight code
	fields int
}

// NewDocument returns an empty document.
func NewDocument() *Document {
	return &Document{index: map[bigram]int32{}}
}

// Reset empties d for another document, keeping its memory.
func (d *Document) Reset() {
	clear(d.index)
	d.grams, d.npos, d.occ = d.grams[:0], d.npos[:0], d.occ[:0]
	for i := range d.latin {
		d.latin[i].Reset()
	}
	d.pos, d.fields = 0, 0
}

// weightCode is w's code in a tsvector position: A=3, B=2, C=1, D=0.
func weightCode(w byte) uint16 { return uint16(3 - min(3, w-'A')) }

// Add indexes text with weight w (WeightA, WeightB or WeightC).
func (d *Document) Add(w byte, text string) {
	if strings.TrimSpace(text) == "" {
		return
	}
	if d.fields > 0 {
		d.pos += fieldGap
	}
	d.fields++
	code := weightCode(w)
	// No lower-casing: the english parser does it, and kana have no case.
	rest := cjkRuns(norm.NFKC.String(text), func(run []rune) {
		if len(run) == 1 {
			d.addLexeme(bigram{run[0], 0}, code)
		}
		for i := 0; i+1 < len(run); i++ {
			d.addLexeme(bigram{run[i], run[i+1]}, code)
		}
		d.pos += runGap
	})
	if strings.TrimSpace(rest) != "" {
		// A newline between fields keeps two fields' words from reading as
		// one hyphenated or dotted word.
		b := &d.latin[code]
		b.WriteString(rest)
		b.WriteByte('\n')
	}
}

func (d *Document) addLexeme(g bigram, code uint16) {
	i, seen := d.index[g]
	if !seen {
		i = int32(len(d.grams))
		d.index[g] = i
		d.grams = append(d.grams, g)
		d.npos = append(d.npos, 0)
	}
	if d.pos >= maxPos || d.npos[i] >= maxLexemePos {
		// Past the type's limits the lexeme is still findable, without a
		// position (so no phrase can end on it).
		return
	}
	d.pos++
	d.npos[i]++
	d.occ = append(d.occ, occurrence{lex: i, pos: uint16(d.pos) | code<<14})
}

// Lexeme is a lexeme of the Japanese half with its positions, packed as
// tsvector stores them: the position in the low 14 bits, the weight
// (A=3 ... D=0) in the top 2.
type Lexeme struct {
	Word      string
	Positions []uint16
}

// grouped returns the positions of every lexeme, lexeme i's being
// positions[start[i]:start[i+1]], in increasing order.
func (d *Document) grouped() (start []int32, positions []uint16) {
	// A counting sort: positions stay in increasing order within a lexeme.
	start = make([]int32, len(d.grams)+1)
	for i, n := range d.npos {
		start[i+1] = start[i] + int32(n)
	}
	positions = make([]uint16, len(d.occ))
	fill := slices.Clone(start[:len(d.grams)])
	for _, o := range d.occ {
		positions[fill[o.lex]] = o.pos
		fill[o.lex]++
	}
	return start, positions
}

// Lexemes returns the Japanese half in tsvector order (lexemes sorted by
// their bytes), so PostgreSQL takes it in binary form without sorting.
func (d *Document) Lexemes() []Lexeme {
	start, positions := d.grouped()
	// UTF-8 keeps code point order and a lone rune (second 0) sorts before
	// the bigrams it starts, so comparing runes is comparing bytes. Each
	// lexeme sorts as one integer: its two runes (21 bits each) above its
	// index.
	order := make([]int32, len(d.grams))
	if len(d.grams) <= 1<<22 {
		keys := make([]uint64, len(d.grams))
		for i, g := range d.grams {
			keys[i] = uint64(g[0])<<43 | uint64(g[1])<<22 | uint64(i)
		}
		slices.Sort(keys)
		for i, k := range keys {
			order[i] = int32(k & (1<<22 - 1))
		}
	} else {
		for i := range order {
			order[i] = int32(i)
		}
		slices.SortFunc(order, func(a, b int32) int {
			ga, gb := d.grams[a], d.grams[b]
			if ga[0] != gb[0] {
				return int(ga[0] - gb[0])
			}
			return int(ga[1] - gb[1])
		})
	}
	// Every word is a slice of one string: one allocation, not one a lexeme.
	var words strings.Builder
	words.Grow(6 * len(order))
	ends := make([]int32, len(order))
	for i, g := range order {
		words.WriteRune(d.grams[g][0])
		if r := d.grams[g][1]; r != 0 {
			words.WriteRune(r)
		}
		ends[i] = int32(words.Len())
	}
	all := words.String()
	out := make([]Lexeme, len(order))
	from := int32(0)
	for i, g := range order {
		out[i] = Lexeme{Word: all[from:ends[i]], Positions: positions[start[g]:start[g+1]:start[g+1]]}
		from = ends[i]
	}
	return out
}

// Latin returns the non-Japanese text of weight w, for the english parser.
func (d *Document) Latin(w byte) string { return d.latin[weightCode(w)].String() }

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
