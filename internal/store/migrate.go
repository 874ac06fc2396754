package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/golang-migrate/migrate/v4"
	_ "github.com/golang-migrate/migrate/v4/database/pgx/v5" // registers pgx5://
	"github.com/golang-migrate/migrate/v4/source/iofs"

	"github.com/errdex/errdex/migrations"
)

// Migrator applies the embedded migrations to one database.
type Migrator struct {
	m   *migrate.Migrate
	dsn string
}

// NewMigrator prepares migrations for the database at dsn.
func NewMigrator(dsn string) (*Migrator, error) {
	src, err := iofs.New(migrations.FS, ".")
	if err != nil {
		return nil, fmt.Errorf("read embedded migrations: %w", err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	u.Scheme = "pgx5"
	m, err := migrate.NewWithSourceInstance("iofs", src, u.String())
	if err != nil {
		return nil, unavailable(fmt.Errorf("connect for migrations: %w", err))
	}
	return &Migrator{m: m, dsn: dsn}, nil
}

// Up applies every pending migration, then fills in what SQL alone cannot
// (the search rows of articles saved before search existed).
func (m *Migrator) Up() error {
	if err := m.m.Up(); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return fmt.Errorf("migrate up: %w", err)
	}
	return backfillSearch(context.Background(), m.dsn)
}

// Down reverts every migration.
func (m *Migrator) Down() error {
	if err := m.m.Down(); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return fmt.Errorf("migrate down: %w", err)
	}
	return nil
}

// Steps applies n migrations up (n > 0) or down (n < 0).
func (m *Migrator) Steps(n int) error {
	if err := m.m.Steps(n); err != nil {
		return fmt.Errorf("migrate %d steps: %w", n, err)
	}
	return nil
}

// Version reports the applied version and whether a migration failed midway.
func (m *Migrator) Version() (version uint, dirty bool, err error) {
	v, d, err := m.m.Version()
	if errors.Is(err, migrate.ErrNilVersion) {
		return 0, false, nil
	}
	return v, d, err
}

// Close releases the migrator's connection.
func (m *Migrator) Close() error {
	srcErr, dbErr := m.m.Close()
	return errors.Join(srcErr, dbErr)
}
