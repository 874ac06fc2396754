package errcode

import (
	"strings"
	"sync"
)

// nameTables are the generated tables of names, for the lookups by name.
var nameTables = [][]nameEntry{win32Names, hresultNames, ntstatusNames}

// codesByName maps the names Decode gives (E_ACCESSDENIED, ERROR_INSTALL_FAILURE,
// STATUS_ACCESS_VIOLATION, WU_E_NOT_APPLICABLE, ...) back to their codes: users
// paste a name as often as a number. A name Decode would not show for its
// value is left out, so that looking a name up answers with that name:
// S_FALSE is 1, which Decode reads as ERROR_INVALID_FUNCTION.
var codesByName = sync.OnceValue(func() map[string]Code {
	n := 0
	for _, t := range nameTables {
		n += len(t)
	}
	m := make(map[string]Code, n)
	for _, t := range nameTables {
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
	// ASCII only: strings.ToUpper turns the look-alikes ı and ſ into I
	// and S, and Parse refuses look-alikes.
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
	for _, t := range nameTables {
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

// closestName is the accepted name nearest to name (already in capitals),
// at most two edits away, or "": a typed name is often a letter off
// (ERROR_INSTAL_FAILURE). Only failed parses call it, and it compares only
// names that start with the same letter and are within two letters of its
// length: under 0.2 ms, the most for ERROR_ names, the commonest.
func closestName(name string) string {
	if name == "" {
		return ""
	}
	best, bestDist := "", 3
	rows := make([]int, 2*(len(name)+3))
	for _, t := range nameTables {
		for _, e := range t {
			if d := len(e.name) - len(name); d > 2 || d < -2 || e.name[0] != name[0] {
				continue
			}
			if d := editDistance(e.name, name, bestDist, rows); d < bestDist {
				if _, ok := codesByName()[e.name]; ok {
					best, bestDist = e.name, d
				}
			}
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b (bytes), or
// limit when it is limit or more. rows holds at least 2*(len(b)+1) ints.
func editDistance(a, b string, limit int, rows []int) int {
	prev, cur := rows[:len(b)+1], rows[len(b)+1:2*(len(b)+1)]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin >= limit {
			return limit
		}
		prev, cur = cur, prev
	}
	return min(prev[len(b)], limit)
}
