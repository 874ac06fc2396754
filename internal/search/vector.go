package search

import (
	"strconv"
	"strings"
)

// Vector is a tsvector: lexemes in byte order, each with its positions
// packed as in Lexeme. Setweight and Concat do what PostgreSQL's
// setweight() and || do, position for position, so that errdex can join
// the Japanese and English halves of an article's vectors itself and
// hand PostgreSQL finished vectors.
type Vector []Lexeme

// Limits of a tsvector position list (MAXNUMPOS, MAXENTRYPOS - 1).
const (
	maxPositions = 256
	lastPos      = 1<<14 - 1
)

// Setweight returns v with every position's weight set to w (WeightA ...).
func (v Vector) Setweight(w byte) Vector {
	code := weightCode(w) << 14
	n := 0
	for _, l := range v {
		n += len(l.Positions)
	}
	slab := make([]uint16, 0, n) // one allocation for every lexeme's positions
	out := make(Vector, len(v))
	for i, l := range v {
		from := len(slab)
		for _, p := range l.Positions {
			slab = append(slab, p&lastPos|code)
		}
		out[i] = Lexeme{Word: l.Word, Positions: positionsOf(slab, from)}
	}
	return out
}

// positionsOf is slab[from:] as a lexeme's own list (nil when empty), capped
// so that appending to it cannot overwrite the next lexeme's.
func positionsOf(slab []uint16, from int) []uint16 {
	if len(slab) == from {
		return nil
	}
	return slab[from:len(slab):len(slab)]
}

// Concat returns a || b: b's positions come after a's last one (capped at
// the last position a tsvector holds), a lexeme in both keeps a's
// positions then b's, at most 256.
func Concat(a, b Vector) Vector {
	var shift uint16
	for _, l := range a {
		for _, p := range l.Positions {
			shift = max(shift, p&lastPos)
		}
	}
	n := 0 // positions written anew: b's, and a's where both have the lexeme
	for _, l := range b {
		n += len(l.Positions)
	}
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i].Word < b[j].Word:
			i++
		case b[j].Word < a[i].Word:
			j++
		default:
			n += len(a[i].Positions)
			i++
			j++
		}
	}
	slab := make([]uint16, 0, n)
	out := make(Vector, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || i < len(a) && a[i].Word < b[j].Word:
			out = append(out, a[i]) // shared: nothing appends to a lexeme's positions
			i++
		case i == len(a) || b[j].Word < a[i].Word:
			from := len(slab)
			slab = appendShifted(slab, from, b[j].Positions, shift)
			out = append(out, Lexeme{Word: b[j].Word, Positions: positionsOf(slab, from)})
			j++
		default:
			from := len(slab)
			slab = append(slab, a[i].Positions...)
			slab = appendShifted(slab, from, b[j].Positions, shift)
			out = append(out, Lexeme{Word: a[i].Word, Positions: positionsOf(slab, from)})
			i++
			j++
		}
	}
	return out
}

// appendShifted appends src's positions moved by shift to the lexeme
// whose positions are dst[from:], as PostgreSQL's add_pos does: it stops at
// 256 positions or once the last one is the highest a tsvector holds.
func appendShifted(dst []uint16, from int, src []uint16, shift uint16) []uint16 {
	for _, p := range src {
		if n := len(dst) - from; n >= maxPositions || n > 0 && dst[len(dst)-1]&lastPos == lastPos {
			break
		}
		pos := min(uint32(p&lastPos)+uint32(shift), lastPos)
		dst = append(dst, p&^lastPos|uint16(pos))
	}
	return dst
}

// quoteLexeme escapes a lexeme for tsvector text.
var quoteLexeme = strings.NewReplacer(`'`, `''`, `\`, `\\`)

// String gives v as tsvector text ('word':1A,2 ...), for tests and logs.
func (v Vector) String() string {
	var b strings.Builder
	for i, l := range v {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteByte('\'')
		b.WriteString(quoteLexeme.Replace(l.Word))
		b.WriteByte('\'')
		for k, p := range l.Positions {
			if k == 0 {
				b.WriteByte(':')
			} else {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(int(p & lastPos)))
			if w := p >> 14; w != 0 {
				b.WriteByte("DCBA"[w])
			}
		}
	}
	return b.String()
}
