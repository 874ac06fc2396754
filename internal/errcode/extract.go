package errcode

import (
	"strings"
	"unicode/utf8"
)

// Match is one code found in free text.
type Match struct {
	Code       Code
	Text       string // text[Start:End], the code as written; Parse(Text) == Code
	Start, End int    // byte offsets into the input
}

// Extract finds every error code in free text (Japanese or English around it), in order of appearance.
//
// Text is cut into words: runs of ASCII or full-width letters, digits and
// underscores. Every other character, Japanese included, ends a word, so
// "エラー0x80070643が出ます" yields 0x80070643. A word, or its tail, is a code if
// it is one of:
//
//   - 0x-prefixed hex ending the word ("0x80070643", "error0x80070643L"),
//     unless a digit is glued in front ("10x800" is not a code);
//   - exactly 8 hex digits with at least one 0-9 whose first digit is 8-F:
//     bare error HRESULTs and NTSTATUS values ("80070643", "C0000005"). The
//     first-digit rule is a guard the brief did not ask for: it keeps dates
//     (20240115) and most short commit hashes out;
//   - 9 or 10 decimal digits right after a minus sign that starts a word:
//     how .NET and PowerShell print HRESULTs ("-2147023293");
//   - 1 to 10 decimal digits, or 8 hex digits, right after "error", "err",
//     "code", "errorcode", "エラー" or "コード" and optional spaces, ':', '=' or
//     '#' ("エラー 1603", "exit code: 1603"). Elsewhere short numbers are years,
//     counts and versions, so they are left alone.
//
// Nothing is deduplicated. A minus in front of 0x hex is not taken as a sign.
func Extract(text string) []Match { return extract(text, false) }

// ExtractWithNames is Extract that also finds the names Parse takes, as
// whole words spelled as the headers spell them, in capitals: "the call
// returned E_ACCESSDENIED" yields 0x80070005. Articles keep to Extract:
// their prose names errors without meaning to link to them.
func ExtractWithNames(text string) []Match { return extract(text, true) }

func extract(text string, names bool) []Match {
	var out []Match
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		if !isWordRune(r) {
			i += n
			continue
		}
		start := i
		for i < len(text) {
			r, n = utf8.DecodeRuneInString(text[i:])
			if !isWordRune(r) {
				break
			}
			i += n
		}
		if names {
			if c, ok := codesByName()[text[start:i]]; ok {
				out = append(out, Match{Code: c, Text: text[start:i], Start: start, End: i})
				continue
			}
		}
		if m, ok := matchWord(text, start, i); ok {
			out = append(out, m)
		}
	}
	return out
}

// matchWord tries the rules of Extract on the word text[ws:we]. Every
// candidate goes through parseToken, so a match always re-parses to its code.
func matchWord(text string, ws, we int) (Match, bool) {
	if s, ok := prefixedHexStart(text, ws, we); ok {
		return token(text, s, we)
	}
	word := text[ws:we]
	digits, hexLetters, count := classifyWord(word)
	if count == 0 {
		return Match{}, false // a word with a non-hex letter
	}
	if hexLetters == 0 && count >= 9 && count <= 10 && firstHexDigit(word) != 0 {
		if r, n := utf8.DecodeLastRuneInString(text[:ws]); isMinus(r) {
			before, _ := utf8.DecodeLastRuneInString(text[:ws-n])
			if ws-n == 0 || !isWordRune(before) {
				return token(text, ws-n, we)
			}
		}
	}
	if count == 8 && digits > 0 && firstHexDigit(word) >= 8 {
		return token(text, ws, we)
	}
	if (count == 8 && digits > 0 || hexLetters == 0 && count <= 10) && afterKeyword(text[:ws]) {
		return token(text, ws, we)
	}
	return Match{}, false
}

func token(text string, start, end int) (Match, bool) {
	c, ok := parseToken(text[start:end])
	if !ok {
		return Match{}, false
	}
	return Match{Code: c, Text: text[start:end], Start: start, End: end}, true
}

// prefixedHexStart scans the word backwards over an optional C suffix, hex
// digits and "0x", and returns where the "0" starts. Scanning from the end
// lets the prefix sit anywhere in the word ("error0x80070643").
func prefixedHexStart(text string, ws, we int) (int, bool) {
	p := we
	prev := func() (byte, int) {
		if p <= ws {
			return 0, 0
		}
		r, n := utf8.DecodeLastRuneInString(text[ws:p])
		return foldRune(r), n
	}
	for k := 0; k < 3; k++ { // suffix: parseToken checks the exact spelling
		b, n := prev()
		if b|0x20 != 'u' && b|0x20 != 'l' {
			break
		}
		p -= n
	}
	digits := 0
	for {
		b, n := prev()
		if n == 0 || !isHexDigit(b) {
			break
		}
		p -= n
		digits++
		if we-p > maxInput {
			return 0, false
		}
	}
	if digits == 0 {
		return 0, false
	}
	if b, n := prev(); b|0x20 == 'x' {
		p -= n
	} else {
		return 0, false
	}
	if b, n := prev(); b == '0' {
		p -= n
	} else {
		return 0, false
	}
	if b, _ := prev(); b >= '0' && b <= '9' {
		return 0, false // "10x80" reads as "10 times 80", not as a code
	}
	return p, true
}

// classifyWord counts the decimal digits and hex letters of a word; count is
// 0 when a rune is neither.
func classifyWord(word string) (digits, hexLetters, count int) {
	for _, r := range word {
		b := foldRune(r)
		switch {
		case b >= '0' && b <= '9':
			digits++
		case isHexDigit(b):
			hexLetters++
		default:
			return 0, 0, 0
		}
		count++
	}
	return digits, hexLetters, count
}

func firstHexDigit(word string) byte {
	r, _ := utf8.DecodeRuneInString(word)
	return hexVal(foldRune(r))
}

// afterKeyword reports whether before ends with a keyword that announces a
// code, followed by at most a few spaces, ':', '=' or '#'.
func afterKeyword(before string) bool {
	for k := 0; k < 4 && len(before) > 0; k++ {
		r, n := utf8.DecodeLastRuneInString(before)
		if b := foldRune(r); b != ' ' && b != '\t' && b != ':' && b != '=' && b != '#' {
			break
		}
		before = before[:len(before)-n]
	}
	if strings.HasSuffix(before, "エラー") || strings.HasSuffix(before, "コード") {
		return true
	}
	i := len(before)
	for i > 0 && isLetter(before[i-1]) {
		i--
	}
	w := before[i:]
	return strings.EqualFold(w, "error") || strings.EqualFold(w, "err") ||
		strings.EqualFold(w, "code") || strings.EqualFold(w, "errorcode")
}

func isLetter(b byte) bool { return b|0x20 >= 'a' && b|0x20 <= 'z' }

func isHexDigit(b byte) bool { return b >= '0' && b <= '9' || b|0x20 >= 'a' && b|0x20 <= 'f' }

// isWordRune: ASCII or full-width letters, digits and underscore.
func isWordRune(r rune) bool {
	if r >= 0xFF01 && r <= 0xFF5E {
		r -= 0xFEE0
	}
	return r < utf8.RuneSelf && (isAlnum(byte(r)) || r == '_')
}

// foldRune is fold for one rune; runes without an ASCII form become 0xFF.
func foldRune(r rune) byte {
	switch {
	case r < utf8.RuneSelf:
		return byte(r)
	case r >= 0xFF01 && r <= 0xFF5E:
		return byte(r - 0xFEE0)
	case r == '\u3000':
		return ' '
	case r == '\u2212':
		return '-'
	}
	return 0xFF
}
