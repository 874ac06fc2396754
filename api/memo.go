package api

import (
	"maps"
	"sync"
	"sync/atomic"
)

// memoEntries bounds a memo.
const memoEntries = 1024

// memo remembers what keys work out to, for reads on every request that
// take no lock: its map is replaced on each addition, never changed. It
// keeps at most memoEntries keys; past them values are worked out every
// time, so endless distinct keys cost what working them out costs, and no
// memory. work must give the same answer for the same key: two requests
// may work out a new key at once.
type memo[K comparable, V any] struct {
	work func(K) V
	m    atomic.Pointer[map[K]V]
	mu   sync.Mutex // serializes additions
}

// get returns what k works out to.
func (c *memo[K, V]) get(k K) V {
	if m := c.m.Load(); m != nil {
		if v, ok := (*m)[k]; ok {
			return v
		}
	}
	v := c.work(k)
	c.add(k, v)
	return v
}

func (c *memo[K, V]) add(k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.m.Load()
	if old != nil && len(*old) >= memoEntries {
		return
	}
	m := map[K]V{k: v}
	if old != nil {
		maps.Copy(m, *old)
	}
	c.m.Store(&m)
}
