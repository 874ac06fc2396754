package main

import (
	"context"
	"io"
	"sync"
	"time"
)

// logFlushInterval is how long a log line of serve may wait in logBuffer.
const logFlushInterval = 100 * time.Millisecond

// logBufferSize is the size of each of logBuffer's two buffers.
const logBufferSize = 64 << 10

// logBuffer gathers serve's log lines into fewer writes: the access log
// writes a line per request, and a write system call for each was 5-15 %
// of a cached lookup's CPU (BENCHMARKS.md). Lines go out whole and in
// order, within logFlushInterval, and at shutdown.
//
// It has two buffers. When a line does not fit, the goroutine logging it
// swaps in the spare and writes the full one out itself, after letting go
// of the lock every logging goroutine takes: the others go on logging
// into the spare instead of waiting for the write.
type logBuffer struct {
	mu  sync.Mutex // guards buf
	buf []byte

	out   sync.Mutex // held while writing to w; taken with mu held, so buffers go out in order
	spare []byte     // guarded by out
	w     io.Writer
}

func newLogBuffer(w io.Writer, size int) *logBuffer {
	return &logBuffer{w: w, buf: make([]byte, 0, size), spare: make([]byte, 0, size)}
}

// Write buffers p, one whole log line. An error is from writing out
// earlier lines; p itself is kept.
func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	if len(b.buf) == 0 || len(b.buf)+len(p) <= cap(b.buf) {
		b.buf = append(b.buf, p...)
		b.mu.Unlock()
		return len(p), nil
	}
	full := b.take()
	b.buf = append(b.buf, p...)
	b.mu.Unlock()
	return len(p), b.writeOut(full)
}

// flush writes out what is buffered.
func (b *logBuffer) flush() error {
	b.mu.Lock()
	if len(b.buf) == 0 {
		b.mu.Unlock()
		return nil
	}
	full := b.take()
	b.mu.Unlock()
	return b.writeOut(full)
}

// take, with mu held, swaps the spare in for the filled buffer and returns
// that, holding out until writeOut has written it.
func (b *logBuffer) take() []byte {
	b.out.Lock()
	full := b.buf
	b.buf, b.spare = b.spare[:0], nil
	return full
}

func (b *logBuffer) writeOut(full []byte) error {
	defer b.out.Unlock()
	_, err := b.w.Write(full)
	b.spare = full[:0]
	return err
}

// flushEvery flushes b every d until ctx ends, and once more then.
func (b *logBuffer) flushEvery(ctx context.Context, d time.Duration) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			b.flush() //nolint:errcheck // nowhere to report a failed log write
			return
		case <-t.C:
			b.flush() //nolint:errcheck // nowhere to report a failed log write
		}
	}
}
