package errcode

import (
	"fmt"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// maxInput bounds what Parse looks at. The longest name is 66 bytes
// (STATUS_GRAPHICS_PATH_CONTENT_GEOMETRY_TRANSFORMATION_NOT_SUPPORTED); the
// longest sensible number ("-2147483648", or a padded
// "0x0000000080070643UL") is far shorter. The bound keeps error paths cheap
// and lets Parse fold into a stack buffer.
const maxInput = 80

// Reasons reported in ParseError.Reason. They are part of the API: callers map
// them to messages and tests assert them, so never rename one.
const (
	ReasonEmpty         = "empty"          // nothing left after trimming spaces and punctuation
	ReasonTooLong       = "too_long"       // more than 80 bytes
	ReasonNotHex        = "not_hex"        // a character that cannot be part of a number
	ReasonOutOfRange    = "out_of_range"   // does not fit in 32 bits (or int32 when negative)
	ReasonSeparator     = "separator"      // digits split by space, _, -, ., ',', ':' or '
	ReasonMixedScripts  = "mixed_scripts"  // full-width mixed with half-width, or a Cyrillic/Greek look-alike
	ReasonNoDigits      = "no_digits"      // no digits at all, or a prefix/sign with nothing after it
	ReasonMissingPrefix = "missing_prefix" // hex letters without 0x, and not exactly 8 digits
	ReasonExtraText     = "extra_text"     // a code with words around it: use Extract for free text
	ReasonMultiple      = "multiple"       // more than one code
	ReasonUnknownName   = "unknown_name"   // shaped like E_FAIL or ERROR_*, but no code has that name
)

// ParseError says why input is not a code; Reason is a stable machine word, Detail a human sentence.
type ParseError struct {
	Input  string // the input as given, cut to 80 bytes so that logging it is safe
	Reason string // one of the Reason* constants
	Detail string // English sentence for people; may change between versions
}

// Error quotes the input, so the message is only as safe to show as the input.
func (e *ParseError) Error() string {
	return "errcode: cannot parse " + strconv.Quote(e.Input) + ": " + e.Detail
}

// Parse normalizes one code in any spelling. On failure it returns *ParseError.
//
// Accepted, after trimming surrounding spaces, punctuation, quotes and brackets
// (ASCII, full-width or ideographic):
//
//	0x80070643 0X80070643 0x643     hex with prefix, at most 8 significant digits
//	0x80070643L 0x643UL             C integer suffixes (u, l, ul, ll, ...)
//	80070643                        exactly 8 digits without prefix: hex
//	1603 2147944003                 other all-digit strings: unsigned decimal
//	-2147023293                     leading minus: signed decimal, two's complement
//	-0x7ff8f9bd                     leading minus on hex (how Python prints HRESULTs)
//	０ｘ８００７０６４３            full-width forms, if not mixed with half-width
//	E_ACCESSDENIED                  a name Decode gives, in any letter case
//	ERROR_INSTALL_FAILURE           (Win32 names give the Win32 number: 0x00000643)
//
// Why exactly 8 digits are hex even when all are 0-9: that is how HRESULTs are
// pasted from logs and dialogs ("80070643", "80240017"), while nobody writes
// an 8-digit decimal Win32 number (they stop at 5 digits). Any other length of
// digits is decimal, so "1603" is Win32 error 1603 (0x00000643), not 0x1603.
func Parse(s string) (Code, error) {
	if len(s) > maxInput {
		return 0, &ParseError{Input: cut(s), Reason: ReasonTooLong,
			Detail: fmt.Sprintf("input is %d bytes; a code is at most %d", len(s), maxInput)}
	}
	t := trim(s)
	if c, ok := parseToken(t); ok {
		return c, nil
	}
	if c, ok := named(t); ok {
		return c, nil
	}
	return 0, explain(s, t)
}

// parseToken parses an already trimmed spelling. It is Parse without error
// reporting, which Extract shares so that every match re-parses identically.
func parseToken(t string) (Code, bool) {
	if len(t) == 0 || len(t) > maxInput {
		return 0, false
	}
	var buf [maxInput]byte
	f, w := fold(t, &buf)
	if w.other || (w.ascii && w.full) {
		return 0, false
	}
	c, reason := parseFolded(f)
	return c, reason == ""
}

// widths records which kinds of characters fold met.
type widths struct {
	ascii bool // a half-width (ASCII) letter or digit
	full  bool // a full-width letter or digit
	other bool // a rune that is neither ASCII nor a full-width ASCII variant
}

// fold maps full-width ASCII variants (U+FF01..U+FF5E), the ideographic space
// and the minus sign U+2212 to ASCII, so one grammar serves Japanese IME input.
// Other runes become 0xFF, which no grammar rule accepts. Input is at most
// maxInput bytes and folding never grows it, so buf always suffices.
func fold(t string, buf *[maxInput]byte) ([]byte, widths) {
	var w widths
	n := 0
	for _, r := range t {
		var b byte
		switch {
		case r < utf8.RuneSelf:
			b = byte(r)
			w.ascii = w.ascii || isAlnum(b)
		case r >= 0xFF01 && r <= 0xFF5E:
			b = byte(r - 0xFEE0)
			w.full = w.full || isAlnum(b)
		case r == '\u3000':
			b = ' '
		case r == '\u2212':
			b = '-'
		default:
			b = 0xFF
			w.other = true
		}
		buf[n] = b
		n++
	}
	return buf[:n], w
}

// parseFolded is the grammar. It returns a Reason on failure, or "" on success.
func parseFolded(b []byte) (Code, string) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	hex := len(b) >= 2 && b[0] == '0' && (b[1]|0x20) == 'x'
	if hex {
		b = b[2:]
	}
	b = b[:len(b)-suffixLen(b)]
	if len(b) == 0 {
		return 0, ReasonNoDigits
	}
	letters := false
	for _, ch := range b {
		switch {
		case ch >= '0' && ch <= '9':
		case ch|0x20 >= 'a' && ch|0x20 <= 'f':
			letters = true
		default:
			return 0, ReasonNotHex
		}
	}
	if !hex && !neg && len(b) == 8 {
		hex = true // see Parse: 8 bare digits are an HRESULT
	}
	var v uint64
	switch {
	case hex:
		for len(b) > 1 && b[0] == '0' {
			b = b[1:]
		}
		if len(b) > 8 {
			return 0, ReasonOutOfRange
		}
		for _, ch := range b {
			v = v<<4 | uint64(hexVal(ch))
		}
	case letters:
		return 0, ReasonMissingPrefix
	default:
		for _, ch := range b {
			v = v*10 + uint64(ch-'0')
			if v > 1<<32 { // stop before uint64 could overflow on long input
				return 0, ReasonOutOfRange
			}
		}
	}
	if neg {
		if v > 1<<31 {
			return 0, ReasonOutOfRange
		}
		return Code(uint32(-int64(v))), ""
	}
	if v > 0xFFFFFFFF {
		return 0, ReasonOutOfRange
	}
	return Code(v), ""
}

