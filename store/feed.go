package store

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Feed tells subscribers that something changed. It carries no data: a
// signal means "reload". Each subscriber has a one-slot channel and sends
// never block, so a slow subscriber coalesces signals instead of delaying
// anyone.
type Feed struct {
	mu     sync.Mutex
	subs   map[chan struct{}]struct{}
	poll   bool
	closed bool
}

func newFeed() *Feed { return &Feed{subs: map[chan struct{}]struct{}{}} }

// Publish signals every subscriber without blocking.
func (f *Feed) Publish() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for ch := range f.subs {
		select {
		case ch <- struct{}{}:
		default: // a signal is already pending; it says the same
		}
	}
}

func (f *Feed) subscribe() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		close(ch)
		return ch, func() {}
	}
	f.subs[ch] = struct{}{}
	f.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			f.mu.Lock()
			if _, ok := f.subs[ch]; ok {
				delete(f.subs, ch)
				close(ch)
			}
			f.mu.Unlock()
		})
	}
}

func (f *Feed) polling() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.poll
}

func (f *Feed) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	for ch := range f.subs {
		close(ch)
		delete(f.subs, ch)
	}
}

// PollInterval is how often the store looks for writes by other processes.
const PollInterval = 100 * time.Millisecond

// Subscribe returns a channel that receives a signal after every change to
// the database, by this process or another, and a function to stop. The
// channel is closed when the store closes. The first subscriber starts the
// one poller of PRAGMA data_version this store runs.
func (s *Store) Subscribe() (<-chan struct{}, func()) {
	ch, cancel := s.feed.subscribe()
	s.pollOnce.Do(func() {
		select {
		case <-s.stop:
			return
		default:
		}
		s.feed.mu.Lock()
		s.feed.poll = true
		s.feed.mu.Unlock()
		go s.pollDataVersion()
	})
	return ch, cancel
}

// pollDataVersion watches PRAGMA data_version on a connection of its own:
// it changes when another connection (another process, or this process's
// writer) commits.
func (s *Store) pollDataVersion() {
	defer close(s.pollDone)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-s.stop
		cancel()
	}()
	conn, err := s.r.Conn(ctx)
	if err != nil {
		return
	}
	defer conn.Close()
	var last int64 = -1
	t := time.NewTicker(PollInterval)
	defer t.Stop()
	for {
		var v int64
		if err := conn.QueryRowContext(ctx, "PRAGMA data_version").Scan(&v); err == nil {
			// The first read also signals: a commit between Subscribe and
			// this read would otherwise go unseen. A spare reload is cheap.
			if v != last {
				// Another process may have moved the exercise clock.
				if err := s.loadSim(ctx); err != nil && ctx.Err() == nil {
					slog.Warn("reload exercise clock", "err", err)
				}
				s.feed.Publish()
			}
			last = v
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
