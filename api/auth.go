package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/errdex/errdex/internal/article"
	"github.com/errdex/errdex/internal/store"
)

type tokenKey struct{}

// Problem types of authentication.
const (
	typeUnauthorized = "urn:errdex:problem:unauthorized"
	typeForbidden    = "urn:errdex:problem:forbidden"
)

// authenticate reads an optional bearer token. Reads stay public; a
// request carrying a bad token is refused rather than served anonymously,
// so a client learns at once that its token is wrong.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := headerValue(r.Header, "Authorization")
		if h == "" {
			next.ServeHTTP(w, r)
			return
		}
		// A refused token counts against the client's address, as rateLimit
		// (which it never reaches) would count it: guessing tokens spends
		// the same budget as any request, then gets 429.
		scheme, secret, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || secret == "" {
			if s.withinLimit(w, r) {
				unauthorized(w, r, "the Authorization header must be: Bearer TOKEN")
			}
			return
		}
		tok, err := s.store.Authenticate(r.Context(), strings.TrimSpace(secret))
		if err != nil {
			if article.KindOf(err) == article.KindNotFound {
				if s.withinLimit(w, r) {
					unauthorized(w, r, "the token is unknown or revoked")
				}
				return
			}
			s.writeError(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), tokenKey{}, tok)))
	})
}

// requireRole lets through only requests whose token has role (admins may
// do whatever editors may).
func requireRole(role string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tok, ok := tokenFrom(r.Context())
			if !ok {
				unauthorized(w, r, "this endpoint needs a bearer token")
				return
			}
			if tok.Role != role && tok.Role != store.RoleAdmin {
				writeProblem(w, r, Problem{Type: typeForbidden, Title: "Forbidden", Status: http.StatusForbidden,
					Detail: "this endpoint needs the " + role + " role"})
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

func tokenFrom(ctx context.Context) (store.Token, bool) {
	tok, ok := ctx.Value(tokenKey{}).(store.Token)
	return tok, ok
}

// isEditor reports whether the request may see drafts.
func isEditor(r *http.Request) bool {
	_, ok := tokenFrom(r.Context())
	return ok
}

func unauthorized(w http.ResponseWriter, r *http.Request, detail string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="errdex"`)
	writeProblem(w, r, Problem{Type: typeUnauthorized, Title: "Unauthorized", Status: http.StatusUnauthorized, Detail: detail})
}
