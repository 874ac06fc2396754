package markdown

import (
	"bytes"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/errdex/errdex/internal/article"
	"go.yaml.in/yaml/v3"
)

// Render writes the article back as canonical markdown in the FORMAT.md
// layout: front matter, preamble, then the sections in Article.Sections
// order (every known section in FORMAT.md order when Sections is empty).
// The output is deterministic, and Parse gives the article back.
func Render(a *article.Article) []byte {
	r := &renderer{a: a, lang: a.Lang}
	var b bytes.Buffer
	r.frontMatter(&b)
	if a.Preamble != "" {
		b.WriteString("\n")
		b.WriteString(a.Preamble)
		b.WriteString("\n")
	}
	secs := r.layout()
	home := warningsHome(secs)
	for i, s := range secs {
		b.WriteString("\n")
		b.WriteString(r.section(s, i == home))
	}
	return b.Bytes()
}

type renderer struct {
	a      *article.Article
	lang   string
	done   map[string]bool // known keys whose fields were written
	extras int             // ExtraSections written
}

// layout returns the sections to write: those recorded, then any known
// field or extra section that no recorded section holds.
func (r *renderer) layout() []article.Section {
	secs := append([]article.Section(nil), r.a.Sections...)
	have := map[string]bool{}
	extras := 0
	for _, s := range secs {
		have[s.Key] = true
		if s.Key == article.SectionExtra {
			extras++
		}
	}
	for _, n := range sectionNames {
		if !have[n.key] && r.hasContent(n.key) {
			secs = append(secs, article.Section{Key: n.key, Heading: sectionHeading(n.key, r.lang)})
		}
	}
	for ; extras < len(r.a.ExtraSections); extras++ {
		secs = append(secs, article.Section{Key: article.SectionExtra})
	}
	if len(r.a.Warnings) > 0 && !r.hasKnown(secs) {
		secs = append(secs, article.Section{Key: article.SectionDetailedSteps, Heading: sectionHeading(article.SectionDetailedSteps, r.lang)})
	}
	r.done = map[string]bool{}
	return secs
}

func (r *renderer) hasKnown(secs []article.Section) bool {
	for _, s := range secs {
		if s.Key != article.SectionExtra {
			return true
		}
	}
	return false
}

func (r *renderer) hasContent(key string) bool {
	a := r.a
	switch key {
	case article.SectionSummary:
		s := a.Summary
		return s.Condition != (article.Field{}) || s.Impact != (article.Field{}) || s.Urgency != (article.Urgency{}) || len(s.Notes) > 0
	case article.SectionCauses:
		return len(a.Causes) > 0
	case article.SectionChecks:
		return len(a.Checks) > 0
	case article.SectionFix:
		return len(a.Fix) > 0
	case article.SectionPermanentFixes:
		return len(a.PermanentFixes) > 0
	case article.SectionDetailedSteps:
		return len(a.DetailedSteps) > 0
	case article.SectionPitfalls:
		return len(a.Pitfalls) > 0
	case article.SectionChecklist:
		return len(a.Checklist) > 0
	case article.SectionRelated:
		return len(a.Related) > 0
	case article.SectionReferences:
		return len(a.References) > 0
	}
	return false
}

// warningsHome is the index of the section that carries Article.Warnings:
// the first detailed-steps section, else the last known one.
func warningsHome(secs []article.Section) int {
	home := -1
	for i, s := range secs {
		if s.Key == article.SectionDetailedSteps {
			return i
		}
		if s.Key != article.SectionExtra {
			home = i
		}
	}
	return home
}

// section writes one section; warnings says whether Article.Warnings go
// here.
func (r *renderer) section(s article.Section, warnings bool) string {
	if s.Key == article.SectionExtra {
		var e article.Extra
		if r.extras < len(r.a.ExtraSections) {
			e = r.a.ExtraSections[r.extras]
		}
		r.extras++
		out := headingLine(e.Heading)
		if e.Body != "" {
			out += e.Body + "\n"
		}
		return out
	}
	heading := s.Heading
	if heading == "" {
		heading = sectionHeading(s.Key, r.lang)
	}
	var blocks []string
	if !r.done[s.Key] {
		r.done[s.Key] = true
		if c := r.content(s.Key); c != "" {
			blocks = append(blocks, c)
		}
	}
	if warnings {
		blocks = append(blocks, r.a.Warnings...)
	}
	// Notes go after the content, except that an indented code block there
	// would join the list above it.
	// (An HTML block left open would swallow that content, so it stays
	// last.)
	notesFirst := false
	for _, n := range s.Notes {
		if strings.HasPrefix(n, " ") || strings.HasPrefix(n, "\t") {
			notesFirst = true
		}
	}
	for _, n := range s.Notes {
		if strings.HasPrefix(strings.TrimLeft(n, " \t"), "<") {
			notesFirst = false
		}
	}
	if notesFirst {
		blocks = append(append([]string(nil), s.Notes...), blocks...)
	} else {
		blocks = append(blocks, s.Notes...)
	}
	out := headingLine(joinQualifier(heading, s.Qualifier, r.lang))
	if len(blocks) > 0 {
		out += strings.Join(blocks, "\n\n") + "\n"
	}
	return out
}

