package store

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
)

// articlesChannel is the NOTIFY channel every article write signals on, so
// replicas sharing the database drop what they cached.
const articlesChannel = "errdex_articles"

// notifyChanged signals, at commit, that articles changed.
func notifyChanged(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `SELECT pg_notify('`+articlesChannel+`', '')`)
	return translate(err, "notify article change")
}

// ListenArticleChanges calls changed for every article write committed by
// any process, until ctx ends. It holds one connection of its own; when
// the connection is lost it reconnects, and calls changed once more, since
// writes made meanwhile went unseen. linked reports the link: true once
// listening (and changed has been called for what came before), false
// when it is lost, as it is when ctx ends.
func (s *Store) ListenArticleChanges(ctx context.Context, changed func(), linked func(up bool), logger *slog.Logger) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := s.listen(ctx, changed, func() { backoff = 100 * time.Millisecond; linked(true) })
		linked(false)
		if ctx.Err() != nil {
			return
		}
		changed()
		logger.Warn("article change notifications lost; reconnecting", "err", err, "retry_in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

func (s *Store) listen(ctx context.Context, changed, connected func()) error {
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
	changed() // anything written before LISTEN took effect
	connected()
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		changed()
	}
}
