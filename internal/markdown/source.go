package markdown

import (
	"strings"

	"github.com/yuin/goldmark/ast"
)

// This file cuts field text out of the source by the positions goldmark
// records, so markdown is kept exactly as written.

func (p *fileParser) lineStart(off int) int {
	off = min(max(off, 0), len(p.body))
	for off > 0 && p.body[off-1] != '\n' {
		off--
	}
	return off
}

func (p *fileParser) lineEnd(off int) int {
	off = min(max(off, 0), len(p.body))
	for off < len(p.body) && p.body[off] != '\n' {
		off++
	}
	return off
}

// startOf is the offset where block n starts: its marker, fence or first
// character.
func (p *fileParser) startOf(n ast.Node) int {
	if pos := n.Pos(); pos >= 0 {
		return pos
	}
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		if pos := c.Pos(); pos >= 0 {
			return pos
		}
	}
	if parent := n.Parent(); parent != nil {
		return p.startOf(parent)
	}
	return 0
}

// blockEnd is the offset where block n ends: the start of the line of the
// next block at its level or above. Trailing blank lines are trimmed by the
// callers.
func (p *fileParser) blockEnd(n ast.Node) int {
	for ; n != nil && n.Kind() != ast.KindDocument; n = n.Parent() {
		if next := n.NextSibling(); next != nil {
			return p.lineStart(p.startOf(next))
		}
	}
	return len(p.body)
}

// contentCol is the column where the content of list item it starts.
func (p *fileParser) contentCol(it ast.Node) int {
	pos := p.startOf(it)
	ls, le := p.lineStart(pos), p.lineEnd(pos)
	line := p.body[pos:le]
	i := 0
	for i < len(line) && line[i] == ' ' {
		i++
	}
	if i < len(line) && (line[i] == '-' || line[i] == '+' || line[i] == '*') {
		i++
	} else {
		for i < len(line) && line[i] >= '0' && line[i] <= '9' {
			i++
		}
		if i < len(line) && (line[i] == '.' || line[i] == ')') {
			i++
		}
	}
	n := 0
	for i+n < len(line) && (line[i+n] == ' ' || line[i+n] == '\t') {
		n++
	}
	if i+n == len(line) || n > 4 || n == 0 {
		n = 1
	}
	return pos - ls + i + n
}

func isParagraph(n ast.Node) bool {
	return n.Kind() == ast.KindParagraph || n.Kind() == ast.KindTextBlock
}

// paraLines returns a paragraph's lines as written, without the
// indentation that belongs to its containers; hard-break spaces stay.
func (p *fileParser) paraLines(n ast.Node) []string {
	lines := n.Lines()
	out := make([]string, 0, lines.Len())
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		line := p.text[seg.Start:seg.Stop]
		if seg.Padding > 0 { // tab stops made spaces: goldmark writes them out
			line = string(seg.Value(p.body))
		}
		out = append(out, strings.TrimSuffix(line, "\n"))
	}
	if len(out) > 0 {
		out[len(out)-1] = strings.TrimRight(out[len(out)-1], " \t")
	}
	for i := 1; i < len(out); i++ {
		out[i] = continuation(out[i])
	}
	return out
}

// continuation returns a paragraph's continuation line so that it stays
// one wherever the text is written: a line that would start a block of its
// own (it was indented in the file) gets a 4-space indent, which a
// paragraph ignores.
func continuation(line string) string {
	if startsBlock(line) {
		return "    " + line
	}
	return line
}

// startsBlock reports whether line, after a paragraph line, would end the
// paragraph: a heading, fence, quote, thematic break, setext underline,
// list item or HTML block.
func startsBlock(line string) bool {
	if line == "" {
		return false
	}
	switch c := line[0]; {
	case c == '#':
		n := len(line) - len(strings.TrimLeft(line, "#"))
		return n <= 6 && (n == len(line) || line[n] == ' ' || line[n] == '\t')
	case c == '>':
		return true
	case strings.HasPrefix(line, "```") || strings.HasPrefix(line, "~~~"):
		return true
	case c == '<':
		return len(line) > 1 && (isASCIILetter(line[1]) || strings.ContainsRune("/!?", rune(line[1])))
	case c == '=' || c == '-':
		// A setext underline, "===" or "---".
		if strings.TrimRight(strings.TrimLeft(line, string(c)), " \t") == "" {
			return true
		}
		if c == '=' {
			return false
		}
		fallthrough
	case c == '*' || c == '_' || c == '+':
		if len(line) == 1 || line[1] == ' ' || line[1] == '\t' {
			return c != '_'
		}
		rest := strings.Map(func(r rune) rune {
			if r == ' ' || r == '\t' {
				return -1
			}
			return r
		}, line)
		return c != '+' && len(rest) >= 3 && strings.Trim(rest, string(c)) == ""
	case c >= '0' && c <= '9':
		i := 0
		for i < len(line) && line[i] >= '0' && line[i] <= '9' {
			i++
		}
		return i <= 9 && i < len(line) && (line[i] == '.' || line[i] == ')') &&
			(i+1 == len(line) || line[i+1] == ' ' || line[i+1] == '\t')
	}
	return false
}

