package store

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// articlesChannel is the NOTIFY channel every article write signals on, so
// replicas sharing the database drop what they cached.
const articlesChannel = "errdex_articles"

// Touched is what a write may have changed in lookup answers: the codes
// whose answers embed a written article, as it was or as it is now, or
// All. An answer embeds the articles filed under the codes it looked up,
// and with each of them the titles of the articles it links to (its
// related items' codes) and of those linking to it, so a write touches
// the codes of every article in either relation to what it wrote. A cache
// that drops the answers for these codes keeps every other one.
type Touched struct {
	Codes []string // canonical, sorted, distinct
	All   bool     // anything may have changed: drop every answer
}

// Merge adds what o touched to t.
func (t *Touched) Merge(o Touched) {
	if t.All || o.All {
		*t = Touched{All: true}
		return
	}
	t.Codes = slices.Compact(slices.Sorted(slices.Values(append(t.Codes, o.Codes...))))
}

// maxTouchedArticles bounds the writes whose touched codes are worked out:
// a bulk import touches most answers anyway, and naming them all would
// cost it two large queries.
const maxTouchedArticles = 100

// maxNotifyPayload keeps a notification under PostgreSQL's 8000-byte
// payload limit; a write touching more codes than fit notifies All.
const maxNotifyPayload = 7900

// touchedCodes returns the codes of the articles ids and of every article
// linking to them or linked from them by a related item: the codes whose
// answers embed any of ids' articles as they are now in tx.
func touchedCodes(ctx context.Context, tx pgx.Tx, ids []int64) ([]string, error) {
	rows, err := tx.Query(ctx, `
		WITH own AS (SELECT code FROM article_codes WHERE article_id = ANY($1)),
		     embedding AS (
		         SELECT r.article_id FROM related_items r WHERE r.codes && ARRAY(SELECT code FROM own)
		         UNION
		         SELECT c.article_id FROM related_items r JOIN article_codes c ON c.code = ANY (r.codes)
		          WHERE r.article_id = ANY($1))
		SELECT code FROM own
		UNION
		SELECT c.code FROM article_codes c WHERE c.article_id IN (SELECT article_id FROM embedding)`, ids)
	if err != nil {
		return nil, translate(err, "find touched codes")
	}
	codes, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return codes, translate(err, "find touched codes")
}

// notifyChanged signals, at commit, that the articles ids changed, and
// returns what that touched: the codes touchedCodes finds now with those
// found before the write (before), or All when there were too many
// articles to look (tooMany) or codes to name.
func notifyChanged(ctx context.Context, tx pgx.Tx, ids []int64, before []string, tooMany bool) (Touched, error) {
	t := Touched{All: true}
	payload := ""
	if !tooMany {
		after, err := touchedCodes(ctx, tx, ids)
		if err != nil {
			return Touched{}, err
		}
		t = Touched{}
		t.Merge(Touched{Codes: append(before, after...)})
		b, err := json.Marshal(t.Codes)
		if err != nil {
			return Touched{}, err
		}
		if len(b) <= maxNotifyPayload {
			payload = string(b)
		} else {
			t = Touched{All: true}
		}
	}
	_, err := tx.Exec(ctx, `SELECT pg_notify('`+articlesChannel+`', $1)`, payload)
	return t, translate(err, "notify article change")
}

// parseTouched reads a notification's payload: a JSON array of codes, or
// anything else (the empty payload of a write touching too much, or of an
// older errdex) for All.
func parseTouched(payload string) Touched {
	var codes []string
	if payload == "" || json.Unmarshal([]byte(payload), &codes) != nil {
		return Touched{All: true}
	}
	return Touched{Codes: codes}
}

// ListenArticleChanges calls changed with what every article write
// committed by any process touched, until ctx ends. It holds one
// connection of its own; when the connection is lost it reconnects, and
// calls changed with All, since writes made meanwhile went unseen. linked
// reports the link: true once listening (and changed has been called for
// what came before), false when it is lost, as it is when ctx ends.
func (s *Store) ListenArticleChanges(ctx context.Context, changed func(Touched), linked func(up bool), logger *slog.Logger) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := s.listen(ctx, changed, func() { backoff = 100 * time.Millisecond; linked(true) })
		linked(false)
		if ctx.Err() != nil {
			return
		}
		changed(Touched{All: true})
		logger.Warn("article change notifications lost; reconnecting", "err", err, "retry_in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

func (s *Store) listen(ctx context.Context, changed func(Touched), connected func()) error {
	pooled, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// A listening connection must not go back to the pool: take it out.
	conn := pooled.Hijack()
	defer conn.Close(context.WithoutCancel(ctx)) //nolint:errcheck // closing a dead link
	if _, err := conn.Exec(ctx, `LISTEN `+articlesChannel); err != nil {
		return err
	}
	changed(Touched{All: true}) // anything written before LISTEN took effect
	connected()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		changed(parseTouched(n.Payload))
	}
}
