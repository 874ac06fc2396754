package errcode

import (
	"errors"
	"testing"
	"unicode/utf8"
)

var reasons = map[string]bool{
	ReasonEmpty: true, ReasonTooLong: true, ReasonNotHex: true, ReasonOutOfRange: true,
	ReasonSeparator: true, ReasonMixedScripts: true, ReasonNoDigits: true,
	ReasonMissingPrefix: true, ReasonExtraText: true, ReasonMultiple: true, ReasonUnknownName: true,
}

// FuzzParse checks that Parse never panics, that every error is a
// *ParseError with a known Reason, and that accepted codes round-trip through
// their canonical form. Seeds beyond f.Add live in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"0x80070643", "80070643", "-2147023293", "1603", "０ｘ８００７０６４３",
		"(0x80070643L)", "0x8007_0643", "エラー0x80070643。", "0х80070643", "",
		"E_ACCESSDENIED", "error_install_failure", "S_FALSE", "E_NOSUCH",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Parse(s)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) error %T, want *ParseError", s, err)
			}
			if !reasons[pe.Reason] || pe.Detail == "" {
				t.Fatalf("Parse(%q) = reason %q, detail %q", s, pe.Reason, pe.Detail)
			}
			return
		}
		again, err := Parse(c.String())
		if err != nil || again != c {
			t.Fatalf("Parse(%q) = %v, but Parse(%q) = %v, %v", s, c, c.String(), again, err)
		}
		if _ = Decode(c); len(Equivalents(c)) > 1 {
			t.Fatalf("Equivalents(%v) has more than one entry", c)
		}
	})
}

// FuzzExtract checks that matches are in order, do not overlap, point at
// their Text, and that Parse reads each Text as the same code.
func FuzzExtract(f *testing.F) {
	for _, s := range []string{
		"エラー0x80070643が出ます", "Error 0x80070643 and 0x80070005.", "コード-2147023293です",
		"エラー 1603", "（－２１４７０２３２９３）", "0x8007 0643", "error0x80070643L, 10x5",
		"returned E_ACCESSDENIED (0x80070005)", "ERROR_INSTALL_FAILUREで失敗",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		end := 0
		for _, m := range Extract(text) {
			check(t, text, m, &end)
		}
		end = 0
		for _, m := range ExtractWithNames(text) {
			check(t, text, m, &end)
		}
	})
}

// check asserts what FuzzExtract asks of each match m, after one ending at *end.
func check(t *testing.T, text string, m Match, end *int) {
	t.Helper()
	if m.Start < *end || m.End <= m.Start || m.End > len(text) {
		t.Fatalf("Extract(%q): bad offsets %d..%d after %d", text, m.Start, m.End, *end)
	}
	*end = m.End
	if text[m.Start:m.End] != m.Text {
		t.Fatalf("Extract(%q): Text %q, but text[%d:%d] = %q", text, m.Text, m.Start, m.End, text[m.Start:m.End])
	}
	if utf8.ValidString(text) && !utf8.ValidString(m.Text) {
		t.Fatalf("Extract(%q): match %q splits a rune", text, m.Text)
	}
	c, err := Parse(m.Text)
	if err != nil || c != m.Code {
		t.Fatalf("Extract(%q) found %v in %q, but Parse gives %v, %v", text, m.Code, m.Text, c, err)
	}
}
