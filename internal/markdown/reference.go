package markdown

import (
	"net/url"
	"strings"
	"unicode"

	"github.com/errdex/errdex/internal/article"
)

// parseReference reads a reference item: a bare URL, "<url>",
// "[title](url)", or "title: url" / "title – url".
func parseReference(t string) (article.Reference, bool) {
	t = strings.TrimSpace(t)
	if isHTTPURL(t) {
		return article.Reference{URL: t}, true
	}
	if u, ok := strings.CutPrefix(t, "<"); ok {
		if u, ok := strings.CutSuffix(u, ">"); ok && isHTTPURL(u) {
			return article.Reference{URL: u}, true
		}
	}
	if title, u, ok := inlineLink(t); ok && isHTTPURL(u) {
		return article.Reference{URL: u, Title: titleText(title)}, true
	}
	// "title: url": the URL runs to the end of the item, after a space or
	// a full-width colon.
	for i := 0; i < len(t); i++ {
		rest := t[i:]
		if !hasHTTPPrefix(rest) {
			continue
		}
		before, u := t[:i], rest
		if b, ok := strings.CutSuffix(before, "<"); ok {
			if v, ok := strings.CutSuffix(u, ">"); ok {
				before, u = b, v
			}
		}
		if before != "" && !strings.HasSuffix(before, " ") && !strings.HasSuffix(before, "：") && !strings.HasSuffix(before, "\n") {
			continue
		}
		if !isHTTPURL(u) {
			continue
		}
		title := strings.TrimRightFunc(before, unicode.IsSpace)
		for _, sep := range []string{":", "：", "–", "—", "-", "|"} {
			if s, ok := strings.CutSuffix(title, sep); ok {
				title = s
				break
			}
		}
		return article.Reference{URL: u, Title: titleText(title)}, true
	}
	return article.Reference{}, false
}

// titleText trims a title cut out of an item and keeps its lines paragraph
// continuations: a last line cut short ("#") must not turn into a heading
// when Render writes "title: url".
func titleText(title string) string {
	lines := strings.Split(strings.TrimSpace(title), "\n")
	for i := 1; i < len(lines); i++ {
		lines[i] = continuation(lines[i])
	}
	return strings.Join(lines, "\n")
}

func hasHTTPPrefix(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

// inlineLink splits "[title](url)" or "[title](<url>)".
func inlineLink(t string) (title, u string, ok bool) {
	if !strings.HasPrefix(t, "[") || !strings.HasSuffix(t, ")") {
		return "", "", false
	}
	depth := 0
	for i := 0; i < len(t); i++ {
		switch t[i] {
		case '\\':
			i++
		case '[':
			depth++
		case ']':
			depth--
			if depth == 0 {
				if i+1 >= len(t) || t[i+1] != '(' {
					return "", "", false
				}
				u = strings.TrimSpace(t[i+2 : len(t)-1])
				if strings.HasPrefix(u, "<") && strings.HasSuffix(u, ">") {
					u = u[1 : len(u)-1]
				}
				return t[1:i], u, true
			}
		}
	}
	return "", "", false
}

// isHTTPURL reports whether s is an absolute http(s) URL with a host and
// no white space.
func isHTTPURL(s string) bool {
	if !hasHTTPPrefix(s) || strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