func isASCIILetter(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// paraText is a paragraph's markdown, lines joined.
func (p *fileParser) paraText(n ast.Node) string {
	return strings.Join(p.paraLines(n), "\n")
}

// onlyParagraph returns the item's paragraph when that is all it holds.
func (p *fileParser) onlyParagraph(it ast.Node) ast.Node {
	if c := it.FirstChild(); c != nil && c.NextSibling() == nil && isParagraph(c) {
		return c
	}
	return nil
}

// itemText is a list item's markdown: its paragraph, or when it holds more
// than one paragraph the item's whole content, dedented.
func (p *fileParser) itemText(it ast.Node) string {
	if it.FirstChild() == nil {
		return ""
	}
	if para := p.onlyParagraph(it); para != nil {
		return p.paraText(para)
	}
	col := p.contentCol(it)
	ls := p.lineStart(p.startOf(it))
	text := p.cut(min(ls+col, p.lineEnd(ls)), p.blockEnd(it), col)
	// An item that starts on the line after its marker may indent its
	// first block by up to 3 spaces; after a marker that would move the
	// content column, so drop them.
	if n := len(text) - len(strings.TrimLeft(text, " ")); n > 0 && n < 4 {
		text = text[n:]
	}
	return text
}

// itemSource is a list item as written, marker included, dedented to the
// marker: a note that renders back as the same item.
func (p *fileParser) itemSource(it ast.Node) string {
	pos := p.startOf(it)
	return p.cut(pos, p.blockEnd(it), pos-p.lineStart(pos))
}

// blockSource is block n as written, dedented by its container's content
// column col; a paragraph is its text, lines joined.
func (p *fileParser) blockSource(n ast.Node, col int) string {
	if isParagraph(n) {
		return p.paraText(n)
	}
	start := p.startOf(n)
	src := p.cut(min(p.lineStart(start)+col, start), p.blockEnd(n), col)
	switch n.Kind() {
	case ast.KindFencedCodeBlock:
		src = closeFence(src)
	case ast.KindHeading:
		// A "## " heading inside a list item would start a section once
		// the note is written at section level; keep it as text.
		if h := n.(*ast.Heading); h.Level == 2 && strings.HasPrefix(src, "##") {
			src = `\` + src
		}
	}
	return src
}

// closeFence adds the closing fence to a fenced block left open at the end
// of the file, so that the note does not swallow what Render puts after it.
func closeFence(src string) string {
	first, _, _ := strings.Cut(src, "\n")
	first = strings.TrimLeft(first, " ")
	if first == "" || (first[0] != '`' && first[0] != '~') {
		return src
	}
	fence := first[:len(first)-len(strings.TrimLeft(first, first[:1]))]
	if i := strings.LastIndexByte(src, '\n'); i >= 0 {
		last := src[i+1:]
		indent := len(last) - len(strings.TrimLeft(last, " "))
		last = strings.TrimSpace(last)
		if indent < 4 && strings.HasPrefix(last, fence) && strings.Trim(last, fence[:1]) == "" {
			return src
		}
	}
	return src + "\n" + fence
}

// cut returns body[from:to] with up to dedent leading spaces removed from
// every line after the first, leading blank lines and trailing white space
// trimmed.
func (p *fileParser) cut(from, to, dedent int) string {
	if to < from {
		to = from
	}
	s := string(p.body[from:to])
	if dedent > 0 && strings.Contains(s, "\n") {
		lines := strings.Split(s, "\n")
		for i := 1; i < len(lines); i++ {
			l := lines[i]
			n := 0
			for n < dedent && n < len(l) && l[n] == ' ' {
				n++
			}
			lines[i] = l[n:]
		}
		s = strings.Join(lines, "\n")
	}
	return trimBlank(s)
}

// trimBlank drops leading blank lines and trailing white space.
func trimBlank(s string) string {
	for {
		i := strings.IndexByte(s, '\n')
		if i < 0 || strings.TrimLeft(s[:i], " \t") != "" {
			break
		}
		s = s[i+1:]
	}
	if strings.TrimLeft(s, " \t") == "" {
		return ""
	}
	return strings.TrimRight(s, " \t\n")
}
