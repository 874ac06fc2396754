// Package markdown reads and writes errdex article files (shared/FORMAT.md):
// YAML front matter followed by CommonMark sections. Parse walks goldmark's
// AST and cuts field text out of the source by position, so inline markdown
// and command bytes survive untouched; Render writes the canonical layout,
// and Parse(Render(a)) gives a back.
package markdown

import (
	"bytes"
	"fmt"
	"unicode/utf8"

	"github.com/errdex/errdex/internal/article"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

// ParseError reports a file that cannot be parsed. Nothing of such a file
// should be imported.
type ParseError struct {
	Path   string
	Line   int
	Reason string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Reason)
}

// Warning is something odd in a file that was parsed anyway (an unknown
// key or section, a related case naming no code, ...).
type Warning struct {
	Path    string
	Line    int
	Message string
}

func (w Warning) String() string {
	return fmt.Sprintf("%s:%d: %s", w.Path, w.Line, w.Message)
}

// mdParser is goldmark's CommonMark block parser; it keeps no state
// between calls, so one instance serves every goroutine. Inline parsing is
// left out: fields are cut from the source by position, so inline nodes
// would cost time and tell nothing.
var mdParser = parser.NewParser(
	parser.WithBlockParsers(parser.DefaultBlockParsers()...),
	parser.WithParagraphTransformers(parser.DefaultParagraphTransformers()...),
)

// Parse parses one article file. path is used in errors and warnings and,
// when the front matter has no slug, to derive it (the importer passes the
// path relative to the import root). Parse never panics; a file that cannot
// be parsed returns *ParseError.
func Parse(path string, src []byte) (a *article.Article, warnings []Warning, err error) {
	p := &fileParser{path: path}
	defer func() {
		// A panic here is a bug, but one bad file must not take the import
		// job down: report it as this file's error.
		if r := recover(); r != nil {
			a, warnings, err = nil, nil, &ParseError{Path: path, Line: 1, Reason: fmt.Sprintf("internal error: %v", r)}
		}
	}()
	a, err = p.parse(src)
	if err != nil {
		return nil, nil, err
	}
	return a, p.warnings, nil
}

// fileParser holds the state of one Parse call. Offsets are into body, the
// normalized source after the front matter; bodyLine is the file line on
// which body starts.
type fileParser struct {
	path     string
	body     []byte
	text     string // body as a string, for substrings that cost no copy
	bodyLine int
	newlines []int // offsets of '\n' in body, for line numbers
	warnings []Warning
}

func (p *fileParser) parse(src []byte) (*article.Article, error) {
	src = normalize(src)
	if !utf8.Valid(src) {
		return nil, p.errorf(invalidUTF8Line(src), "invalid UTF-8 (files must be UTF-8)")
	}
	fm, err := splitFrontMatter(src)
	if err != nil {
		return nil, p.errorf(1, "%v", err)
	}
	a := &article.Article{}
	if err := p.frontMatter(a, fm); err != nil {
		return nil, err
	}
	p.body = src[fm.bodyStart:]
	p.text = string(p.body)
	p.bodyLine = fm.bodyLine
	for i, c := range p.body {
		if c == '\n' {
			p.newlines = append(p.newlines, i)
		}
	}
	doc := mdParser.Parse(text.NewReader(p.body))
	p.sections(a, doc)
	return a, nil
}

// normalize strips a UTF-8 BOM and turns CRLF and lone CR line endings into
// LF; line numbers stay those of the file.
func normalize(src []byte) []byte {
	src = bytes.TrimPrefix(src, []byte("\xef\xbb\xbf"))
	if bytes.IndexByte(src, '\r') < 0 {
		return src
	}
	out := make([]byte, 0, len(src))
	for i := 0; i < len(src); i++ {
		c := src[i]
		if c == '\r' {
			if i+1 < len(src) && src[i+1] == '\n' {
				continue
			}
			c = '\n'
		}
		out = append(out, c)
	}
	return out
}

func invalidUTF8Line(src []byte) int {
	line := 1
	for i := 0; i < len(src); {
		r, n := utf8.DecodeRune(src[i:])
		if r == utf8.RuneError && n == 1 {
			return line
		}
		if r == '\n' {
			line++
		}
		i += n
	}
	return line
}

func (p *fileParser) errorf(line int, format string, args ...any) *ParseError {
	return &ParseError{Path: p.path, Line: line, Reason: fmt.Sprintf(format, args...)}
}

func (p *fileParser) warnf(line int, format string, args ...any) {
	p.warnings = append(p.warnings, Warning{Path: p.path, Line: line, Message: fmt.Sprintf(format, args...)})
}

// line returns the file line of body offset off.
func (p *fileParser) line(off int) int {
	lo, hi := 0, len(p.newlines)
	for lo < hi {
		m := (lo + hi) / 2
		if p.newlines[m] < off {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return p.bodyLine + lo
}
