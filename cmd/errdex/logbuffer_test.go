package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// writeRecorder keeps each Write it gets, as the file or pipe under
// stderr would see them.
type writeRecorder struct {
	mu     sync.Mutex
	writes []string
}

func (w *writeRecorder) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writes = append(w.writes, string(p))
	return len(p), nil
}

func (w *writeRecorder) all() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.writes, "")
}

func TestLogBufferKeepsLinesWholeAndInOrder(t *testing.T) {
	t.Parallel()
	rec := &writeRecorder{}
	b := newLogBuffer(rec, 256) // a few lines per buffer: many swaps
	const writers, lines = 8, 2000
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			for i := range lines {
				// Lines of varying length, some longer than the buffer.
				line := fmt.Sprintf("g%d %06d %s\n", g, i, strings.Repeat("x", (i*7)%300))
				if _, err := b.Write([]byte(line)); err != nil {
					t.Errorf("Write: %v", err)
				}
			}
		})
	}
	wg.Wait()
	if err := b.flush(); err != nil {
		t.Fatal(err)
	}

	for i, w := range rec.writes {
		if !strings.HasSuffix(w, "\n") {
			t.Fatalf("write %d ends inside a line: %q", i, w[max(0, len(w)-40):])
		}
	}
	next := make([]int, writers) // the line each writer's next one must be
	for _, line := range strings.Split(strings.TrimSuffix(rec.all(), "\n"), "\n") {
		var g, i int
		if _, err := fmt.Sscanf(line, "g%d %d", &g, &i); err != nil {
			t.Fatalf("mangled line %q: %v", line, err)
		}
		if want := fmt.Sprintf("g%d %06d %s", g, i, strings.Repeat("x", (i*7)%300)); line != want {
			t.Fatalf("got line %q, want %q", line, want)
		}
		if i != next[g] {
			t.Fatalf("writer %d: got line %d, want %d", g, i, next[g])
		}
		next[g]++
	}
	for g, n := range next {
		if n != lines {
			t.Errorf("writer %d: %d lines written out, want %d", g, n, lines)
		}
	}
}

func TestLogBufferFlushesWithinInterval(t *testing.T) {
	t.Parallel()
	rec := &writeRecorder{}
	b := newLogBuffer(rec, logBufferSize)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { b.flushEvery(ctx, 10*time.Millisecond); close(done) }()

	b.Write([]byte("first\n")) //nolint:errcheck // recorder never fails
	deadline := time.Now().Add(5 * time.Second)
	for rec.all() != "first\n" {
		if time.Now().After(deadline) {
			t.Fatalf("after 5 s, written %q, want %q", rec.all(), "first\n")
		}
		time.Sleep(time.Millisecond)
	}

	// At shutdown what is left goes out, however long the interval.
	b.Write([]byte("last\n")) //nolint:errcheck // recorder never fails
	cancel()
	<-done
	if got := rec.all(); got != "first\nlast\n" {
		t.Errorf("after shutdown, written %q, want %q", got, "first\nlast\n")
	}
}
