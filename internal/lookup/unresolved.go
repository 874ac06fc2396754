package lookup

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/errdex/errdex/internal/store"
)

// maxPending bounds the codes held between flushes, so a flood of distinct
// codes cannot grow memory without limit; past it new codes are dropped
// until the next flush (counts of known ones still grow).
const maxPending = 10000

// Recorder counts unresolved lookups in memory and flushes them to the store
// in the background, so recording costs a lookup one map update.
type Recorder struct {
	store  *store.Store
	logger *slog.Logger
	mu     sync.Mutex
	counts map[string]*store.Unresolved
	total  atomic.Uint64 // lookups recorded since start, for metrics
}

// NewRecorder returns a recorder writing to st.
func NewRecorder(st *store.Store, logger *slog.Logger) *Recorder {
	return &Recorder{store: st, logger: logger, counts: map[string]*store.Unresolved{}}
}

// Record counts one lookup of code that found no article.
func (r *Recorder) Record(code string, at time.Time) {
	r.total.Add(1)
	r.mu.Lock()
	defer r.mu.Unlock()
	if u, ok := r.counts[code]; ok {
		u.Count++
		u.LastSeen = at
		return
	}
	if len(r.counts) >= maxPending {
		return
	}
	r.counts[code] = &store.Unresolved{Code: code, Count: 1, FirstSeen: at, LastSeen: at}
}

// Total returns how many unresolved lookups were recorded since start,
// dropped ones included.
func (r *Recorder) Total() uint64 { return r.total.Load() }

// Flush writes the pending counts. On failure they are merged back, so a
// database outage delays the record but loses nothing.
func (r *Recorder) Flush(ctx context.Context) error {
	r.mu.Lock()
	pending := r.counts
	r.counts = map[string]*store.Unresolved{}
	r.mu.Unlock()
	if len(pending) == 0 {
		return nil
	}
	batch := make([]store.Unresolved, 0, len(pending))
	for _, u := range pending {
		batch = append(batch, *u)
	}
	if err := r.store.AddUnresolved(ctx, batch); err != nil {
		r.mu.Lock()
		for code, u := range pending {
			if cur, ok := r.counts[code]; ok {
				cur.Count += u.Count
				cur.FirstSeen = u.FirstSeen
			} else {
				r.counts[code] = u
			}
		}
		r.mu.Unlock()
		return err
	}
	return nil
}

// Run flushes every interval until ctx ends, then once more.
func (r *Recorder) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			if err := r.Flush(fctx); err != nil {
				r.logger.Warn("flush unresolved lookups at exit", "err", err)
			}
			cancel()
			return
		case <-t.C:
			if err := r.Flush(ctx); err != nil {
				r.logger.Warn("flush unresolved lookups", "err", err)
			}
		}
	}
}
