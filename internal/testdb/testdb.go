// Package testdb gives each test its own PostgreSQL database, cloned from a
// template migrated once per test binary: isolated, parallel-safe and fast
// (CREATE DATABASE ... TEMPLATE copies files instead of replaying SQL).
package testdb

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/errdex/errdex/internal/store"
	"github.com/errdex/errdex/migrations"
)

// ServerURL is the server tests use: TEST_DATABASE_URL, else the local default.
func ServerURL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return store.DefaultURL
}

var (
	templateOnce sync.Once
	templateName string
	templateErr  error
	counter      atomic.Int64
)

// URL creates a fresh migrated database for t, dropped when t ends, and
// returns its URL.
func URL(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	templateOnce.Do(func() { templateName, templateErr = prepareTemplate(ctx) })
	if templateErr != nil {
		t.Fatalf("prepare template database: %v", templateErr)
	}
	name := fmt.Sprintf("errdex_test_%d_%d", os.Getpid(), counter.Add(1))
	if err := adminExec(ctx, fmt.Sprintf(`CREATE DATABASE %s TEMPLATE %s`, ident(name), ident(templateName))); err != nil {
		t.Fatalf("clone test database: %v", err)
	}
	t.Cleanup(func() {
		if err := adminExec(context.Background(), `DROP DATABASE IF EXISTS `+ident(name)+` WITH (FORCE)`); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
	})
	return withDatabase(ServerURL(), name)
}

// Store opens a store on a fresh database for t, closed when t ends.
func Store(t testing.TB) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), URL(t))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// prepareTemplate migrates a template database named after the migrations'
// content, so a changed schema gets a new template and an unchanged one is
// reused across test binaries.
func prepareTemplate(ctx context.Context) (string, error) {
	sum, err := migrationsHash()
	if err != nil {
		return "", err
	}
	name := "errdex_tmpl_" + sum[:16]
	conn, err := pgx.Connect(ctx, withDatabase(ServerURL(), "postgres"))
	if err != nil {
		return "", fmt.Errorf("connect to %s: %w", ServerURL(), err)
	}
	defer conn.Close(ctx)
	// Test binaries of several packages run at once: serialize template creation.
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(4242)`); err != nil {
		return "", fmt.Errorf("lock: %w", err)
	}
	defer conn.Exec(ctx, `SELECT pg_advisory_unlock(4242)`) //nolint:errcheck // released on close anyway
	var ready bool
	err = conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate)`, name).Scan(&ready)
	if err != nil {
		return "", fmt.Errorf("look up template: %w", err)
	}
	if ready {
		return name, nil
	}
	if _, err := conn.Exec(ctx, `DROP DATABASE IF EXISTS `+ident(name)+` WITH (FORCE)`); err != nil {
		return "", fmt.Errorf("drop stale template: %w", err)
	}
	if _, err := conn.Exec(ctx, `CREATE DATABASE `+ident(name)); err != nil {
		return "", fmt.Errorf("create template: %w", err)
	}
	m, err := store.NewMigrator(withDatabase(ServerURL(), name))
	if err != nil {
		return "", err
	}
	if err := m.Up(); err != nil {
		m.Close()
		return "", err
	}
	if err := m.Close(); err != nil {
		return "", err
	}
	if _, err := conn.Exec(ctx, `ALTER DATABASE `+ident(name)+` WITH is_template true ALLOW_CONNECTIONS false`); err != nil {
		return "", fmt.Errorf("mark template: %w", err)
	}
	return name, nil
}

func migrationsHash() (string, error) {
	h := sha256.New()
	err := fs.WalkDir(migrations.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrations.FS, path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%s\x00", path, b)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("hash migrations: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func adminExec(ctx context.Context, sql string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, withDatabase(ServerURL(), "postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

func withDatabase(server, name string) string {
	u, err := url.Parse(server)
	if err != nil {
		panic(fmt.Sprintf("TEST_DATABASE_URL %q: %v", server, err))
	}
	u.Path = "/" + name
	return u.String()
}

func ident(name string) string { return pgx.Identifier{strings.ToLower(name)}.Sanitize() }
