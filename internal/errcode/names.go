package errcode

import (
	"strings"
	"sync"
)

// codesByName maps the names Decode gives (E_ACCESSDENIED, ERROR_INSTALL_FAILURE,
// STATUS_ACCESS_VIOLATION, WU_E_NOT_APPLICABLE, ...) back to their codes: users
// paste a name as often as a number. A name Decode would not show for its
// value is left out, so that looking a name up answers with that name:
// S_FALSE is 1, which Decode reads as ERROR_INVALID_FUNCTION.
var codesByName = sync.OnceValue(func() map[string]Code {
	m := make(map[string]Code, len(win32Names)+len(hresultNames)+len(ntstatusNames))
	for _, t := range [][]nameEntry{win32Names, hresultNames, ntstatusNames} {
		for _, e := range t {
			d := Decode(Code(e.value))
			if d.Name == e.name || d.Win32 != nil && d.Win32.Name == e.name && e.value <= 0xFFFF {
				m[e.name] = Code(e.value)
			}
		}
	}
	return m
})

// named returns the code called name, in any letter case.
func named(name string) (Code, bool) {
	if c, ok := codesByName()[name]; ok {
		return c, true
	}
	for i := range len(name) {
		if !isAlnum(name[i]) && name[i] != '_' {
			return 0, false
		}
	}
	c, ok := codesByName()[strings.ToUpper(name)]
	return c, ok
}

// nameShaped reports whether s looks like a symbolic name (E_FAIL, WU_E_*,
// ERROR_*): ASCII letters, digits and underscores, with an underscore after
// a first part of letters only. "x8007_0643" is a code split by a separator,
// not a name.
func nameShaped(s string) bool {
	prefix, _, ok := strings.Cut(s, "_")
	if !ok || prefix == "" {
		return false
	}
	for i := range len(prefix) {
		if !isLetter(prefix[i]) {
			return false
		}
	}
	for i := range len(s) {
		if !isAlnum(s[i]) && s[i] != '_' {
			return false
		}
	}
	return true
}

// tableValue finds name in the tables, including the names codesByName
// leaves out. Only failed parses call it.
func tableValue(name string) (uint32, bool) {
	for _, t := range [][]nameEntry{win32Names, hresultNames, ntstatusNames} {
		for _, e := range t {
			if e.name == name {
				return e.value, true
			}
		}
	}
	return 0, false
}

// readAs says how Decode reads c: by its name, or by its kind.
func readAs(c Code) string {
	d := Decode(c)
	if d.Name != "" {
		return d.Name
	}
	return "an unnamed " + d.Kind + " code"
}
