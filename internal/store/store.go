// Package store keeps errdex's articles in PostgreSQL through pgx. It
// translates database facts into domain facts: a missing row is
// article.KindNotFound, a unique violation article.KindConflict.
package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/errdex/errdex/internal/article"
)

// DefaultURL is the database errdex uses when none is configured.
const DefaultURL = "postgres://postgres:postgres@localhost:5432/errdex?sslmode=disable"

// Store is the PostgreSQL store of record.
type Store struct {
	pool        *pgxpool.Pool
	searchStats searchStats // search.go
}

// Open connects a pool to the database at dsn. It does not wait for the
// database: a store opened while PostgreSQL is down starts working when it
// comes back.
func Open(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, article.Errorf(article.KindInvalid, "invalid database URL: %v", err)
	}
	// Fail fast and heal by itself when PostgreSQL goes away: a dial to a
	// dead server gives up quickly (unless the URL sets connect_timeout),
	// and dead idle connections are found between requests, not by them.
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	}
	cfg.HealthCheckPeriod = 10 * time.Second
	return OpenConfig(ctx, cfg)
}

// OpenConfig opens a store on a pool configured by the caller (a tracer,
// pool sizes).
func OpenConfig(ctx context.Context, cfg *pgxpool.Config) (*Store, error) {
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open pool: %w", err)
	}
	return &Store{pool: pool}, nil
}

// Close closes every connection of the pool.
func (s *Store) Close() { s.pool.Close() }

// Pool exposes the pool for metrics and tests.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Analyze refreshes, inside tx, the planner's statistics on what lookups
// and lists join and filter on: after a bulk write, until autovacuum gets
// to it, the old ones can make a lookup hundreds of times slower. It
// samples a tenth of what autovacuum does (35 ms instead of 112 ms for
// 10,000 articles): rough figures are enough to plan lookups by key, and
// autovacuum's ANALYZE refines them later. (Search does without: it reads
// its own statistics when they are there.)
func Analyze(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `SET LOCAL default_statistics_target = 10`)
	if err == nil {
		_, err = tx.Exec(ctx, `ANALYZE article_codes, related_items, articles (id, slug, lang, status, tags, updated_at)`)
	}
	if err == nil {
		_, err = tx.Exec(ctx, `SET LOCAL default_statistics_target TO DEFAULT`)
	}
	return translate(err, "analyze")
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return unavailable(err)
	}
	return nil
}

// EnsureDatabase creates the database named in dsn if it does not exist, by
// connecting to the server's "postgres" database.
func EnsureDatabase(ctx context.Context, dsn string) error {
	u, err := url.Parse(dsn)
	if err != nil {
		return article.Errorf(article.KindInvalid, "invalid database URL: %v", err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	if name == "" {
		return article.Errorf(article.KindInvalid, "database URL names no database")
	}
	admin := *u
	admin.Path = "/postgres"
	conn, err := pgx.Connect(ctx, admin.String())
	if err != nil {
		return unavailable(err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return fmt.Errorf("look up database %q: %w", name, err)
	}
	if exists {
		return nil
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P04" { // created meanwhile by another replica
		return nil
	}
	if err != nil {
		return fmt.Errorf("create database %q: %w", name, err)
	}
	return nil
}

// unavailable marks connection-level failures so the API answers 503.
func unavailable(err error) error {
	return &article.Error{Kind: article.KindUnavailable, Message: "database unavailable", Err: err}
}

// translate maps database errors to domain errors.
func translate(err error, what string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return &article.Error{Kind: article.KindNotFound, Message: what + " not found", Err: err}
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505":
			return &article.Error{Kind: article.KindConflict, Message: what + " already exists", Err: err}
		case "23514", "23502", "22001", "22P02":
			return &article.Error{Kind: article.KindInvalid, Message: what + " violates a constraint: " + pgErr.ConstraintName, Err: err}
		case "57P01", "57P02", "57P03", "53300":
			return unavailable(fmt.Errorf("%s: %w", what, err))
		}
		return fmt.Errorf("%s: %w", what, err)
	}
	if pgconn.SafeToRetry(err) || pgconn.Timeout(err) || isConnErr(err) {
		return unavailable(fmt.Errorf("%s: %w", what, err))
	}
	return fmt.Errorf("%s: %w", what, err)
}

// isConnErr reports failures of the connection rather than of the
// statement: a dial that failed, a connection cut mid-statement (EOF,
// reset) or a deadline.
func isConnErr(err error) bool {
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed)
}
