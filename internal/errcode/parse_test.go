package errcode

import (
	"errors"
	"strings"
	"testing"
)

func TestCodeString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code Code
		want string
	}{
		{0, "0x00000000"},
		{0x643, "0x00000643"},
		{0x80070643, "0x80070643"},
		{0xC000000D, "0xc000000d"},
		{0xFFFFFFFF, "0xffffffff"},
	}
	for _, tt := range tests {
		if got := tt.code.String(); got != tt.want {
			t.Errorf("Code(%d).String() = %q, want %q", uint32(tt.code), got, tt.want)
		}
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want Code
	}{
		{"canonical", "0x80070643", 0x80070643},
		{"upper prefix", "0X80070643", 0x80070643},
		{"upper digits", "0x8007064A", 0x8007064A},
		{"suffix L", "0x80070643L", 0x80070643},
		{"suffix l", "0x80070643l", 0x80070643},
		{"suffix UL", "0x80070643UL", 0x80070643},
		{"suffix u", "0x80070643u", 0x80070643},
		{"suffix ull", "0x1ull", 1},
		{"8 digits are hex", "80070643", 0x80070643},
		{"8 hex digits with letters", "c0000005", 0xC0000005},
		{"8 digits with suffix", "80070643L", 0x80070643},
		{"8 digits with leading zeros are still hex", "00001603", 0x1603},
		{"short hex with prefix", "0x643", 0x643},
		{"zero hex", "0x0", 0},
		{"leading zeros beyond 8", "0x0000000080070643", 0x80070643},
		{"signed decimal", "-2147023293", 0x80070643},
		{"signed minimum", "-2147483648", 0x80000000},
		{"minus one", "-1", 0xFFFFFFFF},
		{"unsigned decimal", "2147944003", 0x80070643},
		{"unsigned maximum", "4294967295", 0xFFFFFFFF},
		{"short decimal is win32", "1603", 0x643},
		{"short decimal with leading zero", "0643", 643},
		{"7 digits are decimal", "0001603", 1603},
		{"decimal with suffix", "1603L", 0x643},
		{"zero", "0", 0},
		{"negative hex", "-0x7ff8f9bd", 0x80070643},
		{"full-width hex", "０ｘ８００７０６４３", 0x80070643},
		{"full-width upper X", "０Ｘ８００７０６４３", 0x80070643},
		{"full-width bare", "８００７０６４３", 0x80070643},
		{"full-width decimal", "１６０３", 0x643},
		{"full-width negative", "－２１４７０２３２９３", 0x80070643},
		{"half-width minus, full-width digits", "-２１４７０２３２９３", 0x80070643},
		{"unicode minus sign", "\u22122147023293", 0x80070643},
		{"parentheses", "(0x80070643)", 0x80070643},
		{"quotes and period", `"0x80070643."`, 0x80070643},
		{"single quotes", "'0x80070643'", 0x80070643},
		{"brackets", "[0x80070643]", 0x80070643},
		{"japanese brackets", "「0x80070643」", 0x80070643},
		{"full-width parentheses", "（０ｘ８００７０６４３）", 0x80070643},
		{"ideographic full stop", "0x80070643。", 0x80070643},
		{"whitespace", " \t0x80070643\r\n", 0x80070643},
		{"ideographic space", "\u30000x80070643\u3000", 0x80070643},
		{"zero-width space from copy-paste", "\u200b0x80070643\ufeff", 0x80070643},
		{"hash", "#0x80070643", 0x80070643},
		{"trailing comma", "0x80070643,", 0x80070643},
		{"ntstatus", "0xC0000005", 0xC0000005},
		{"hresult name", "E_ACCESSDENIED", 0x80070005},
		{"name in lower case", "e_accessdenied", 0x80070005},
		{"name in brackets", "(E_FAIL)", 0x80004005},
		{"win32 name", "ERROR_INSTALL_FAILURE", 0x643},
		{"winsock name", "WSAECONNRESET", 10054},
		{"windows update name", "WU_E_NOT_APPLICABLE", 0x80240017},
		{"ntstatus name", "STATUS_ACCESS_VIOLATION", 0xC0000005},
		{"success name", "S_OK", 0},
		{"win32 success name", "ERROR_SUCCESS", 0},
		{"longest name", "STATUS_GRAPHICS_PATH_CONTENT_GEOMETRY_TRANSFORMATION_NOT_SUPPORTED", 0xC01E0346},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("Parse(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want string
	}{
		{"", ReasonEmpty},
		{"   ", ReasonEmpty},
		{"()", ReasonEmpty},
		{`""`, ReasonEmpty},
		{"。", ReasonEmpty},
		{"-", ReasonEmpty}, // a lone minus is punctuation

		{strings.Repeat("0", maxInput+1), ReasonTooLong},
		{"0x80070643" + strings.Repeat(" ", maxInput-9), ReasonTooLong},

		{"0xGG", ReasonNotHex},
		{"0x8007064G", ReasonNotHex},
		{"8007064G", ReasonNotHex},
		{"hello", ReasonNotHex},
		{"0x80070643h", ReasonNotHex},
		{"0x8007★0643", ReasonNotHex},
		{"٣٤٥", ReasonNotHex}, // Arabic-Indic digits

		{"4294967296", ReasonOutOfRange},
		{"99999999999", ReasonOutOfRange},
		{"12345678901234567890123", ReasonOutOfRange},
		{"-2147483649", ReasonOutOfRange},
		{"-0x80000001", ReasonOutOfRange},
		{"0x123456789", ReasonOutOfRange},
		{"0x800706430", ReasonOutOfRange},

		{"ERROR_INSTAL_FAILURE", ReasonUnknownName},
		{"E_NOSUCHTHING", ReasonUnknownName},
		{"S_FALSE", ReasonUnknownName}, // 1, which reads as ERROR_INVALID_FUNCTION

		{"0x8007_0643", ReasonSeparator},
		{"0x8007-0643", ReasonSeparator},
		{"0x8007 0643", ReasonSeparator},
		{"0x8007.0643", ReasonSeparator},
		{"0x8007\u30000643", ReasonSeparator},
		{"8007 0643", ReasonSeparator},
		{"1,603", ReasonSeparator},
		{"0x8007'0643", ReasonSeparator},

		{"０x80070643", ReasonMixedScripts},
		{"0x８００７０６４３", ReasonMixedScripts},
		{"0x8007０６４３", ReasonMixedScripts},
		{"0\u0445" + "80070643", ReasonMixedScripts},      // Cyrillic small ha
		{"0x8\u041e\u041e7\u041e643", ReasonMixedScripts}, // Cyrillic capital O for zero
		{"0×80070643", ReasonMixedScripts},

		{"0x", ReasonNoDigits},
		{"0xL", ReasonNoDigits},
		{"-0x", ReasonNoDigits},
		{"エラー", ReasonNoDigits},
		{"xyz", ReasonNoDigits},

		{"643A", ReasonMissingPrefix},
		{"abc", ReasonMissingPrefix},
		{"8007064A0", ReasonMissingPrefix},
		{"-8007064A", ReasonMissingPrefix},

		{"エラー0x80070643。", ReasonExtraText},
		{"error 0x80070643", ReasonExtraText},
		{"HRESULT: 0x80070643", ReasonExtraText},
		{"0x80070643 (Windows Update", ReasonExtraText},
		{"ファイル1603", ReasonExtraText},

		{"0x80070643 0x80070005", ReasonMultiple},
		{"0x80070643/0x80070005", ReasonMultiple},
		{"80070643 80070005", ReasonMultiple},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			c, err := Parse(tt.in)
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) = %v, %v; want *ParseError %s", tt.in, c, err, tt.want)
			}
			if pe.Reason != tt.want {
				t.Errorf("Parse(%q) reason %q (%s), want %q", tt.in, pe.Reason, pe.Detail, tt.want)
			}
			if pe.Detail == "" {
				t.Errorf("Parse(%q): empty Detail", tt.in)
			}
			if len(pe.Input) > maxInput+len("…") {
				t.Errorf("Parse(%q): Input not cut: %d bytes", tt.in, len(pe.Input))
			}
		})
	}
}

