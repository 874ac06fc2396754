// Package articles embeds the bundled knowledge base, so a fresh errdex
// serves useful answers with nothing but a database.
package articles

import "embed"

// FS holds ja/*.md and en/*.md.
//
//go:embed ja en
var FS embed.FS
