package httpserver

import (
	"context"
	"net"
	"net/http"
	"syscall"
)

// corkFrom is the smallest body WriteBody corks the connection for. net/http
// buffers a connection's output 4 KiB at a time, so a body of this size
// always goes out in two writes or more; and as it is larger than the 2 KiB
// net/http holds back to decide between Content-Length and chunked
// encoding, flushing it early does not change how the response is framed.
const corkFrom = 4 << 10

// connKey holds a request's connection (a syscall.RawConn) in its context.
type connKey struct{}

func withConn(ctx context.Context, c net.Conn) context.Context {
	if tc, ok := c.(*net.TCPConn); ok {
		if rc, err := tc.SyscallConn(); err == nil {
			return context.WithValue(ctx, connKey{}, rc)
		}
	}
	return ctx
}

// WriteBody writes body, the whole of the response's body, to w. On a TCP
// connection of a server made by New, a body of corkFrom bytes or more
// leaves in one burst. net/http sends a 9 KiB answer in two writes, its 4
// KiB buffer (headers first) and then the rest; each wakes the client, and
// on a network each ends in a short segment. With the socket corked
// (TCP_CORK) across both, the kernel sends full segments and wakes the
// client once, as nginx does for its static files (tcp_nopush). Under make
// bench's load errdex answers 1.14× the requests per second with it, and
// the minimal server 1.19× (BENCHMARKS.md, session 13).
//
// Anywhere else (a small body, a HEAD request, another kind of connection,
// another server, a system without TCP_CORK) it is w.Write(body). A
// ResponseWriter that holds the body back must implement FlushError: the
// flush WriteBody makes would otherwise reach the connection through its
// Unwrap and send the headers early.
func WriteBody(w http.ResponseWriter, r *http.Request, body []byte) (int, error) {
	if !canCork || len(body) < corkFrom || r.Method == http.MethodHead {
		return w.Write(body)
	}
	rc, _ := r.Context().Value(connKey{}).(syscall.RawConn)
	if rc == nil {
		return w.Write(body)
	}
	if rc.Control(cork) != nil {
		return w.Write(body) // the connection is closed
	}
	// Were the uncork never made, the kernel would send what it holds
	// within 200 ms; made, it sends it at once.
	defer rc.Control(uncork) //nolint:errcheck // closed: nothing to send
	n, err := w.Write(body)
	if err == nil {
		// Out of net/http's buffer now, while the socket is still corked.
		err = http.NewResponseController(w).Flush()
	}
	return n, err
}
