package errcode

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestExtract(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		text string
		want []Match
	}{
		{"japanese around hex", "エラー0x80070643が出ます",
			[]Match{{0x80070643, "0x80070643", 9, 19}}},
		{"english, two codes", "Error 0x80070643 and 0x80070005.",
			[]Match{{0x80070643, "0x80070643", 6, 16}, {0x80070005, "0x80070005", 21, 31}}},
		{"duplicates kept", "0x1 0x1",
			[]Match{{1, "0x1", 0, 3}, {1, "0x1", 4, 7}}},
		{"prefix glued to a word", "error0x80070643",
			[]Match{{0x80070643, "0x80070643", 5, 15}}},
		{"suffix", "#define X 0x80070643L",
			[]Match{{0x80070643, "0x80070643L", 10, 21}}},
		{"short hex", "0x643で失敗",
			[]Match{{0x643, "0x643", 0, 5}}},
		{"bare 8 digits", "Windows Update 80070643 で失敗",
			[]Match{{0x80070643, "80070643", 15, 23}}},
		{"bare ntstatus", "例外コード C0000005。",
			[]Match{{0xC0000005, "C0000005", 16, 24}}},
		{"negative decimal", "hr=-2147023293, done",
			[]Match{{0x80070643, "-2147023293", 3, 14}}},
		{"negative decimal after japanese", "コード-2147023293です",
			[]Match{{0x80070643, "-2147023293", 9, 20}}},
		{"full-width hex", "エラー０ｘ８００７０６４３が",
			[]Match{{0x80070643, "０ｘ８００７０６４３", 9, 39}}},
		{"full-width negative", "（－２１４７０２３２９３）",
			[]Match{{0x80070643, "－２１４７０２３２９３", 3, 36}}},
		{"keyword エラー", "エラー 1603",
			[]Match{{0x643, "1603", 10, 14}}},
		{"keyword エラー glued", "エラー1603",
			[]Match{{0x643, "1603", 9, 13}}},
		{"keyword コード with full-width colon", "エラーコード：1603",
			[]Match{{0x643, "1603", 21, 25}}},
		{"keyword error code", "MSI error code: 1603 (2024)",
			[]Match{{0x643, "1603", 16, 20}}},
		{"keyword with equals", "Error=5",
			[]Match{{5, "5", 6, 7}}},
		{"keyword before unsigned decimal", "error 2147944003",
			[]Match{{0x80070643, "2147944003", 6, 16}}},
		{"keyword before 8 digits reads hex", "error 20240115",
			[]Match{{0x20240115, "20240115", 6, 14}}},
		{"cyrillic look-alike is a boundary", "0\u0445" + "80070643",
			[]Match{{0x80070643, "80070643", 3, 11}}},
		{"bare with hex letters", "hash a1b2c3d4",
			[]Match{{0xA1B2C3D4, "a1b2c3d4", 5, 13}}},
		{"split code yields the head", "0x8007 0643",
			[]Match{{0x8007, "0x8007", 0, 6}}},

		{"empty", "", nil},
		{"short numbers without keyword", "in 2024 we saw 1603 errors on 5 PCs", nil},
		{"unicode is not code", "Unicode 15", nil},
		{"version", "Windows 10.0.19045.3803", nil},
		{"date", "2024-01-15 and 20240115", nil},
		{"8 hex letters without digit", "deadbeef", nil},
		{"bare with low first digit", "id 12345678", nil},
		{"hex glued to letters", "0x8007064G", nil},
		{"digit glued before prefix", "10x80", nil},
		{"too many digits", "0x123456789 0x00007FF6A1B2C3D4", nil},
		{"KB number", "KB5034441", nil},
		{"hyphenated word is not a sign", "abc-2147023293", nil},
		{"small negative", "-123", nil},
		{"mixed width", "0x８００７０６４３", nil},
		{"9 bare hex digits", "800706431", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := Extract(tt.text)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Extract(%q) mismatch (-want +got):\n%s", tt.text, diff)
			}
		})
	}
}

func TestExtractWithNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		text string
		want []Match
	}{
		{"name and number in order", "it returned E_ACCESSDENIED, then 0x80070643",
			[]Match{{0x80070005, "E_ACCESSDENIED", 12, 26}, {0x80070643, "0x80070643", 33, 43}}},
		{"japanese around a win32 name", "ERROR_INSTALL_FAILUREで失敗",
			[]Match{{0x643, "ERROR_INSTALL_FAILURE", 0, 21}}},
		{"ntstatus name in parentheses", "crash (STATUS_ACCESS_VIOLATION)",
			[]Match{{0xC0000005, "STATUS_ACCESS_VIOLATION", 7, 30}}},
		{"lower case is prose", "e_accessdenied and error_success", nil},
		{"part of a longer word", "MY_E_ACCESSDENIED E_ACCESSDENIED_X", nil},
		{"a name left out", "S_FALSE", nil},
		{"words that name nothing", "ERROR and STATUS_UNKNOWN_THING", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, ExtractWithNames(tt.text)); diff != "" {
				t.Errorf("ExtractWithNames(%q) mismatch (-want +got):\n%s", tt.text, diff)
			}
			if got := Extract(tt.text); len(got) > 0 && tt.want != nil && got[0].Text == tt.want[0].Text {
				t.Errorf("Extract(%q) found the name %q", tt.text, got[0].Text)
			}
		})
	}
}
