package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"strings"
	"time"

	"github.com/errdex/errdex/internal/article"
)

// Roles a token can carry. Admins can do everything editors can.
const (
	RoleEditor = "editor"
	RoleAdmin  = "admin"
)

// tokenPrefix makes errdex tokens recognisable in secret scanners.
const tokenPrefix = "edx_"

// Token describes a bearer token; the secret itself is never stored.
type Token struct {
	ID        int64      `json:"id"`
	Name      string     `json:"name"`
	Role      string     `json:"role"`
	CreatedAt time.Time  `json:"createdAt"`
	RevokedAt *time.Time `json:"revokedAt,omitempty"`
}

func hashToken(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// CreateToken stores a new token and returns its secret, shown only once.
// A name in use is KindConflict.
func (s *Store) CreateToken(ctx context.Context, name, role string) (string, Token, error) {
	if role != RoleEditor && role != RoleAdmin {
		return "", Token{}, article.Errorf(article.KindInvalid, "role must be editor or admin")
	}
	if strings.TrimSpace(name) == "" || len(name) > 100 {
		return "", Token{}, article.Errorf(article.KindInvalid, "name must be 1 to 100 characters")
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", Token{}, err
	}
	secret := tokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	t := Token{Name: name, Role: role}
	err := s.pool.QueryRow(ctx, `
		INSERT INTO tokens (name, role, hash) VALUES ($1, $2, $3)
		RETURNING id, created_at`, name, role, hashToken(secret)).Scan(&t.ID, &t.CreatedAt)
	if err != nil {
		return "", Token{}, translate(err, "token "+name)
	}
	return secret, t, nil
}

// Authenticate returns the live token whose secret is given, or
// KindNotFound. The lookup is by hash, so timing reveals nothing of the
// secret; the final comparison is constant-time all the same.
func (s *Store) Authenticate(ctx context.Context, secret string) (Token, error) {
	want := hashToken(secret)
	var t Token
	var got []byte
	err := s.pool.QueryRow(ctx, `
		SELECT id, name, role, created_at, hash FROM tokens
		WHERE hash = $1 AND revoked_at IS NULL`, want).Scan(&t.ID, &t.Name, &t.Role, &t.CreatedAt, &got)
	if err != nil {
		return Token{}, translate(err, "token")
	}
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return Token{}, article.Errorf(article.KindNotFound, "token not found")
	}
	return t, nil
}

// Tokens lists every token, revoked ones included.
func (s *Store) Tokens(ctx context.Context) ([]Token, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, name, role, created_at, revoked_at FROM tokens ORDER BY id`)
	if err != nil {
		return nil, translate(err, "list tokens")
	}
	var out []Token
	for rows.Next() {
		var t Token
		if err := rows.Scan(&t.ID, &t.Name, &t.Role, &t.CreatedAt, &t.RevokedAt); err != nil {
			return nil, translate(err, "list tokens")
		}
		out = append(out, t)
	}
	return out, translate(rows.Err(), "list tokens")
}

// RevokeToken revokes the token named name; KindNotFound if none is live.
func (s *Store) RevokeToken(ctx context.Context, name string) error {
	tag, err := s.pool.Exec(ctx, `UPDATE tokens SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL`, name)
	if err != nil {
		return translate(err, "revoke token")
	}
	if tag.RowsAffected() == 0 {
		return article.Errorf(article.KindNotFound, "no live token named %q", name)
	}
	return nil
}
