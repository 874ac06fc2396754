package store

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/errdex/errdex/internal/article"
)

// articlesChannel is the NOTIFY channel every article write signals on, so
// replicas sharing the database drop what they cached.
const articlesChannel = "errdex_articles"

// Touched is what a write may have changed in lookup answers: the codes
// the written articles were and are filed under (Codes), and those their
// related items mentioned and mention (Mentions). An answer shows the
// articles filed under the code it looked up (or an equivalent) and, with
// each, the titles of the articles filed under the codes its related
// items mention and of those whose related items mention its codes. So it
// changes only if a write touched, in Codes, the code, an equivalent or a
// code a shown article's related items mention, or, in Mentions, a code a
// shown article is filed under (lookup.Result.DependsOn). Both sides are
// read from the articles themselves, never from the links between them,
// so a write racing another that links to it cannot leave a stale answer.
type Touched struct {
	Codes    []string // canonical, sorted, distinct
	Mentions []string // canonical, sorted, distinct
	All      bool     // anything may have changed: drop every answer
}

// Merge adds what o touched to t.
func (t *Touched) Merge(o Touched) {
	if t.All || o.All {
		*t = Touched{All: true}
		return
	}
	t.Codes = union(t.Codes, o.Codes)
	t.Mentions = union(t.Mentions, o.Mentions)
}

// union returns a's and b's strings, sorted and distinct; it may reuse a.
func union(a, b []string) []string {
	a = append(a, b...)
	slices.Sort(a)
	return slices.Compact(a)
}

// maxTouchedArticles bounds the writes whose touched codes are named: a
// bulk import touches most answers anyway, and naming them would cost it a
// large query and a payload past the limit.
const maxTouchedArticles = 100

// maxNotifyPayload keeps a notification under PostgreSQL's 8000-byte
// payload limit; a write touching more codes than fit notifies All.
const maxNotifyPayload = 7900

// storedTouched returns what the articles ids touch as stored in tx: the
// codes they are filed under and those their related items mention.
func storedTouched(ctx context.Context, tx pgx.Tx, ids []int64) (Touched, error) {
	rows, err := tx.Query(ctx, `
		SELECT false, code FROM article_codes WHERE article_id = ANY($1)
		UNION
		SELECT true, unnest(codes) FROM related_items WHERE article_id = ANY($1)`, ids)
	if err != nil {
		return Touched{}, translate(err, "read touched codes")
	}
	var t Touched
	var mention bool
	var code string
	_, err = pgx.ForEachRow(rows, []any{&mention, &code}, func() error {
		if mention {
			t.Mentions = append(t.Mentions, code)
		} else {
			t.Codes = append(t.Codes, code)
		}
		return nil
	})
	return t, translate(err, "read touched codes")
}

// touchedBy returns what writing arts touches: the codes they are filed
// under and those their related items mention.
func touchedBy(arts []*article.Article) Touched {
	var t Touched
	for _, a := range arts {
		t.Codes = append(t.Codes, a.Codes...)
		for _, r := range a.Related {
			t.Mentions = append(t.Mentions, r.Codes...)
		}
	}
	return t
}

// notification is a notification's payload.
type notification struct {
	Codes    []string `json:"codes"`
	Mentions []string `json:"mentions"`
}

// notifyChanged signals, at commit, that articles changed, touching t (as
// Merge leaves it: sorted, distinct), and returns what it signalled: t, or
// All when t is or does not fit.
func notifyChanged(ctx context.Context, tx pgx.Tx, t Touched) (Touched, error) {
	payload := ""
	if !t.All {
		b, err := json.Marshal(notification{Codes: t.Codes, Mentions: t.Mentions})
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

// parseTouched reads a notification's payload; anything but a JSON object
// (the empty payload of a write touching too much, or of an older errdex)
// is All.
func parseTouched(payload string) Touched {
	var n notification
	if payload == "" || json.Unmarshal([]byte(payload), &n) != nil {
		return Touched{All: true}
	}
	return Touched{Codes: n.Codes, Mentions: n.Mentions}
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
