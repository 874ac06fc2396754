package markdown

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/errdex/errdex/internal/article"
	"github.com/errdex/errdex/internal/errcode"
	"go.yaml.in/yaml/v3"
	"golang.org/x/text/language"
)

// frontMatterSplit locates the leading "---" block of a normalized file.
type frontMatterSplit struct {
	yaml      []byte
	bodyStart int // offset of the first byte after the closing line
	bodyLine  int // file line of bodyStart
}

// splitFrontMatter finds the YAML between the opening "---" line and the
// closing "---" (or "...") line.
func splitFrontMatter(src []byte) (frontMatterSplit, error) {
	first, rest, ok := bytes.Cut(src, []byte("\n"))
	if !isFence(first, "---") {
		return frontMatterSplit{}, errors.New(`missing front matter: the file must start with a "---" line`)
	}
	if !ok {
		return frontMatterSplit{}, errors.New(`unterminated front matter: no closing "---" line`)
	}
	off, line := len(first)+1, 2
	for len(rest) > 0 {
		l, next, _ := bytes.Cut(rest, []byte("\n"))
		if isFence(l, "---") || isFence(l, "...") {
			end := off + len(l) + 1
			if end > len(src) {
				end = len(src)
			}
			return frontMatterSplit{yaml: src[len(first)+1 : off], bodyStart: end, bodyLine: line + 1}, nil
		}
		off += len(l) + 1
		line++
		rest = next
	}
	return frontMatterSplit{}, errors.New(`unterminated front matter: no closing "---" line`)
}

func isFence(line []byte, fence string) bool {
	return string(bytes.TrimRight(line, " \t")) == fence
}

// yamlLineRE finds the line in a yaml error message ("yaml: line 3: ...").
var yamlLineRE = regexp.MustCompile(`^line (\d+): `)

// The front matter starts on file line 2, so YAML line n is file line n+1.
const yamlLineOffset = 1

// yamlErrorLine turns the line in a yaml error message into a file line.
// yaml.v3 counts from 1 in scanner errors but from 0 in parser errors, and
// leaves out line 0; the message tells which.
func yamlErrorLine(msg string) int {
	m := yamlLineRE.FindStringSubmatch(msg)
	if m == nil {
		return 1 + yamlLineOffset
	}
	n, err := strconv.Atoi(m[1])
	if err != nil {
		return 1 + yamlLineOffset
	}
	scanner := false
	for _, p := range yamlScannerProblems {
		if strings.HasSuffix(msg, p) {
			scanner = true
			break
		}
	}
	if !scanner {
		n++
	}
	return n + yamlLineOffset
}

// yamlScannerProblems are the messages of yaml.v3's scanner errors
// (scannerc.go).
var yamlScannerProblems = []string{
	"block sequence entries are not allowed in this context",
	"could not find expected ':'",
	"could not find expected directive name",
	"did not find URI escaped octet",
	"did not find expected '!'",
	"did not find expected alphabetic or numeric character",
	"did not find expected comment or line break",
	"did not find expected digit or '.' character",
	"did not find expected hexdecimal number",
	"did not find expected tag URI",
	"did not find expected version number",
	"did not find expected whitespace or line break",
	"did not find expected whitespace",
	"did not find the expected '>'",
	"found a tab character that violates indentation",
	"found a tab character where an indentation space is expected",
	"found an incorrect leading UTF-8 octet",
	"found an incorrect trailing UTF-8 octet",
	"found an indentation indicator equal to 0",
	"found character that cannot start any token",
	"found extremely long version number",
	"found invalid Unicode character escape code",
	"found unexpected document indicator",
	"found unexpected end of stream",
	"found unexpected non-alphabetical character",
	"found unknown directive name",
	"found unknown escape character",
	"mapping keys are not allowed in this context",
	"mapping values are not allowed in this context",
}

