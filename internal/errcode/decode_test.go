package errcode

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDecode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code Code
		want Decoded
	}{
		{0x80070643, Decoded{
			Code: "0x80070643", Kind: KindHRESULT, Severity: "error", CodeValue: 1603,
			Facility: &Facility{7, "FACILITY_WIN32"},
			Win32:    &Win32{1603, "ERROR_INSTALL_FAILURE"},
		}},
		{0x80070005, Decoded{
			Code: "0x80070005", Kind: KindHRESULT, Severity: "error", CodeValue: 5,
			Facility: &Facility{7, "FACILITY_WIN32"}, Name: "E_ACCESSDENIED",
			Win32: &Win32{5, "ERROR_ACCESS_DENIED"},
		}},
		{0x800F0922, Decoded{
			Code: "0x800f0922", Kind: KindHRESULT, Severity: "error", CodeValue: 0x922,
			Facility: &Facility{15, "FACILITY_SETUPAPI"},
		}},
		{0x80004005, Decoded{
			Code: "0x80004005", Kind: KindHRESULT, Severity: "error", CodeValue: 0x4005,
			Facility: &Facility{0, "FACILITY_NULL"}, Name: "E_FAIL",
		}},
		{0xC0000005, Decoded{
			Code: "0xc0000005", Kind: KindNTSTATUS, Severity: "error", CodeValue: 5,
			Facility: &Facility{0, ""}, Name: "STATUS_ACCESS_VIOLATION",
		}},
		{0x8024402C, Decoded{
			Code: "0x8024402c", Kind: KindHRESULT, Severity: "error", CodeValue: 0x402C,
			Facility: &Facility{36, "FACILITY_WINDOWSUPDATE"}, Name: "WU_E_PT_WINHTTP_NAME_NOT_RESOLVED",
		}},
		{0, Decoded{
			Code: "0x00000000", Kind: KindSuccess, Severity: "success", Name: "S_OK",
			Win32: &Win32{0, "ERROR_SUCCESS"},
		}},
		{1603, Decoded{
			Code: "0x00000643", Kind: KindWin32, Severity: "error", CodeValue: 1603,
			Name: "ERROR_INSTALL_FAILURE", Win32: &Win32{1603, "ERROR_INSTALL_FAILURE"},
		}},
		{10060, Decoded{ // WSA names are Win32 numbers too
			Code: "0x0000274c", Kind: KindWin32, Severity: "error", CodeValue: 10060,
			Name: "WSAETIMEDOUT", Win32: &Win32{10060, "WSAETIMEDOUT"},
		}},
		{0xFFFF, Decoded{ // unnamed win32 number
			Code: "0x0000ffff", Kind: KindWin32, Severity: "error", CodeValue: 0xFFFF,
			Win32: &Win32{0xFFFF, ""},
		}},
		{0x8007007A, Decoded{ // defined as HRESULT_FROM_WIN32(ERROR_INSUFFICIENT_BUFFER)
			Code: "0x8007007a", Kind: KindHRESULT, Severity: "error", CodeValue: 0x7A,
			Facility: &Facility{7, "FACILITY_WIN32"}, Name: "E_NOT_SUFFICIENT_BUFFER",
			Win32: &Win32{0x7A, "ERROR_INSUFFICIENT_BUFFER"},
		}},
		{0x00240005, Decoded{ // success HRESULT with a facility
			Code: "0x00240005", Kind: KindHRESULT, Severity: "success", CodeValue: 5,
			Facility: &Facility{36, "FACILITY_WINDOWSUPDATE"}, Name: "WU_S_REBOOT_REQUIRED",
		}},
		{0x88890004, Decoded{ // 13-bit facility; the name lives in audioclient.h, not read
			Code: "0x88890004", Kind: KindHRESULT, Severity: "error", CodeValue: 4,
			Facility: &Facility{2185, "FACILITY_AUDCLNT"},
		}},
		{0xA0070005, Decoded{ // customer bit
			Code: "0xa0070005", Kind: KindHRESULT, Severity: "error", CodeValue: 5, Customer: true,
			Facility: &Facility{7, "FACILITY_WIN32"}, Win32: &Win32{5, "ERROR_ACCESS_DENIED"},
		}},
		{0x80000005, Decoded{ // HRESULT bit pattern, but only ntstatus.h names it
			Code: "0x80000005", Kind: KindNTSTATUS, Severity: "warning", CodeValue: 5,
			Facility: &Facility{0, ""}, Name: "STATUS_BUFFER_OVERFLOW",
		}},
		{0xD0000005, Decoded{ // HRESULT_FROM_NT(STATUS_ACCESS_VIOLATION)
			Code: "0xd0000005", Kind: KindNTSTATUS, Severity: "error", CodeValue: 5,
			Facility: &Facility{0, ""}, Name: "STATUS_ACCESS_VIOLATION",
		}},
		{0x40000000, Decoded{
			Code: "0x40000000", Kind: KindNTSTATUS, Severity: "informational",
			Facility: &Facility{0, ""}, Name: "STATUS_OBJECT_NAME_EXISTS",
		}},
		{0x00010002, Decoded{
			Code: "0x00010002", Kind: KindNTSTATUS, Severity: "success", CodeValue: 2,
			Facility: &Facility{1, "FACILITY_DEBUGGER"}, Name: "DBG_CONTINUE",
		}},
		{0xC0190001, Decoded{ // NTSTATUS facility names come from ntstatus.h
			Code: "0xc0190001", Kind: KindNTSTATUS, Severity: "error", CodeValue: 1,
			Facility: &Facility{0x19, "FACILITY_TRANSACTION"}, Name: "STATUS_TRANSACTIONAL_CONFLICT",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.code.String(), func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, Decode(tt.code)); diff != "" {
				t.Errorf("Decode(%v) mismatch (-want +got):\n%s", tt.code, diff)
			}
		})
	}
}

