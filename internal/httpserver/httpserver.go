// Package httpserver holds the net/http settings errdex serves with. The
// benchmark's minimal server (bench/minimal) uses them too, so that what it
// measures errdex against differs from errdex by errdex's own work only.
package httpserver

import (
	"log"
	"net/http"
	"time"
)

// New returns the server for h. Its write deadline outlasts requestTimeout
// (each request's own deadline, 0 for none) by 5 s, so a request that timed
// out still gets its answer written; it is never under 30 s, so a client
// that stops reading cannot hold a connection longer than that. It sets no
// ReadTimeout: the handler gives a request with a body its own deadline.
// It keeps each TCP connection in its requests' contexts, for WriteBody.
func New(h http.Handler, requestTimeout time.Duration, errorLog *log.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second, // to send a request's headers
		WriteTimeout:      max(30*time.Second, requestTimeout+5*time.Second),
		IdleTimeout:       120 * time.Second, // between requests on a kept-alive connection
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          errorLog,
		ConnContext:       withConn,
	}
}