func headingLine(h string) string {
	if h == "" {
		return "##\n"
	}
	if strings.HasSuffix(h, "#") {
		// A closing sequence keeps a trailing "#" part of the text.
		h += " #"
	}
	return "## " + h + "\n"
}

// content renders a known section's fields.
func (r *renderer) content(key string) string {
	a := r.a
	switch key {
	case article.SectionSummary:
		return r.summary()
	case article.SectionCauses:
		items := make([]string, len(a.Causes))
		for i, c := range a.Causes {
			items[i] = c.Text
		}
		return list(items, ". ")
	case article.SectionChecks:
		return r.steps(a.Checks, "")
	case article.SectionFix:
		return r.steps(a.Fix, ") ")
	case article.SectionDetailedSteps:
		return r.steps(a.DetailedSteps, ". ")
	case article.SectionPermanentFixes:
		return list(a.PermanentFixes, "")
	case article.SectionPitfalls:
		return list(a.Pitfalls, "")
	case article.SectionChecklist:
		return list(a.Checklist, "")
	case article.SectionRelated:
		items := make([]string, len(a.Related))
		for i, rel := range a.Related {
			items[i] = rel.Text
		}
		return list(items, "")
	case article.SectionReferences:
		items := make([]string, len(a.References))
		for i, ref := range a.References {
			switch {
			case ref.Title == "":
				items[i] = ref.URL
			case strings.HasPrefix(ref.Title, "["):
				// "[title]: url" would be a link reference definition.
				items[i] = ref.Title + " – " + ref.URL
			default:
				items[i] = ref.Title + ": " + ref.URL
			}
		}
		return list(items, "")
	}
	return ""
}

func (r *renderer) summary() string {
	s := r.a.Summary
	var items []string
	if s.Condition != (article.Field{}) {
		items = append(items, r.labelled(labelCondition, s.Condition.Qualifier, s.Condition.Text))
	}
	if s.Impact != (article.Field{}) {
		items = append(items, r.labelled(labelImpact, s.Impact.Qualifier, s.Impact.Text))
	}
	if u := s.Urgency; u != (article.Urgency{}) {
		value := u.Reason
		if q, _ := leadingUrgency(u.Qualifier); q != u.Level && u.Level != "" {
			sep := " — "
			if isJapanese(r.lang) {
				sep = "、"
			}
			value = urgencyWord(u.Level, r.lang)
			if u.Reason != "" {
				value += sep + u.Reason
			}
		}
		items = append(items, r.labelled(labelUrgency, u.Qualifier, value))
	}
	items = append(items, s.Notes...)
	return list(items, "")
}

// labelled writes "Label（qualifier）" + hard break + value, or
// "Label（qualifier）:" when there is no value.
func (r *renderer) labelled(label, qualifier, value string) string {
	head := joinQualifier(summaryLabelText(label, r.lang), qualifier, r.lang)
	if value == "" {
		return head + ":"
	}
	return head + "  \n" + value
}

// steps writes a list of steps; ordered is the numbering delimiter ("." or
// ")" with a space), or "" for bullets.
func (r *renderer) steps(steps []article.Step, ordered string) string {
	items := make([]string, len(steps))
	for i, s := range steps {
		items[i] = r.stepBody(s)
	}
	return list(items, ordered)
}

// stepBody is a step's item content: text, labelled commands, sub-steps,
// warnings. Paragraphs get a blank line before them when they would
// otherwise join the paragraph or list above.
func (r *renderer) stepBody(s article.Step) string {
	var b strings.Builder
	afterPara, afterList := false, false
	sep := func(blank bool) {
		if b.Len() == 0 {
			return
		}
		if blank {
			b.WriteString("\n\n")
		} else {
			b.WriteString("\n")
		}
	}
	if s.Text != "" {
		b.WriteString(s.Text)
		afterPara = true
	}
	for _, c := range s.Commands {
		if c.Label != "" {
			sep(afterPara || afterList)
			b.WriteString(c.Label)
			afterPara, afterList = true, false
		}
		sep(false)
		b.WriteString(fence(c.Shell, c.Code))
		afterPara, afterList = false, false
	}
	if len(s.Substeps) > 0 {
		sub := r.steps(s.Substeps, "")
		sep(afterList || (afterPara && strings.HasPrefix(sub, "-\n")) || (afterPara && sub == "-"))
		b.WriteString(sub)
		afterPara, afterList = false, true
	}
	// A blank line right after an empty item ends its parent item too.
	endsEmpty := afterList && endsWithEmptyItem(b.String())
	for _, w := range s.Warnings {
		sep(!endsEmpty)
		endsEmpty = false
		b.WriteString(w)
	}
	return b.String()
}

