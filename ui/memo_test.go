package ui

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// Callers asking at once for the same key get one value, worked out once.
func TestMemoWorksOutOnce(t *testing.T) {
	c := NewMemo[int, *int](4)
	var calls atomic.Int32
	release := make(chan struct{})
	got := make([]*int, 50)
	var wg sync.WaitGroup
	for i := range got {
		wg.Go(func() {
			got[i] = c.Get(7, func() *int {
				calls.Add(1)
				<-release // the others ask while this is under way
				v := 7
				return &v
			})
		})
	}
	for !waitingOn(c, 7) {
		runtime.Gosched()
	}
	close(release)
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Errorf("worked out %d times, want once", n)
	}
	for i, p := range got {
		if p != got[0] {
			t.Fatalf("caller %d got another value than caller 0", i)
		}
	}
}

// waitingOn reports whether k's value is under way or held.
func waitingOn[K comparable, V any](c *Memo[K, V], k K) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.cur[k]
	return ok
}

// A value stays while fewer than two generations of newer ones have been
// asked for since it was last; then it is worked out again.
func TestMemoKeepsTwoGenerations(t *testing.T) {
	c := NewMemo[int, int](3)
	calls := map[int]int{}
	get := func(k int) int {
		return c.Get(k, func() int { calls[k]++; return k * 10 })
	}
	for k := range 4 { // 0,1,2 fill the first generation; 3 starts the second
		get(k)
	}
	if get(0) != 0 || calls[0] != 1 {
		t.Errorf("key 0, one generation back: worked out %d times, want once", calls[0])
	}
	for k := 10; k < 16; k++ { // two generations newer than key 1
		get(k)
	}
	if get(1) != 10 || calls[1] != 2 {
		t.Errorf("key 1, two generations back: worked out %d times, want twice", calls[1])
	}
	if n := c.Len(); n > 6 {
		t.Errorf("holds %d values; two generations of 3 at most", n)
	}
}

// A panic working out a value goes on in the caller that worked it out;
// the value is not kept, and a later caller works it out itself.
func TestMemoPanicIsNotKept(t *testing.T) {
	c := NewMemo[string, string](4)
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v, want the panic", r)
			}
		}()
		c.Get("k", func() string { panic("boom") })
	}()
	if got := c.Get("k", func() string { return "v" }); got != "v" {
		t.Errorf("after a panic, Get = %q, want a value of its own", got)
	}
}