// frontMatter decodes the YAML into a, reading every scalar as a string
// (an unquoted 0x80070005 must stay text) and keeping unknown keys.
func (p *fileParser) frontMatter(a *article.Article, fm frontMatterSplit) (err error) {
	var doc yaml.Node
	if err := decodeYAML(fm.yaml, &doc); err != nil {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		return p.errorf(yamlErrorLine(msg), "front matter: invalid YAML: %s", yamlLineRE.ReplaceAllString(msg, ""))
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return p.errorf(1, `front matter: missing required key "title"`)
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return p.errorf(root.Line+yamlLineOffset, "front matter: want a YAML mapping of keys to values")
	}
	if n := findAlias(root); n != nil {
		return p.errorf(n.Line+yamlLineOffset, "front matter: YAML aliases are not supported")
	}

	seen := map[string]bool{}
	var codes []string
	codesSet := false
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		line := k.Line + yamlLineOffset
		if k.Kind != yaml.ScalarNode {
			return p.errorf(line, "front matter: keys must be strings")
		}
		key := k.Value
		if seen[key] {
			return p.errorf(line, "front matter: duplicate key %q", key)
		}
		seen[key] = true
		switch key {
		case "title", "errorText", "updatedAt", "lang", "slug":
			s, err := scalar(v)
			if err != nil {
				return p.errorf(line, "front matter: %s: %v", key, err)
			}
			if err := p.setScalar(a, key, s, line); err != nil {
				return err
			}
		case "tags":
			tags, err := stringList(v)
			if err != nil {
				return p.errorf(line, "front matter: tags: %v", err)
			}
			a.Tags = tags
		case "codes":
			list, err := stringList(v)
			if err != nil {
				return p.errorf(line, "front matter: codes: %v", err)
			}
			for _, s := range list {
				c, err := errcode.Parse(s)
				if err != nil {
					return p.errorf(line, "front matter: codes: invalid error code %q: %v", s, err)
				}
				codes = appendUnique(codes, c.String())
			}
			codesSet = true
		default:
			val, err := yamlText(v)
			if err != nil {
				return p.errorf(line, "front matter: %s: %v", key, err)
			}
			a.FrontMatterExtra = append(a.FrontMatterExtra, article.KeyValue{Key: key, Value: val})
			p.warnf(line, "unknown front matter key %q kept", key)
		}
	}
	for _, key := range []string{"title", "errorText", "updatedAt", "lang"} {
		if !seen[key] {
			return p.errorf(1, "front matter: missing required key %q", key)
		}
	}
	if a.Slug == "" {
		a.Slug = defaultSlug(p.path)
		if a.Slug == "" {
			return p.errorf(1, "front matter: no slug, and none can be derived from the path %q", p.path)
		}
	}
	if !codesSet {
		codes = appendCodes(codes, a.Title)
		codes = appendCodes(codes, a.ErrorText)
	}
	a.Codes = codes
	return nil
}

func (p *fileParser) setScalar(a *article.Article, key, s string, line int) error {
	if s == "" && key != "slug" {
		return p.errorf(line, "front matter: %s: must not be empty", key)
	}
	switch key {
	case "title":
		a.Title = s
	case "errorText":
		a.ErrorText = s
	case "slug":
		a.Slug = s
	case "lang":
		if _, err := language.Parse(s); err != nil {
			return p.errorf(line, "front matter: lang: %q is not a BCP 47 language tag", s)
		}
		a.Lang = s
	case "updatedAt":
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return p.errorf(line, "front matter: updatedAt: %q is not an RFC 3339 timestamp", s)
		}
		// Stored in UTC: the offset an editor typed carries no meaning, and
		// Render writes UTC, so a round trip gives the same value.
		t = t.UTC()
		if y := t.Year(); y < 0 || y > 9999 {
			return p.errorf(line, "front matter: updatedAt: %q is out of range", s)
		}
		a.UpdatedAt = t
	}
	return nil
}

// decodeYAML unmarshals into a node, turning a decoder panic into an error:
// Parse must survive any input.
func decodeYAML(in []byte, n *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: %v", r)
		}
	}()
	return yaml.Unmarshal(in, n)
}

func findAlias(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode {
		return n
	}
	for _, c := range n.Content {
		if a := findAlias(c); a != nil {
			return a
		}
	}
	return nil
}

// scalar reads a scalar as the text written; null is "".
func scalar(n *yaml.Node) (string, error) {
	if n.Kind != yaml.ScalarNode {
		return "", errors.New("want a single value")
	}
	if n.Tag == "!!null" {
		return "", nil
	}
	return n.Value, nil
}

// stringList reads a list of scalars; a single scalar is a list of one.
func stringList(n *yaml.Node) ([]string, error) {
	switch n.Kind {
	case yaml.ScalarNode:
		s, _ := scalar(n)
		if s == "" {
			return nil, nil
		}
		return []string{s}, nil
	case yaml.SequenceNode:
		var out []string
		for _, c := range n.Content {
			s, err := scalar(c)
			if err != nil {
				return nil, errors.New("want a list of strings")
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, errors.New("want a list of strings")
}

// yamlText renders a value node as YAML text, without comments (they would
// move between keys and values on the way back).
func yamlText(n *yaml.Node) (string, error) {
	c := stripComments(n)
	out, err := yaml.Marshal(c)
	if err != nil {
		return "", err
	}
	text := strings.TrimSuffix(string(out), "\n")
	if text == "" {
		// An empty value ("key:") is null; say so, so the text reads back.
		text = "null"
	}
	return text, nil
}

func stripComments(n *yaml.Node) *yaml.Node {
	c := *n
	c.HeadComment, c.LineComment, c.FootComment = "", "", ""
	if len(n.Content) > 0 {
		c.Content = make([]*yaml.Node, len(n.Content))
		for i, k := range n.Content {
			c.Content[i] = stripComments(k)
		}
	}
	return &c
}

// defaultSlug is the path without its extension, with slashes normalized.
func defaultSlug(p string) string {
	p = strings.ReplaceAll(p, `\`, "/")
	p = path.Clean("/" + p)[1:]
	p = strings.TrimSuffix(p, path.Ext(p))
	if strings.HasSuffix(p, "/") {
		return ""
	}
	return p
}

func appendCodes(codes []string, text string) []string {
	for _, m := range errcode.Extract(text) {
		codes = appendUnique(codes, m.Code.String())
	}
	return codes
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
