package api

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

// TestRequestContext holds the request's hand-made context.Context (its
// deadline timer starts only when something waits) to what
// context.WithDeadline would do: the deadline shows in Err without a
// timer, children are canceled when it passes, and ending the request
// cancels them.
func TestRequestContext(t *testing.T) {
	t.Parallel()
	newRequest := func(d time.Duration) *request {
		return &request{parent: context.Background(), id: "req-1", route: chi.NewRouteContext(), deadline: time.Now().Add(d)}
	}

	t.Run("values", func(t *testing.T) {
		q := newRequest(time.Minute)
		if q.Value(middleware.RequestIDKey) != "req-1" || chi.RouteContext(q) != q.route || requestID(q) != "req-1" {
			t.Error("request id or route context not found in the context")
		}
		type key struct{}
		child := context.WithValue(q, key{}, 7)
		if child.Value(key{}) != 7 || requestID(child) != "req-1" {
			t.Error("a derived context lost a value")
		}
	})

	t.Run("deadline without a timer", func(t *testing.T) {
		q := newRequest(20 * time.Millisecond)
		if err := q.Err(); err != nil {
			t.Fatalf("Err before the deadline = %v", err)
		}
		if q.timed.Load() != nil {
			t.Fatal("Err started the timer")
		}
		time.Sleep(30 * time.Millisecond)
		if err := q.Err(); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Err after the deadline = %v, want DeadlineExceeded", err)
		}
		if dl, ok := q.Deadline(); !ok || !dl.Equal(q.deadline) {
			t.Errorf("Deadline = %v, %v", dl, ok)
		}
	})

	t.Run("children canceled at the deadline", func(t *testing.T) {
		q := newRequest(20 * time.Millisecond)
		child, cancel := context.WithCancel(q)
		defer cancel()
		fired := make(chan struct{})
		stop := context.AfterFunc(q, func() { close(fired) })
		defer stop()
		select {
		case <-child.Done():
		case <-time.After(5 * time.Second):
			t.Fatal("child not canceled at the deadline")
		}
		if !errors.Is(child.Err(), context.DeadlineExceeded) {
			t.Errorf("child Err = %v, want DeadlineExceeded", child.Err())
		}
		select {
		case <-fired:
		case <-time.After(5 * time.Second):
			t.Fatal("AfterFunc did not run at the deadline")
		}
	})

	t.Run("end cancels", func(t *testing.T) {
		q := newRequest(time.Minute)
		child, cancel := context.WithCancel(q)
		defer cancel()
		q.end()
		select {
		case <-child.Done():
		case <-time.After(5 * time.Second):
			t.Fatal("child not canceled when the request ended")
		}
	})

	t.Run("parent canceled", func(t *testing.T) {
		parent, cancelParent := context.WithCancel(context.Background())
		q := &request{parent: parent, deadline: time.Now().Add(time.Minute)}
		child, cancel := context.WithCancel(q)
		defer cancel()
		cancelParent() // the client went away
		select {
		case <-child.Done():
		case <-time.After(5 * time.Second):
			t.Fatal("child not canceled with the parent")
		}
		if !errors.Is(q.Err(), context.Canceled) {
			t.Errorf("Err = %v, want Canceled", q.Err())
		}
	})

	t.Run("no deadline", func(t *testing.T) {
		q := &request{parent: context.Background()}
		if _, ok := q.Deadline(); ok || q.Done() != nil || q.Err() != nil {
			t.Error("a request without a deadline should behave as its parent")
		}
	})
}
