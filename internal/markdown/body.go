package markdown

import (
	"bytes"
	"strings"

	"github.com/errdex/errdex/internal/article"
	"github.com/errdex/errdex/internal/errcode"
	"github.com/yuin/goldmark/ast"
)

// section is one "## " heading and the top-level blocks under it.
type section struct {
	heading   string // heading text as written
	line      int
	bodyStart int // offset of the line after the heading
	end       int // offset of the next section's heading line, or len(body)
	blocks    []ast.Node
}

// sections splits the document at its "## " headings and fills a.
func (p *fileParser) sections(a *article.Article, doc ast.Node) {
	var secs []*section
	preambleEnd := len(p.body)
	for c := doc.FirstChild(); c != nil; c = c.NextSibling() {
		h, ok := p.sectionHeading(c)
		if !ok {
			if len(secs) > 0 {
				last := secs[len(secs)-1]
				last.blocks = append(last.blocks, c)
			}
			continue
		}
		ls := p.lineStart(c.Pos())
		if len(secs) == 0 {
			preambleEnd = ls
		} else {
			secs[len(secs)-1].end = ls
		}
		le := p.lineEnd(c.Pos())
		if le < len(p.body) {
			le++
		}
		secs = append(secs, &section{heading: h, line: p.line(ls), bodyStart: le, end: len(p.body)})
	}
	a.Preamble = trimBlank(string(p.body[:preambleEnd]))
	for _, s := range secs {
		p.section(a, s)
	}
}

// sectionHeading reports whether a top-level block is an ATX "## " heading
// (a setext heading is content) and returns its text.
func (p *fileParser) sectionHeading(n ast.Node) (string, bool) {
	h, ok := n.(*ast.Heading)
	if !ok || h.Level != 2 || h.Pos() < 0 {
		return "", false
	}
	line := bytes.TrimLeft(p.body[p.lineStart(h.Pos()):p.lineEnd(h.Pos())], " ")
	atx := bytes.HasPrefix(line, []byte("##")) && (len(line) == 2 || line[2] == ' ' || line[2] == '\t')
	if !atx {
		return "", false
	}
	var b strings.Builder
	lines := h.Lines()
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		b.Write(seg.Value(p.body))
	}
	return strings.TrimSpace(b.String()), true
}

// sectionState collects what a known section's blocks give besides the
// article's own fields.
type sectionState struct {
	key   string
	notes []string
}

func (p *fileParser) section(a *article.Article, s *section) {
	name, qualifier := splitQualifier(s.heading)
	key := sectionKey(name)
	sec := article.Section{Key: key, Heading: name, Qualifier: qualifier}
	if key == article.SectionExtra {
		a.ExtraSections = append(a.ExtraSections, article.Extra{
			Heading: s.heading,
			Body:    trimBlank(string(p.body[s.bodyStart:s.end])),
		})
		a.Sections = append(a.Sections, sec)
		p.warnf(s.line, "unknown section %q kept verbatim", s.heading)
		return
	}
	st := &sectionState{key: key}
	for _, b := range s.blocks {
		switch b.Kind() {
		case ast.KindList:
			for it := b.FirstChild(); it != nil; it = it.NextSibling() {
				p.item(a, st, it)
			}
		case ast.KindParagraph, ast.KindTextBlock:
			if t := p.paraText(b); isWarning(t) {
				a.Warnings = append(a.Warnings, t)
			} else {
				st.notes = append(st.notes, t)
			}
		default:
			st.notes = append(st.notes, p.blockSource(b, 0))
		}
	}
	sec.Notes = st.notes
	a.Sections = append(a.Sections, sec)
}

// item files one list item of a known section into the section's field.
func (p *fileParser) item(a *article.Article, st *sectionState, it ast.Node) {
	switch st.key {
	case article.SectionSummary:
		p.summaryItem(&a.Summary, it)
	case article.SectionCauses:
		a.Causes = append(a.Causes, article.Cause{Rank: len(a.Causes) + 1, Text: p.itemText(it)})
	case article.SectionChecks:
		a.Checks = append(a.Checks, p.step(st, it))
	case article.SectionFix:
		a.Fix = append(a.Fix, p.step(st, it))
	case article.SectionDetailedSteps:
		a.DetailedSteps = append(a.DetailedSteps, p.step(st, it))
	case article.SectionPermanentFixes:
		a.PermanentFixes = append(a.PermanentFixes, p.itemText(it))
	case article.SectionPitfalls:
		a.Pitfalls = append(a.Pitfalls, p.itemText(it))
	case article.SectionChecklist:
		a.Checklist = append(a.Checklist, p.itemText(it))
	case article.SectionRelated:
		t := p.itemText(it)
		r := article.Related{Text: t}
		for _, m := range errcode.Extract(t) {
			r.Codes = appendUnique(r.Codes, m.Code.String())
		}
		if len(r.Codes) == 0 {
			p.warnf(p.line(p.startOf(it)), "related item names no code")
		}
		a.Related = append(a.Related, r)
	case article.SectionReferences:
		if para := p.onlyParagraph(it); para != nil {
			if ref, ok := parseReference(p.paraText(para)); ok {
				a.References = append(a.References, ref)
				return
			}
		}
		p.warnf(p.line(p.startOf(it)), "reference is not an http(s) URL; kept as a note")
		st.notes = append(st.notes, p.itemSource(it))
	}
}

