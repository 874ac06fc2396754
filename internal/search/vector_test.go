package search_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/errdex/errdex/internal/search"
	"github.com/errdex/errdex/internal/testdb"
)

// randomVector makes a tsvector with the awkward cases: lexemes without
// positions, more than 256 positions, positions near the 16383 limit.
func randomVector(r *rand.Rand, words []string) search.Vector {
	var v search.Vector
	for _, w := range words {
		if r.IntN(3) == 0 {
			continue
		}
		var pos []uint16
		switch r.IntN(5) {
		case 0: // none
		case 1: // many, reaching the limit
			for p := 16383 - r.IntN(300); p <= 16383; p += 1 + r.IntN(2) {
				pos = append(pos, uint16(p)|uint16(r.IntN(4))<<14)
			}
		default:
			p := 0
			for range 1 + r.IntN(300) {
				p += 1 + r.IntN(40)
				if p > 16383 {
					break
				}
				pos = append(pos, uint16(p)|uint16(r.IntN(4))<<14)
			}
		}
		if len(pos) > 256 {
			pos = pos[:256]
		}
		v = append(v, search.Lexeme{Word: w, Positions: pos})
	}
	return v
}

// TestVectorOpsMatchPostgres holds Setweight and Concat to what
// PostgreSQL's setweight() and || give for the same vectors.
func TestVectorOpsMatchPostgres(t *testing.T) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, testdb.URL(t))
	if err != nil {
		t.Fatalf("connect to PostgreSQL: %v", err)
	}
	defer conn.Close(ctx)
	words := []string{"a", "b", "it's", `back\slash`, "失敗", "失", "更新", "zz", "権限", "x1"}
	slices.Sort(words) // a tsvector's order
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 300 {
		a, b := randomVector(r, words), randomVector(r, words)
		var wantCat, wantWeighted string
		err := conn.QueryRow(ctx, `SELECT ($1::tsvector || $2::tsvector)::text, setweight($2::tsvector, 'B')::text`,
			a.String(), b.String()).Scan(&wantCat, &wantWeighted)
		if err != nil {
			t.Fatal(err)
		}
		if got := search.Concat(a, b).String(); got != wantCat {
			t.Fatalf("case %d: Concat differs from ||\n a %.300s…\n b %.300s…\ngot  %.600s…\nwant %.600s…", i, a, b, got, wantCat)
		}
		if got := b.Setweight(search.WeightB).String(); got != wantWeighted {
			t.Fatalf("case %d: Setweight differs\n b %.300s…\ngot  %.600s…\nwant %.600s…", i, b, got, wantWeighted)
		}
	}
}
