package errcode

// Kinds reported in Decoded.Kind.
const (
	KindHRESULT  = "hresult"
	KindNTSTATUS = "ntstatus"
	KindWin32    = "win32"
	KindSuccess  = "success" // only 0: S_OK, ERROR_SUCCESS and STATUS_SUCCESS at once
)

// Relations reported in Equivalent.Relation.
const (
	RelationWin32   = "win32"   // the plain Win32 number inside a FACILITY_WIN32 HRESULT
	RelationHRESULT = "hresult" // HRESULT_FROM_WIN32 of a plain Win32 number
)

const (
	customerBit   = 0x20000000 // C: defined by a third party, not Microsoft
	ntBit         = 0x10000000 // N: HRESULT_FROM_NT wrapped an NTSTATUS
	facilityWin32 = 7
)

// Decoded describes a code's structure.
type Decoded struct {
	Code     string    `json:"code"`               // canonical
	Kind     string    `json:"kind"`               // one of the Kind* constants
	Severity string    `json:"severity"`           // "success","error" for HRESULT; "success","informational","warning","error" for NTSTATUS; "error" for win32
	Customer bool      `json:"customer"`           // the C bit
	Facility *Facility `json:"facility,omitempty"` // set for hresult and ntstatus kinds
	// CodeValue is the low 16 bits.
	CodeValue int `json:"codeValue"`
	// Name is the symbolic name of the whole value if the headers have one:
	// E_ACCESSDENIED, WU_E_PT_WINHTTP_NAME_NOT_RESOLVED, STATUS_ACCESS_VIOLATION,
	// ERROR_INSTALL_FAILURE for win32 1603, S_OK for 0.
	Name string `json:"name,omitempty"`
	// Win32 is set for FACILITY_WIN32 HRESULTs, plain win32 values and 0.
	Win32 *Win32 `json:"win32,omitempty"`
	// Description is one line of message text. The mingw-w64 headers carry no
	// message text, so it is empty until a message source is added.
	Description string `json:"description,omitempty"`
}

// Facility is the facility field of an HRESULT or NTSTATUS. The two formats
// number facilities differently, so Name comes from winerror.h for HRESULTs and
// from ntstatus.h for NTSTATUS values; it is empty when the headers have none.
type Facility struct {
	Number int    `json:"number"`
	Name   string `json:"name"`
}

// Win32 is a plain Win32 error number, e.g. 1603 ERROR_INSTALL_FAILURE.
type Win32 struct {
	Number int    `json:"number"`
	Name   string `json:"name,omitempty"`
}

// Decode describes c's bits and names. It never fails: unknown values still
// get their structure, just no names.
func Decode(c Code) Decoded {
	v := uint32(c)
	d := Decoded{
		Code:      c.String(),
		Kind:      kindOf(v),
		Customer:  v&customerBit != 0,
		CodeValue: int(v & 0xFFFF),
	}
	switch d.Kind {
	case KindSuccess:
		d.Severity = "success"
		d.Name = lookup(hresultNames, 0)
		d.Win32 = &Win32{Number: 0, Name: lookup(win32Names, 0)}
	case KindWin32:
		// Win32 numbers have no severity bits; every non-zero one is reported
		// as an error, as HRESULT_FROM_WIN32 would turn it into one.
		d.Severity = "error"
		d.Name = lookup(win32Names, v)
		d.Win32 = &Win32{Number: int(v), Name: d.Name}
	case KindNTSTATUS:
		s := v &^ ntBit // HRESULT_FROM_NT only adds the N bit
		d.Severity = [...]string{"success", "informational", "warning", "error"}[s>>30]
		fac := s >> 16 & 0xFFF
		d.Facility = &Facility{Number: int(fac), Name: lookup(ntFacilityNames, fac)}
		if d.Name = lookup(ntstatusNames, v); d.Name == "" {
			d.Name = lookup(ntstatusNames, s)
		}
	case KindHRESULT:
		d.Severity = "success"
		if v>>31 == 1 {
			d.Severity = "error"
		}
		// 13 bits, as HRESULT_FACILITY in winerror.h: FACILITY_AUDCLNT is 2185.
		fac := v >> 16 & 0x1FFF
		d.Facility = &Facility{Number: int(fac), Name: lookup(facilityNames, fac)}
		d.Name = lookup(hresultNames, v)
		if fac == facilityWin32 {
			d.Win32 = &Win32{Number: int(v & 0xFFFF), Name: lookup(win32Names, v&0xFFFF)}
		}
	}
	return d
}

// kindOf tells the formats apart by their bits:
//
//   - 0 is success in all three;
//   - up to 0xFFFF there are no facility or severity bits: a Win32 number;
//   - the N bit (0x10000000) marks an NTSTATUS wrapped by HRESULT_FROM_NT, and
//     top bits 01 (informational) or 11 (error, 0xC0000005) only occur in
//     NTSTATUS, because the HRESULT R bit (0x40000000) is reserved;
//   - top bits 00 or 10 (0x80070643) are read as an HRESULT, unless ntstatus.h
//     names the value and winerror.h does not: NTSTATUS warnings such as
//     STATUS_BUFFER_OVERFLOW (0x80000005) share the HRESULT error pattern.
func kindOf(v uint32) string {
	switch {
	case v == 0:
		return KindSuccess
	case v <= 0xFFFF:
		return KindWin32
	case v&ntBit != 0 || v>>30 == 1 || v>>30 == 3:
		return KindNTSTATUS
	case lookup(hresultNames, v) == "" && lookup(ntstatusNames, v) != "":
		return KindNTSTATUS
	}
	return KindHRESULT
}

// Equivalent is another code that means the same error.
type Equivalent struct {
	Code     Code
	Relation string // RelationWin32 or RelationHRESULT
}

// Equivalents returns the codes equivalent to c (not including c): 0x80070643 <-> 0x00000643 (Win32 1603).
// It returns nil when there are none. Only the exact HRESULT_FROM_WIN32
// pattern (0x8007xxxx) counts: a FACILITY_WIN32 code with other flag bits was
// not produced from a Win32 number.
func Equivalents(c Code) []Equivalent {
	v := uint32(c)
	switch {
	case v>>16 == 0x8007 && v&0xFFFF != 0:
		return []Equivalent{{Code: Code(v & 0xFFFF), Relation: RelationWin32}}
	case v != 0 && v <= 0xFFFF:
		return []Equivalent{{Code: Code(0x80070000 | v), Relation: RelationHRESULT}}
	}
	return nil
}

// nameEntry is one row of the generated tables in names_gen.go.
type nameEntry struct {
	value uint32
	name  string
}

// lookup binary-searches a table sorted by value; it does not allocate.
func lookup(t []nameEntry, v uint32) string {
	lo, hi := 0, len(t)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if t[m].value < v {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(t) && t[lo].value == v {
		return t[lo].name
	}
	return ""
}