// summaryItem reads a labelled summary bullet; anything else is a note.
func (p *fileParser) summaryItem(s *article.Summary, it ast.Node) {
	if para := p.onlyParagraph(it); para != nil {
		if label, qualifier, value, ok := splitLabel(p.paraLines(para)); ok {
			switch label {
			case labelCondition:
				if s.Condition == (article.Field{}) {
					s.Condition = article.Field{Text: value, Qualifier: qualifier}
					return
				}
			case labelImpact:
				if s.Impact == (article.Field{}) {
					s.Impact = article.Field{Text: value, Qualifier: qualifier}
					return
				}
			case labelUrgency:
				if s.Urgency == (article.Urgency{}) {
					s.Urgency = parseUrgency(qualifier, value)
					return
				}
			}
		}
	}
	s.Notes = append(s.Notes, p.itemText(it))
}

// splitLabel reads "Label（qualifier）" + hard break + value lines, or
// "Label（qualifier）: value".
func splitLabel(lines []string) (label, qualifier, value string, ok bool) {
	first := strings.TrimRight(lines[0], " \t")
	if len(lines) > 1 {
		name, q := splitQualifier(strings.TrimSuffix(first, `\`))
		if l := summaryLabel(name); l != "" {
			return l, q, strings.Join(lines[1:], "\n"), true
		}
	}
	for i, r := range first {
		if r != ':' && r != '：' {
			continue
		}
		name, q := splitQualifier(first[:i])
		if l := summaryLabel(name); l != "" {
			rest := append([]string{continuation(strings.TrimLeft(lines[0][i+len(string(r)):], " \t"))}, lines[1:]...)
			if rest[0] == "" {
				rest = rest[1:]
			}
			return l, q, strings.TrimRight(strings.Join(rest, "\n"), " \t"), true
		}
	}
	return "", "", "", false
}

// parseUrgency takes the level from the qualifier ("中、理由1行") or else
// from the start of the value ("High - reason").
func parseUrgency(qualifier, value string) article.Urgency {
	u := article.Urgency{Qualifier: qualifier, Reason: value}
	if level, _ := leadingUrgency(qualifier); level != "" {
		u.Level = level
		return u
	}
	if level, rest := leadingUrgency(value); level != "" {
		u.Level, u.Reason = level, rest
	}
	return u
}

// step reads a check, fix step or detailed step: its first paragraph is the
// text, fenced blocks are commands (labelled by a paragraph right before
// them), nested lists are sub-steps, "⚠" paragraphs are warnings. Any other
// block becomes a note of the section.
func (p *fileParser) step(st *sectionState, it ast.Node) article.Step {
	var s article.Step
	var textNode ast.Node
	col := p.contentCol(it)
	for c := it.FirstChild(); c != nil; c = c.NextSibling() {
		switch c.Kind() {
		case ast.KindParagraph, ast.KindTextBlock:
			t := p.paraText(c)
			switch {
			case isWarning(t):
				s.Warnings = append(s.Warnings, t)
			case textNode == nil:
				s.Text, textNode = t, c
			case c.NextSibling() != nil && c.NextSibling().Kind() == ast.KindFencedCodeBlock:
				// A label: read with the fence below.
			default:
				st.notes = append(st.notes, p.blockSource(c, col))
			}
		case ast.KindFencedCodeBlock:
			cmd := p.command(c.(*ast.FencedCodeBlock))
			if prev := c.PreviousSibling(); prev != nil && prev != textNode && isParagraph(prev) {
				if t := p.paraText(prev); !isWarning(t) {
					cmd.Label, cmd.Rollback = t, isRollback(t)
				}
			}
			s.Commands = append(s.Commands, cmd)
		case ast.KindList:
			for sub := c.FirstChild(); sub != nil; sub = sub.NextSibling() {
				s.Substeps = append(s.Substeps, p.step(st, sub))
			}
		default:
			st.notes = append(st.notes, p.blockSource(c, col))
		}
	}
	return s
}

func (p *fileParser) command(fc *ast.FencedCodeBlock) article.Command {
	var cmd article.Command
	if fc.Info != nil {
		cmd.Shell = strings.TrimSpace(string(fc.Info.Value(p.body)))
	}
	var b strings.Builder
	lines := fc.Lines()
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		b.Write(seg.Value(p.body))
	}
	cmd.Code = strings.TrimSuffix(b.String(), "\n")
	return cmd
}
