package store

import (
	"context"
	"time"
)

// Unresolved is a code that was looked up with no article.
type Unresolved struct {
	Code      string    `json:"code"`
	Count     int64     `json:"count"`
	FirstSeen time.Time `json:"firstSeen"`
	LastSeen  time.Time `json:"lastSeen"`
}

// AddUnresolved merges counts gathered in memory into the table, one
// statement for the whole batch.
func (s *Store) AddUnresolved(ctx context.Context, batch []Unresolved) error {
	if len(batch) == 0 {
		return nil
	}
	codes := make([]string, len(batch))
	counts := make([]int64, len(batch))
	first := make([]time.Time, len(batch))
	last := make([]time.Time, len(batch))
	for i, u := range batch {
		codes[i], counts[i], first[i], last[i] = u.Code, u.Count, u.FirstSeen, u.LastSeen
	}
	_, err := s.pool.Exec(ctx, `
		INSERT INTO unresolved_lookups (code, count, first_seen, last_seen)
		SELECT * FROM unnest($1::text[], $2::bigint[], $3::timestamptz[], $4::timestamptz[])
		ON CONFLICT (code) DO UPDATE SET
		    count = unresolved_lookups.count + EXCLUDED.count,
		    first_seen = least(unresolved_lookups.first_seen, EXCLUDED.first_seen),
		    last_seen = greatest(unresolved_lookups.last_seen, EXCLUDED.last_seen)`,
		codes, counts, first, last)
	return translate(err, "record unresolved lookups")
}

// TopUnresolved lists the most looked-up codes that have no article now.
func (s *Store) TopUnresolved(ctx context.Context, limit int) ([]Unresolved, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT u.code, u.count, u.first_seen, u.last_seen
		FROM unresolved_lookups u
		WHERE NOT EXISTS (
		    SELECT 1 FROM article_codes c JOIN articles a ON a.id = c.article_id
		    WHERE c.code = u.code AND a.status = 'published')
		ORDER BY u.count DESC, u.code
		LIMIT $1`, limit)
	if err != nil {
		return nil, translate(err, "list unresolved lookups")
	}
	out := []Unresolved{}
	for rows.Next() {
		var u Unresolved
		if err := rows.Scan(&u.Code, &u.Count, &u.FirstSeen, &u.LastSeen); err != nil {
			return nil, translate(err, "list unresolved lookups")
		}
		u.FirstSeen, u.LastSeen = u.FirstSeen.UTC(), u.LastSeen.UTC()
		out = append(out, u)
	}
	return out, translate(rows.Err(), "list unresolved lookups")
}
