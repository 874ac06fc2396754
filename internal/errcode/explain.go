package errcode

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// explain builds the ParseError for input that parseToken rejected. It runs
// only on failure, so it may allocate and scan again. The order of the checks
// decides which one Reason a person sees: the most specific cause first, the
// bare grammar last.
func explain(s, t string) *ParseError {
	e := &ParseError{Input: cut(s)}
	fail := func(reason, detail string) *ParseError {
		e.Reason, e.Detail = reason, detail
		return e
	}
	if t == "" {
		return fail(ReasonEmpty, "no code given")
	}
	var buf [maxInput]byte
	f, w := fold(t, &buf)

	if r, ok := lookalike(t); ok {
		return fail(ReasonMixedScripts, fmt.Sprintf("%q (U+%04X) is a look-alike from another alphabet, not a Latin letter or digit", r, r))
	}
	if w.ascii && w.full {
		return fail(ReasonMixedScripts, "full-width and half-width characters are mixed; use one width")
	}
	if !w.other {
		if sep, c, ok := splitBySeparator(f); ok {
			return fail(ReasonSeparator, fmt.Sprintf("digits are split by %q; without it this would be %s", sep, c))
		}
	}
	// Only now look for codes inside: "0x8007 0643" above must not be reported
	// as 0x00008007 with text around it.
	ms := Extract(t)
	if len(ms) > 1 {
		return fail(ReasonMultiple, fmt.Sprintf("found %d codes, starting with %s and %s; give one at a time", len(ms), ms[0].Code, ms[1].Code))
	}
	if len(ms) == 1 && hasLetter(t[:ms[0].Start]+t[ms[0].End:]) {
		return fail(ReasonExtraText, fmt.Sprintf("found %s with other text around it; give the code alone", ms[0].Code))
	}
	if nameShaped(t) {
		upper := strings.ToUpper(t)
		if v, ok := tableValue(upper); ok {
			c := Code(v)
			return fail(ReasonUnknownName, fmt.Sprintf("%s is %s, which errdex reads as %s; ask for %s by number", upper, c, readAs(c), c))
		}
		if near := closestName(upper); near != "" {
			return fail(ReasonUnknownName, fmt.Sprintf("no error code is named %s; did you mean %s?", t, near))
		}
		return fail(ReasonUnknownName, fmt.Sprintf("no error code is named %s; names are spelled as in winerror.h, wuerror.h and ntstatus.h", t))
	}
	if !hasDigit(f, t) {
		return fail(ReasonNoDigits, "no digits found")
	}
	if hasForeignLetter(t) {
		return fail(ReasonExtraText, "contains words that are not part of a code")
	}

	_, reason := parseFolded(f)
	switch reason {
	case ReasonNotHex:
		if i := badIndex(f); i >= 0 {
			r := nthRune(t, i)
			return fail(reason, fmt.Sprintf("%q cannot be part of a code", r))
		}
		return fail(reason, "contains characters that cannot be part of a code")
	case ReasonOutOfRange:
		switch {
		case f[0] == '-':
			return fail(reason, "below -2147483648, the smallest 32-bit signed number")
		case hasHexPrefix(f):
			return fail(reason, "more than 8 significant hex digits; a code has 32 bits")
		default:
			return fail(reason, "above 4294967295, the largest 32-bit number")
		}
	case ReasonMissingPrefix:
		if f[0] == '-' {
			return fail(reason, "a minus sign needs decimal digits or a 0x prefix")
		}
		return fail(reason, fmt.Sprintf("hex digits without 0x must be exactly 8 long; write 0x%s", f[:len(f)-suffixLen(f)]))
	case ReasonNoDigits:
		return fail(reason, "a sign, 0x prefix or suffix with no digits")
	}
	// parseFolded accepted f, so parseToken failed on width alone, which is
	// reported above; keep a sane answer should the two ever drift apart.
	return fail(ReasonNotHex, "not a code")
}

// lookalike finds a Cyrillic or Greek letter, or the multiplication sign,
// touching a digit: "0х80070643" typed with a Russian layout looks right but is
// not a code, and people should be told which character is wrong.
func lookalike(t string) (rune, bool) {
	var prev rune
	for i, r := range t {
		suspect := r == '×' || unicode.Is(unicode.Cyrillic, r) || unicode.Is(unicode.Greek, r)
		if suspect {
			next, _ := utf8.DecodeRuneInString(t[i+utf8.RuneLen(r):])
			if isDigitRune(prev) || isDigitRune(next) {
				return r, true
			}
		}
		prev = r
	}
	return 0, false
}

func isDigitRune(r rune) bool { return r >= '0' && r <= '9' || r >= '０' && r <= '９' }

// splitBySeparator removes separator runs that sit between two letters or
// digits and reports whether what is left is a code.
func splitBySeparator(f []byte) (sep byte, c Code, ok bool) {
	var buf [maxInput]byte
	n := 0
	for i := 0; i < len(f); i++ {
		if isSeparator(f[i]) && i > 0 && isAlnum(f[i-1]) {
			j := i
			for j < len(f) && isSeparator(f[j]) {
				j++
			}
			if j < len(f) && isAlnum(f[j]) {
				if sep == 0 {
					sep = f[i]
				}
				i = j - 1
				continue
			}
		}
		buf[n] = f[i]
		n++
	}
	if sep == 0 {
		return 0, 0, false
	}
	c, reason := parseFolded(buf[:n])
	return sep, c, reason == ""
}

func isSeparator(b byte) bool { return strings.IndexByte(" \t_-.,:'", b) >= 0 }

// hasForeignLetter reports a letter with no ASCII form, such as kana or kanji.
func hasForeignLetter(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) && foldRune(r) == 0xFF {
			return true
		}
	}
	return false
}

func hasLetter(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

// hasDigit reports whether anything could be a digit: a hex digit after
// folding, or a decimal digit of another script.
func hasDigit(f []byte, t string) bool {
	for _, b := range f {
		if b < utf8.RuneSelf && (b >= '0' && b <= '9' || b|0x20 >= 'a' && b|0x20 <= 'f') {
			return true
		}
	}
	for _, r := range t {
		if unicode.IsDigit(r) {
			return true
		}
	}
	return false
}

func hasHexPrefix(f []byte) bool {
	if len(f) > 0 && f[0] == '-' {
		f = f[1:]
	}
	return len(f) >= 2 && f[0] == '0' && f[1]|0x20 == 'x'
}

// badIndex mirrors parseFolded to find the first byte that is not a digit.
// fold maps each rune to one byte, so the index is also a rune index in t.
func badIndex(f []byte) int {
	start := 0
	if len(f) > 0 && f[0] == '-' {
		start = 1
	}
	if hasHexPrefix(f) {
		start += 2
	}
	end := len(f) - suffixLen(f[start:])
	for i := start; i < end; i++ {
		b := f[i]
		if !(b >= '0' && b <= '9' || b|0x20 >= 'a' && b|0x20 <= 'f') {
			return i
		}
	}
	return -1
}

func nthRune(s string, n int) rune {
	for _, r := range s {
		if n == 0 {
			return r
		}
		n--
	}
	return utf8.RuneError
}