func TestParseErrorMessage(t *testing.T) {
	t.Parallel()
	_, err := Parse("0x8007_0643")
	want := `errcode: cannot parse "0x8007_0643": digits are split by '_'; without it this would be 0x80070643`
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

// TestParseNoAlloc keeps the hot path (every lookup and search request)
// allocation-free for already-canonical input.
// TestParseSuggestsNames: a name a letter or two off is answered with the
// name meant; one far from every name, with where names come from.
func TestParseSuggestsNames(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"ERROR_INSTAL_FAILURE":   "did you mean ERROR_INSTALL_FAILURE?",
		"e_acessdenied":          "did you mean E_ACCESSDENIED?",
		"STATUS_ACCESS_VIOLATON": "did you mean STATUS_ACCESS_VIOLATION?",
		"E_NOSUCHTHING_AT_ALL":   "names are spelled as in winerror.h",
	} {
		_, err := Parse(in)
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Reason != ReasonUnknownName || !strings.Contains(pe.Detail, want) {
			t.Errorf("Parse(%q): %v; want %s saying %q", in, err, ReasonUnknownName, want)
		}
	}
}

func TestParseNoAlloc(t *testing.T) {
	for _, in := range []string{"0x80070643", "80070643", "-2147023293", "０ｘ８００７０６４３"} {
		if n := testing.AllocsPerRun(100, func() { _, _ = Parse(in) }); n != 0 {
			t.Errorf("Parse(%q) allocates %v times, want 0", in, n)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	for _, bm := range []struct{ name, in string }{
		{"canonical", "0x80070643"},
		{"decimal", "-2147023293"},
		{"fullwidth", "「０ｘ８００７０６４３」"},
		{"invalid", "エラー0x80070643。"},
	} {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = Parse(bm.in)
			}
		})
	}
}

// TestParseEveryName: every name in the tables parses to its value and
// is decoded under that name, but for those naming a value Decode reads
// another way (S_FALSE is 1: ERROR_INVALID_FUNCTION), which are refused
// with a reason saying so.
func TestParseEveryName(t *testing.T) {
	t.Parallel()
	left := 0
	for _, table := range nameTables {
		for _, e := range table {
			d := Decode(Code(e.value))
			shown := d.Name == e.name || d.Win32 != nil && d.Win32.Name == e.name && e.value <= 0xFFFF
			c, err := Parse(e.name)
			switch {
			case shown && (err != nil || uint32(c) != e.value):
				t.Errorf("Parse(%q) = %v, %v; want %#x", e.name, c, err, e.value)
			case !shown && err == nil:
				t.Errorf("Parse(%q) = %v, which Decode names %q", e.name, c, d.Name)
			case !shown:
				left++
				var pe *ParseError
				if !errors.As(err, &pe) || pe.Reason != ReasonUnknownName || !strings.Contains(pe.Detail, Code(e.value).String()) {
					t.Errorf("Parse(%q): %v; want %s saying it is %v", e.name, err, ReasonUnknownName, Code(e.value))
				}
			}
		}
	}
	t.Logf("%d names refused", left)
}
