// Package migrations holds the PostgreSQL schema as golang-migrate SQL files,
// embedded so the errdex binary can migrate a database on its own.
package migrations

import "embed"

// FS holds every NNNNNN_name.{up,down}.sql file.
//
//go:embed *.sql
var FS embed.FS
