// Command minimal is the benchmark's ceiling for a Go server on net/http:
// it loads every DIR/CODE.json into memory at start and answers
// GET /errors/{code} with those bytes, and nothing else — no router, no
// middleware, no logging, no metrics.
//
// It runs with errdex's http.Server settings and writes its bodies as errdex
// does (internal/httpserver: header, write and idle timeouts, which any
// server facing clients needs and which cost net/http a little on every
// request, and WriteBody, which sends a large body in one burst); -bare
// serves with net/http's defaults and a header timeout only, and writes
// with a plain Write, as net/http's documentation shows.
//
// With -headers it also sends the header lines of a file on every response:
// given errdex's, it writes the same response as errdex, the ceiling the
// benchmark holds errdex to; without, what those headers cost net/http
// shows.
//
//	go run ./bench/minimal -addr 127.0.0.1:8082 -dir bodies/ [-headers FILE] [-bare]
package main

import (
	"flag"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/errdex/errdex/internal/httpserver"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8082", "listen address")
	dir := flag.String("dir", "", "folder of CODE.json response bodies")
	headersFile := flag.String("headers", "", `file of "Name: value" lines to send on every response too`)
	bare := flag.Bool("bare", false, "serve with net/http's defaults and a header timeout, not errdex's settings")
	flag.Parse()
	extra := http.Header{}
	if *headersFile != "" {
		b, err := os.ReadFile(*headersFile)
		if err != nil {
			log.Fatal(err)
		}
		for line := range strings.Lines(string(b)) {
			if name, value, ok := strings.Cut(line, ":"); ok {
				extra.Add(strings.TrimSpace(name), strings.TrimSpace(value))
			}
		}
	}
	files, err := filepath.Glob(filepath.Join(*dir, "*.json"))
	if err != nil || len(files) == 0 {
		log.Fatalf("no *.json in %q (%v)", *dir, err)
	}
	type response struct {
		body   []byte
		length []string
	}
	bodies := make(map[string]response, len(files))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			log.Fatal(err)
		}
		bodies[strings.TrimSuffix(filepath.Base(f), ".json")] = response{b, []string{strconv.Itoa(len(b))}}
	}
	contentType := []string{"application/json"}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /errors/{code}", func(w http.ResponseWriter, r *http.Request) {
		res, ok := bodies[r.PathValue("code")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		for name, values := range extra {
			h[name] = values
		}
		h["Content-Type"] = contentType
		h["Content-Length"] = res.length
		if *bare {
			w.Write(res.body) //nolint:errcheck // the client went away
		} else {
			httpserver.WriteBody(w, r, res.body) //nolint:errcheck // as errdex writes its answers
		}
	})
	var srv *http.Server
	if *bare {
		srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	} else {
		// Its handler sets no request deadline; the write timeout is the
		// 30 s errdex has with its default 10 s request timeout.
		srv = httpserver.New(mux, 0, nil)
	}
	srv.Addr = *addr
	log.Printf("minimal: %d bodies, %d extra headers, bare %v, listening on %s", len(bodies), len(extra), *bare, *addr)
	log.Fatal(srv.ListenAndServe())
}
