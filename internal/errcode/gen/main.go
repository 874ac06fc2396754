// Command gen writes names_gen.go, the symbolic-name tables of package errcode,
// from the mingw-w64 copies of winerror.h, wuerror.h and ntstatus.h (Debian
// package mingw-w64-common). Only facts are taken: names and numbers.
//
// It is run by `go generate` in internal/errcode; the output is committed so
// that building errdex never needs the headers.
//
// When one value has several names the table keeps one, chosen so that the
// output never depends on map order:
//  1. a well-known COM name from preferred (E_FAIL, E_ACCESSDENIED, S_OK, ...)
//     wins, because that is what users search for;
//  2. otherwise the first definition in header order (winerror.h, wuerror.h,
//     ntstatus.h; then line order) wins, because the headers list the
//     original name before compatibility aliases.
package main

import (
	"bufio"
	"bytes"
	"cmp"
	"flag"
	"fmt"
	"go/format"
	"log"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// preferred names beat earlier definitions of the same value: the generic COM
// names are better known than the first header spelling (SEC_E_OK for 0).
var preferred = map[string]bool{
	"S_OK": true, "S_FALSE": true,
	"E_UNEXPECTED": true, "E_NOTIMPL": true, "E_OUTOFMEMORY": true,
	"E_INVALIDARG": true, "E_NOINTERFACE": true, "E_POINTER": true,
	"E_HANDLE": true, "E_ABORT": true, "E_FAIL": true,
	"E_ACCESSDENIED": true, "E_PENDING": true,
}

// table says which generated table a definition belongs to.
type table int

const (
	tNone table = iota
	tWin32
	tHRESULT
	tNTSTATUS
	tFacility
	tNTFacility
)

var tableVars = []struct {
	t    table
	name string
	doc  string
}{
	{tWin32, "win32Names", "win32Names maps Win32 error numbers (winerror.h ERROR_*, WSA*, RPC_S_*, DNS_*, ...) to names."},
	{tHRESULT, "hresultNames", "hresultNames maps HRESULT values (winerror.h, wuerror.h) to names."},
	{tNTSTATUS, "ntstatusNames", "ntstatusNames maps NTSTATUS values (ntstatus.h) to names."},
	{tFacility, "facilityNames", "facilityNames maps HRESULT facility numbers (winerror.h) to FACILITY_* names."},
	{tNTFacility, "ntFacilityNames", "ntFacilityNames maps NTSTATUS facility numbers (ntstatus.h) to FACILITY_* names."},
}

// def is one evaluated #define.
type def struct {
	name  string
	value uint32
	t     table
}

var (
	defineRE  = regexp.MustCompile(`^\s*#\s*define\s+([A-Za-z_][A-Za-z0-9_]*)\s+(.+?)\s*$`)
	wrapRE    = regexp.MustCompile(`^(_HRESULT_TYPEDEF_|__MSABI_LONG)\s*\((.*)\)$`)
	castRE    = regexp.MustCompile(`^\(\s*\(\s*(HRESULT|NTSTATUS|SCODE|LONG|DWORD)\s*\)\s*(.*)\)$`)
	fromW32RE = regexp.MustCompile(`^HRESULT_FROM_WIN32\s*\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)$`)
	plusRE    = regexp.MustCompile(`^\(\s*([A-Za-z0-9_]+)\s*\+\s*([A-Za-z0-9_]+)\s*\)$`)
	numberRE  = regexp.MustCompile(`^(0[xX][0-9a-fA-F]+|[0-9]+)[uUlL]*$`)
	identRE   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

func main() {
	include := flag.String("include", "/usr/share/mingw-w64/include", "directory holding winerror.h, wuerror.h and ntstatus.h")
	out := flag.String("o", "names_gen.go", "output file")
	verbose := flag.Bool("v", false, "log the names dropped because another name has the same value")
	flag.Parse()

	g := &generator{known: map[string]def{}, verbose: *verbose}
	for _, f := range []string{"winerror.h", "wuerror.h", "ntstatus.h"} {
		if err := g.readHeader(filepath.Join(*include, f)); err != nil {
			log.Fatal(err)
		}
	}
	src, err := format.Source(g.render())
	if err != nil {
		log.Fatalf("format output: %v", err)
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		log.Fatal(err)
	}
}

type generator struct {
	known   map[string]def // every evaluated name, for aliases like DNS_ERROR_NO_MEMORY
	defs    []def          // table entries in header order
	verbose bool
}

func (g *generator) logf(format string, args ...any) {
	if g.verbose {
		log.Printf(format, args...)
	}
}

func (g *generator) readHeader(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	file := filepath.Base(path)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		m := defineRE.FindStringSubmatch(stripComment(sc.Text()))
		if m == nil {
			continue
		}
		name, expr := m[1], m[2]
		if _, dup := g.known[name]; dup {
			continue // #ifndef-guarded repeats keep their first value
		}
		v, hr, ok := g.eval(expr)
		if !ok {
			continue // function-like or non-numeric macro
		}
		d := def{name: name, value: v}
		if !skipName(name) {
			d.t = classify(file, name, v, hr)
		}
		// Skipped names stay known: WSABASEERR is needed to evaluate WSAEINTR.
		g.known[name] = d
		if d.t != tNone {
			g.defs = append(g.defs, d)
		}
	}
	return sc.Err()
}

// classify picks the table for a definition. In winerror.h a bare decimal is a
// Win32 error number, while anything written as an HRESULT, or too big for a
// Win32 number, is an HRESULT.
func classify(file, name string, v uint32, hresultSyntax bool) table {
	switch {
	case strings.HasPrefix(name, "FACILITY_"):
		if v > 0x1FFF { // FACILITY_NT_BIT is a flag, not a facility
			return tNone
		}
		if file == "ntstatus.h" {
			return tNTFacility
		}
		return tFacility
	case file == "ntstatus.h":
		return tNTSTATUS
	case hresultSyntax || v > 0xFFFF:
		return tHRESULT
	default:
		return tWin32
	}
}

// skipName drops macros that name ranges, masks or header guards rather than
// one error.
func skipName(name string) bool {
	if strings.HasPrefix(name, "_") || strings.HasPrefix(name, "SEVERITY_") || strings.HasPrefix(name, "STATUS_SEVERITY_") {
		return true
	}
	for _, s := range []string{"_FIRST", "_LAST", "_BASE", "_MASK", "BASEERR"} {
		if strings.HasSuffix(name, s) {
			return true
		}
	}
	return false
}

// eval understands the few expression shapes the headers use. hr reports
// whether the spelling marks the value as an HRESULT.
func (g *generator) eval(expr string) (v uint32, hr bool, ok bool) {
	expr = strings.TrimSpace(expr)
	if m := wrapRE.FindStringSubmatch(expr); m != nil {
		v, hr, ok = g.eval(m[2])
		return v, hr || m[1] == "_HRESULT_TYPEDEF_", ok
	}
	if m := castRE.FindStringSubmatch(expr); m != nil {
		v, _, ok = g.eval(m[2])
		return v, m[1] != "NTSTATUS", ok
	}
	if m := fromW32RE.FindStringSubmatch(expr); m != nil {
		x, _, ok := g.eval(m[1])
		if ok && int32(x) > 0 {
			x = x&0xFFFF | 7<<16 | 0x80000000
		}
		return x, true, ok
	}
	if m := plusRE.FindStringSubmatch(expr); m != nil {
		a, ha, oka := g.eval(m[1])
		b, hb, okb := g.eval(m[2])
		return a + b, ha || hb, oka && okb
	}
	if m := numberRE.FindStringSubmatch(expr); m != nil {
		n, err := strconv.ParseUint(m[1], 0, 32)
		return uint32(n), false, err == nil
	}
	if identRE.MatchString(expr) {
		if d, found := g.known[expr]; found {
			return d.value, d.t == tHRESULT, true
		}
	}
	return 0, false, false
}

// stripComment removes /* */ and // comments on one line; a comment opened but
// not closed on the line is dropped to the end of the line.
func stripComment(line string) string {
	for {
		i := strings.Index(line, "/*")
		if i < 0 {
			break
		}
		j := strings.Index(line[i+2:], "*/")
		if j < 0 {
			line = line[:i]
			break
		}
		line = line[:i] + " " + line[i+2+j+2:]
	}
	if i := strings.Index(line, "//"); i >= 0 {
		line = line[:i]
	}
	return line
}

// pick keeps one name per value in t, by the rule in the package comment.
func (g *generator) pick(t table) []def {
	best := map[uint32]def{}
	for _, d := range g.defs {
		if d.t != t {
			continue
		}
		cur, seen := best[d.value]
		switch {
		case !seen:
			best[d.value] = d
		case preferred[d.name] && !preferred[cur.name]:
			best[d.value] = d
			g.logf("0x%08X: %s beats %s", d.value, d.name, cur.name)
		default:
			g.logf("0x%08X: %s beats %s", d.value, cur.name, d.name)
		}
	}
	out := make([]def, 0, len(best))
	for _, d := range best {
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b def) int { return cmp.Compare(a.value, b.value) })
	return out
}

func (g *generator) render() []byte {
	var b bytes.Buffer
	b.WriteString("// Code generated by gen; DO NOT EDIT.\n")
	b.WriteString("// Source: winerror.h, wuerror.h, ntstatus.h from mingw-w64-common (names and numbers only).\n\n")
	b.WriteString("package errcode\n")
	for _, tv := range tableVars {
		defs := g.pick(tv.t)
		fmt.Fprintf(&b, "\n// %s\n// Sorted by value for binary search; %d entries.\n", tv.doc, len(defs))
		fmt.Fprintf(&b, "var %s = []nameEntry{\n", tv.name)
		for _, d := range defs {
			if tv.t == tFacility || tv.t == tNTFacility || tv.t == tWin32 {
				fmt.Fprintf(&b, "{%d, %q},\n", d.value, d.name)
			} else {
				fmt.Fprintf(&b, "{0x%08X, %q},\n", d.value, d.name)
			}
		}
		b.WriteString("}\n")
	}
	return b.Bytes()
}
