package markdown

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/errdex/errdex/internal/article"
)

// sectionName is one known section with its names: ja is matched exactly,
// en case-insensitively. The first en name is the one Render writes.
type sectionName struct {
	key string
	ja  string
	en  []string
}

// sectionNames lists the known sections in FORMAT.md order.
var sectionNames = []sectionName{
	{article.SectionSummary, "要約", []string{"Summary"}},
	{article.SectionCauses, "よくある原因", []string{"Common causes", "Causes"}},
	{article.SectionChecks, "60秒で確認", []string{"Quick checks", "60-second checks"}},
	{article.SectionFix, "5分で解決", []string{"Fix", "5-minute fix"}},
	{article.SectionPermanentFixes, "根本対策", []string{"Permanent fix", "Root cause fix", "Prevention of root cause"}},
	{article.SectionDetailedSteps, "詳細手順", []string{"Detailed steps"}},
	{article.SectionPitfalls, "よくある落とし穴", []string{"Pitfalls", "Common pitfalls", "Don'ts", "Don’ts"}},
	{article.SectionChecklist, "再発防止チェックリスト", []string{"Prevention checklist", "Checklist"}},
	{article.SectionRelated, "関連ケース", []string{"Related cases", "Related"}},
	{article.SectionReferences, "参考", []string{"References"}},
}

// sectionKey maps a heading name (qualifier removed) to a Section* key, or
// article.SectionExtra.
func sectionKey(name string) string {
	for _, s := range sectionNames {
		if name == s.ja {
			return s.key
		}
		for _, en := range s.en {
			if strings.EqualFold(name, en) {
				return s.key
			}
		}
	}
	return article.SectionExtra
}

// sectionHeading is the name Render writes for key in language lang.
func sectionHeading(key, lang string) string {
	for _, s := range sectionNames {
		if s.key == key {
			if isJapanese(lang) {
				return s.ja
			}
			return s.en[0]
		}
	}
	return key
}

func isJapanese(lang string) bool {
	return lang == "ja" || strings.HasPrefix(strings.ToLower(lang), "ja-")
}

// splitQualifier splits "name（qualifier）" or "name (qualifier)" at the
// bracket pair that closes the text. Without such a pair the whole text is
// the name.
func splitQualifier(s string) (name, qualifier string) {
	s = strings.TrimSpace(s)
	var open, close rune
	switch {
	case strings.HasSuffix(s, "）"):
		open, close = '（', '）'
	case strings.HasSuffix(s, ")"):
		open, close = '(', ')'
	default:
		return s, ""
	}
	depth := 0
	for i := len(s); i > 0; {
		r, n := utf8.DecodeLastRuneInString(s[:i])
		i -= n
		switch r {
		case close:
			depth++
		case open:
			depth--
			if depth == 0 {
				name = strings.TrimRightFunc(s[:i], unicode.IsSpace)
				if name == "" {
					return s, ""
				}
				return name, s[i+n : len(s)-len(string(close))]
			}
		}
	}
	return s, ""
}

// joinQualifier is the inverse of splitQualifier: it picks the bracket
// style of the language, or the other one when only that splits back.
func joinQualifier(name, qualifier, lang string) string {
	if qualifier == "" {
		return name
	}
	full := name + "（" + qualifier + "）"
	ascii := name + " (" + qualifier + ")"
	candidates := []string{full, ascii}
	if !isJapanese(lang) {
		candidates = []string{ascii, full}
	}
	for _, c := range candidates {
		if n, q := splitQualifier(c); n == name && q == qualifier {
			return c
		}
	}
	return candidates[0]
}

// Summary labels.
const (
	labelCondition = "condition"
	labelImpact    = "impact"
	labelUrgency   = "urgency"
)

var summaryLabels = map[string]string{
	"発生条件": labelCondition, "condition": labelCondition,
	"影響": labelImpact, "impact": labelImpact,
	"緊急度": labelUrgency, "urgency": labelUrgency,
}

func summaryLabel(name string) string {
	return summaryLabels[strings.ToLower(name)]
}

func summaryLabelText(label, lang string) string {
	ja := isJapanese(lang)
	switch label {
	case labelCondition:
		if ja {
			return "発生条件"
		}
		return "Condition"
	case labelImpact:
		if ja {
			return "影響"
		}
		return "Impact"
	}
	if ja {
		return "緊急度"
	}
	return "Urgency"
}

var urgencyWords = map[string]string{
	"緊急": article.UrgencyCritical, "critical": article.UrgencyCritical,
	"高": article.UrgencyHigh, "high": article.UrgencyHigh,
	"中": article.UrgencyMedium, "medium": article.UrgencyMedium,
	"低": article.UrgencyLow, "low": article.UrgencyLow,
}

func urgencyWord(level, lang string) string {
	ja := isJapanese(lang)
	switch level {
	case article.UrgencyCritical:
		if ja {
			return "緊急"
		}
		return "Critical"
	case article.UrgencyHigh:
		if ja {
			return "高"
		}
		return "High"
	case article.UrgencyMedium:
		if ja {
			return "中"
		}
		return "Medium"
	case article.UrgencyLow:
		if ja {
			return "低"
		}
		return "Low"
	}
	return level
}

// isUrgencyEnd reports whether r ends the level word in "中、理由" or
// "High (reason)"; isUrgencySep whether it separates word and reason.
func isUrgencyEnd(r rune) bool {
	return isUrgencySep(r) || strings.ContainsRune("./／()（）", r)
}

func isUrgencySep(r rune) bool {
	return unicode.IsSpace(r) || strings.ContainsRune(":：,，、。-–—|", r)
}

// leadingUrgency finds a level word at the start of s, followed by the end
// of s or a separator; rest is what follows, separators trimmed.
func leadingUrgency(s string) (level, rest string) {
	end := strings.IndexFunc(s, isUrgencyEnd)
	if end < 0 {
		end = len(s)
	}
	level, ok := urgencyWords[strings.ToLower(s[:end])]
	if !ok {
		return "", s
	}
	return level, strings.TrimLeftFunc(s[end:], isUrgencySep)
}

var rollbackWords = []string{"ロールバック", "戻す", "元に戻", "復元", "rollback", "roll back", "revert", "restore", "undo"}

// isRollback reports whether a command label says the command undoes a
// change.
func isRollback(label string) bool {
	l := strings.ToLower(label)
	for _, w := range rollbackWords {
		if strings.Contains(l, w) {
			return true
		}
	}
	return false
}

// isWarning reports whether a paragraph is a "⚠ 注意:" / "⚠ Warning:" note.
func isWarning(s string) bool {
	return strings.HasPrefix(s, "⚠")
}
