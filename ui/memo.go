package ui

import "sync"

// Memo holds values worked out once for every caller that asks for the
// same key, for a while: two generations of up to size values each (a
// value is dropped once size newer ones have been asked for since it was
// last). A value being worked out is waited for, not worked out again.
// Consoles of one process share board frames through one (share.go), and
// their screen writers the bytes from one frame to the next (ssh/frame.go).
type Memo[K comparable, V any] struct {
	mu        sync.Mutex
	size      int
	cur, prev map[K]*memoEntry[V]
}

type memoEntry[V any] struct {
	done   chan struct{}
	v      V
	failed bool // work panicked: each caller makes its own
}

// NewMemo returns an empty Memo whose generations hold size values.
func NewMemo[K comparable, V any](size int) *Memo[K, V] {
	return &Memo[K, V]{size: size, cur: make(map[K]*memoEntry[V], size)}
}

// Get returns the value for k, calling work for it if no other caller has
// or is. If work panics, the panic goes on in its caller and those waiting
// for the value make their own.
func (c *Memo[K, V]) Get(k K, work func() V) V {
	c.mu.Lock()
	e, ok := c.cur[k]
	if !ok {
		if e, ok = c.prev[k]; ok {
			c.putLocked(k, e)
		}
	}
	if !ok {
		e = &memoEntry[V]{done: make(chan struct{})}
		c.putLocked(k, e)
	}
	c.mu.Unlock()
	if ok {
		<-e.done
		if e.failed {
			return work()
		}
		return e.v
	}
	defer func() {
		if r := recover(); r != nil { // not kept, and no one left waiting
			c.mu.Lock()
			if c.cur[k] == e {
				delete(c.cur, k)
			}
			c.mu.Unlock()
			e.failed = true
			close(e.done)
			panic(r)
		}
	}()
	e.v = work()
	close(e.done)
	return e.v
}

func (c *Memo[K, V]) putLocked(k K, e *memoEntry[V]) {
	if len(c.cur) >= c.size {
		c.prev, c.cur = c.cur, make(map[K]*memoEntry[V], c.size)
	}
	c.cur[k] = e
}

// Len is how many values it holds, in both generations.
func (c *Memo[K, V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.cur) + len(c.prev)
}
