package lookup

import (
	"strings"

	"golang.org/x/text/language"
)

// Preferences turns an explicit lang and an Accept-Language header into an
// ordered list of language tags: the explicit one wins; each tag is followed
// by its base language (en-US → en). An empty list means "any".
func Preferences(explicit, acceptLanguage string) []string {
	var tags []string
	if explicit != "" {
		tags = []string{explicit}
	} else if acceptLanguage != "" {
		parsed, _, err := language.ParseAcceptLanguage(acceptLanguage)
		if err == nil {
			for _, t := range parsed {
				if t != language.Und {
					tags = append(tags, t.String())
				}
			}
		}
	}
	var prefs []string
	seen := map[string]bool{}
	add := func(t string) {
		t = strings.ToLower(t)
		if !seen[t] {
			seen[t] = true
			prefs = append(prefs, t)
		}
	}
	for _, t := range tags {
		add(t)
		if base, _, ok := strings.Cut(t, "-"); ok {
			add(base)
		}
	}
	return prefs
}

// ValidLang reports whether s is a well-formed BCP 47 tag.
func ValidLang(s string) bool {
	if s == "" || len(s) > 35 {
		return false
	}
	_, err := language.Parse(s)
	return err == nil
}

// langScore ranks an article language against prefs: lower is better. An
// exact tag beats a shared base language; no match ranks last.
func langScore(lang string, prefs []string) int {
	lang = strings.ToLower(lang)
	base, _, _ := strings.Cut(lang, "-")
	for i, p := range prefs {
		if p == lang {
			return 2 * i
		}
		pb, _, _ := strings.Cut(p, "-")
		if pb == base {
			return 2*i + 1
		}
	}
	return 1 << 20
}