// TestDecodeJSON pins the wire shape that api/ serves.
func TestDecodeJSON(t *testing.T) {
	t.Parallel()
	got, err := json.Marshal(Decode(0x80070643))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"code":"0x80070643","kind":"hresult","severity":"error","customer":false,` +
		`"facility":{"number":7,"name":"FACILITY_WIN32"},"codeValue":1603,` +
		`"win32":{"number":1603,"name":"ERROR_INSTALL_FAILURE"}}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestEquivalents(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code Code
		want []Equivalent
	}{
		{0x80070643, []Equivalent{{0x643, RelationWin32}}},
		{0x643, []Equivalent{{0x80070643, RelationHRESULT}}},
		{5, []Equivalent{{0x80070005, RelationHRESULT}}},
		{0xFFFF, []Equivalent{{0x8007FFFF, RelationHRESULT}}},
		{0, nil},          // HRESULT_FROM_WIN32(0) is 0 itself
		{0x80070000, nil}, // would map to ERROR_SUCCESS, which is not an error
		{0xA0070005, nil}, // customer bit: not made by HRESULT_FROM_WIN32
		{0x00070005, nil},
		{0x80004005, nil},
		{0xC0000005, nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, Equivalents(tt.code)); diff != "" {
			t.Errorf("Equivalents(%v) mismatch (-want +got):\n%s", tt.code, diff)
		}
	}
}

// TestNameTables guards the binary search: every table must be sorted with
// one entry per value.
func TestNameTables(t *testing.T) {
	t.Parallel()
	tables := map[string][]nameEntry{
		"win32Names": win32Names, "hresultNames": hresultNames, "ntstatusNames": ntstatusNames,
		"facilityNames": facilityNames, "ntFacilityNames": ntFacilityNames,
	}
	for name, tab := range tables {
		if len(tab) == 0 {
			t.Errorf("%s is empty", name)
		}
		for i, e := range tab {
			if e.name == "" {
				t.Errorf("%s[%d] has no name", name, i)
			}
			if i > 0 && tab[i-1].value >= e.value {
				t.Errorf("%s[%d] = %#x is not after %#x", name, i, e.value, tab[i-1].value)
			}
		}
	}
	for _, e := range win32Names {
		if e.value > 0xFFFF {
			t.Errorf("win32Names has %s = %#x, above 0xFFFF", e.name, e.value)
		}
	}
}

// TestNamesUpToDate regenerates names_gen.go when the mingw-w64 headers are
// installed, so an edit to gen/main.go cannot be committed without its output.
func TestNamesUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the generator")
	}
	const include = "/usr/share/mingw-w64/include"
	if _, err := os.Stat(filepath.Join(include, "winerror.h")); err != nil {
		t.Skip("mingw-w64-common headers not installed")
	}
	out := filepath.Join(t.TempDir(), "names_gen.go")
	cmd := exec.Command("go", "run", "./gen", "-include", include, "-o", out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run ./gen: %v\n%s", err, msg)
	}
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("names_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("names_gen.go is stale; run go generate ./internal/errcode")
	}
}

func BenchmarkDecode(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = Decode(0x80070643)
	}
}
