// Package errcode parses, finds and decodes 32-bit Windows error codes:
// HRESULTs (0x80070643), NTSTATUS values (0xC0000005) and plain Win32 error
// numbers (1603).
//
// Parse is the one normalizer for every way a code enters errdex (import,
// lookup, search, the editor API), so that all of them agree on what a spelling
// means. Extract finds codes inside free text. Decode explains a code's bits
// and names it using tables generated from the mingw-w64 headers; Parse
// takes those names back (E_ACCESSDENIED), and ExtractWithNames finds them
// in a user's message.
package errcode

//go:generate go run ./gen -o names_gen.go

// Code is a 32-bit Windows error code (HRESULT, NTSTATUS, or a plain Win32 error number).
type Code uint32

const hexDigits = "0123456789abcdef"

// String returns the canonical form: "0x" + 8 lower-case hex digits, e.g. "0x80070643".
// Every stored and displayed code uses this form, so it is also the key to compare on.
func (c Code) String() string {
	var b [10]byte
	b[0], b[1] = '0', 'x'
	for i := 9; i >= 2; i-- {
		b[i] = hexDigits[c&0xF]
		c >>= 4
	}
	return string(b[:])
}