// suffixLen is the length of a trailing C integer suffix (u, l, ul, lu, ll,
// ull, llu in any case), as in header spellings like 0x80070005L.
func suffixLen(b []byte) int {
	var s [3]byte
	n := 0
	for n < 3 && n < len(b) {
		ch := b[len(b)-1-n] | 0x20
		if ch != 'u' && ch != 'l' {
			break
		}
		s[2-n] = ch
		n++
	}
	for ; n > 0; n-- {
		switch string(s[3-n:]) {
		case "u", "l", "ul", "lu", "ll", "ull", "llu":
			return n
		}
	}
	return 0
}

func isAlnum(b byte) bool {
	return b >= '0' && b <= '9' || b|0x20 >= 'a' && b|0x20 <= 'z'
}

func hexVal(ch byte) byte {
	if ch <= '9' {
		return ch - '0'
	}
	return (ch | 0x20) - 'a' + 10
}

// trim drops spaces, punctuation, symbols and invisible format characters from
// both ends. A leading minus sign is kept because it makes the number negative.
func trim(s string) string {
	for len(s) > 0 {
		r, n := utf8.DecodeRuneInString(s)
		if !isTrimmed(r) || isMinus(r) {
			break
		}
		s = s[n:]
	}
	for len(s) > 0 {
		r, n := utf8.DecodeLastRuneInString(s)
		if !isTrimmed(r) {
			break
		}
		s = s[:len(s)-n]
	}
	return s
}

func isTrimmed(r rune) bool {
	if r < utf8.RuneSelf {
		return !isAlnum(byte(r))
	}
	return !unicode.IsLetter(r) && !unicode.IsNumber(r) && !unicode.IsMark(r)
}

func isMinus(r rune) bool { return r == '-' || r == '－' || r == '\u2212' }

// cut shortens input kept in errors, on a rune boundary.
func cut(s string) string {
	if len(s) <= maxInput {
		return s
	}
	n := maxInput
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