// fence writes a fenced code block whose fence no line of code can close.
func fence(info, code string) string {
	ch := "`"
	if strings.Contains(info, "`") {
		ch = "~"
	}
	n := 3
	for _, line := range strings.Split(code, "\n") {
		t := strings.TrimLeft(line, " ")
		k := 0
		for k < len(t) && t[k] == ch[0] {
			k++
		}
		if k >= n {
			n = k + 1
		}
	}
	f := strings.Repeat(ch, n)
	var b strings.Builder
	b.WriteString(f)
	b.WriteString(info)
	b.WriteString("\n")
	if code != "" {
		b.WriteString(code)
		b.WriteString("\n")
	}
	b.WriteString(f)
	return b.String()
}

// list writes items as a bullet list, or numbered with delimiter ordered.
func list(items []string, ordered string) string {
	var b strings.Builder
	for i, it := range items {
		marker := "- "
		if ordered != "" {
			marker = fmt.Sprintf("%d%s", i+1, ordered)
		}
		item := attach(marker, it)
		if i > 0 {
			b.WriteString("\n")
			first, _, _ := strings.Cut(item, "\n")
			if first == strings.TrimRight(marker, " ") && !endsWithEmptyItem(items[i-1]) {
				// goldmark reads a bare marker right after a paragraph
				// as that paragraph's continuation.
				b.WriteString("\n")
			}
		}
		b.WriteString(item)
	}
	return b.String()
}

// endsWithEmptyItem reports whether the last line of s is only list
// markers ("-", "- -", "1)"): an empty item, or nothing at all.
func endsWithEmptyItem(s string) bool {
	last := s[strings.LastIndexByte(s, '\n')+1:]
	for _, f := range strings.Fields(last) {
		t := strings.TrimRight(f, ".)")
		ordered := t != f && t != "" && strings.Trim(t, "0123456789") == ""
		if f != "-" && f != "*" && f != "+" && !ordered {
			return false
		}
	}
	return true
}

// isThematicBreak reports whether line is "---", "* * *" or the like.
func isThematicBreak(line string) bool {
	t := strings.ReplaceAll(strings.ReplaceAll(strings.TrimSpace(line), " ", ""), "\t", "")
	return len(t) >= 3 && (strings.Trim(t, "-") == "" || strings.Trim(t, "*") == "" || strings.Trim(t, "_") == "")
}

// attach puts body after a list marker, indenting its other lines to the
// item's content column.
func attach(marker, body string) string {
	if body == "" {
		return strings.TrimRight(marker, " ")
	}
	indent := strings.Repeat(" ", len(marker))
	if strings.TrimSpace(marker) != "" && isThematicBreak(marker+body[:strings.IndexByte(body+"\n", '\n')]) {
		// "- - -" would be a rule: start the content on the next line.
		return strings.TrimRight(marker, " ") + "\n" + attach(indent, body)
	}
	lines := strings.Split(body, "\n")
	for i := 1; i < len(lines); i++ {
		if lines[i] != "" {
			lines[i] = indent + lines[i]
		}
	}
	return marker + strings.Join(lines, "\n")
}

// frontMatter writes the known keys in FORMAT.md order, then the unknown
// ones as they were read.
func (r *renderer) frontMatter(b *bytes.Buffer) {
	a := r.a
	b.WriteString("---\n")
	fmt.Fprintf(b, "title: %s\n", yamlQuote(a.Title))
	fmt.Fprintf(b, "errorText: %s\n", yamlQuote(a.ErrorText))
	if len(a.Tags) > 0 {
		fmt.Fprintf(b, "tags: %s\n", yamlList(a.Tags))
	}
	fmt.Fprintf(b, "updatedAt: %s\n", yamlQuote(a.UpdatedAt.UTC().Format(time.RFC3339Nano)))
	fmt.Fprintf(b, "lang: %s\n", yamlQuote(a.Lang))
	if a.Slug != "" {
		fmt.Fprintf(b, "slug: %s\n", yamlQuote(a.Slug))
	}
	fmt.Fprintf(b, "codes: %s\n", yamlList(a.Codes))
	if len(a.FrontMatterExtra) > 0 {
		b.WriteString(extrasYAML(a.FrontMatterExtra))
	}
	b.WriteString("---\n")
}

func yamlList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = yamlQuote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// yamlQuote writes s as a YAML double-quoted scalar, escaping everything a
// YAML reader would not keep as is.
func yamlQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || (r >= 0x7f && r <= 0x9f):
			fmt.Fprintf(&b, `\x%02x`, r)
		case r == 0x2028 || r == 0x2029 || r == 0xfeff || r == 0xfffe || r == 0xffff || r == utf8.RuneError:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// extrasYAML writes unknown front-matter keys; a value that is not valid
// YAML text is written as a string.
func extrasYAML(kvs []article.KeyValue) (out string) {
	m := &yaml.Node{Kind: yaml.MappingNode}
	for _, kv := range kvs {
		val := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: kv.Value}
		var doc yaml.Node
		if err := decodeYAML([]byte(kv.Value), &doc); err == nil && doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 && findAlias(&doc) == nil {
			val = doc.Content[0]
		}
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: kv.Key}, val)
	}
	defer func() {
		if recover() != nil {
			out = ""
		}
	}()
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(m); err != nil {
		return ""
	}
	if err := enc.Close(); err != nil {
		return ""
	}
	return b.String()
}
