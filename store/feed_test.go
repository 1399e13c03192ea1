package store_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"sitrep/model"
	"sitrep/store"
)

const feedWait = 2 * time.Second

// waitSignal waits for a signal on ch, failing after feedWait.
func waitSignal(t *testing.T, ch <-chan struct{}, what string) time.Duration {
	t.Helper()
	start := time.Now()
	select {
	case _, ok := <-ch:
		if !ok {
			t.Fatalf("%s: the channel was closed instead", what)
		}
	case <-time.After(feedWait):
		t.Fatalf("%s: no signal within %v", what, feedWait)
	}
	return time.Since(start)
}

// drain empties a pending signal, if any.
func drain(ch <-chan struct{}) {
	select {
	case <-ch:
	default:
	}
}

// waitClosed waits for ch to be closed, reading any pending signal first.
func waitClosed(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	deadline := time.After(feedWait)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatalf("%s: the channel is still open after %v", what, feedWait)
		}
	}
}

func TestFeedSameStore(t *testing.T) {
	ctx := context.Background()
	st, _ := openStore(t)
	inc := declare(t, st, model.Declaration{})
	a, cancelA := st.Subscribe()
	defer cancelA()
	b, cancelB := st.Subscribe()
	defer cancelB()
	drain(a)
	drain(b)
	must(st.Note(ctx, member, inc.ID, "hello"))(t)
	waitSignal(t, a, "first subscriber")
	waitSignal(t, b, "second subscriber")

	// A refused write changes nothing, so it need not signal; a later
	// write still does.
	_, _ = st.Note(ctx, viewer, inc.ID, "refused")
	must(st.Note(ctx, member, inc.ID, "again"))(t)
	waitSignal(t, a, "after a refused write")
}

func TestFeedOtherProcess(t *testing.T) {
	ctx := context.Background()
	st, _ := openStore(t)
	inc := declare(t, st, model.Declaration{})
	// A second handle on the same file stands in for another process: it
	// shares nothing with st but the file.
	other, err := store.Open(ctx, st.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()

	ch, cancel := st.Subscribe()
	defer cancel()
	// The poller's first read always signals (a commit between Subscribe
	// and that read would otherwise go unseen): once it has come, the
	// poller holds its baseline.
	waitSignal(t, ch, "the poller's first read")
	for i := range 3 {
		must(other.Note(ctx, member, inc.ID, "from the other process"))(t)
		d := waitSignal(t, ch, "write by another handle")
		t.Logf("change %d reached the subscriber after %v", i, d)
	}
	if got := mustIncident(t, st, inc.ID); got.Version != 4 {
		t.Errorf("the first handle reads version %d; want 4", got.Version)
	}
}

func TestFeedUnreadSubscriberNeverBlocks(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, _ := openStore(t)
	inc := declare(t, st, model.Declaration{})
	ch, unsubscribe := st.Subscribe()
	defer unsubscribe()
	done := make(chan error, 1)
	go func() {
		for range 100 {
			if _, err := st.Note(ctx, member, inc.ID, "tick"); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-ctx.Done():
		t.Fatal("100 writes did not finish while a subscriber was not reading")
	}
	if n := len(ch); n != 1 {
		t.Errorf("%d signals pending; want them coalesced into 1", n)
	}
	if got := mustIncident(t, st, inc.ID); got.Version != 101 {
		t.Errorf("version %d after 100 notes", got.Version)
	}
}

func TestFeedCancel(t *testing.T) {
	ctx := context.Background()
	st, _ := openStore(t)
	inc := declare(t, st, model.Declaration{})
	ch, cancel := st.Subscribe()
	keep, cancelKeep := st.Subscribe()
	defer cancelKeep()
	cancel()
	waitClosed(t, ch, "cancelled subscription")
	cancel() // twice is harmless
	drain(keep)
	must(st.Note(ctx, member, inc.ID, "after cancel"))(t)
	waitSignal(t, keep, "remaining subscriber")
	if _, ok := <-ch; ok {
		t.Error("a cancelled subscription received a signal")
	}
}

func TestFeedCloseStopsEverything(t *testing.T) {
	ctx := context.Background()
	before := runtime.NumGoroutine()
	st, err := store.Open(ctx, t.TempDir()+"/f.db", store.WithClock(newClock(t0)))
	if err != nil {
		t.Fatal(err)
	}
	inc := declare(t, st, model.Declaration{})
	a, cancelA := st.Subscribe()
	b, _ := st.Subscribe()
	waitSignal(t, a, "the poller's first read") // the poller is running
	must(st.Note(ctx, member, inc.ID, "x"))(t)
	if err := st.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	waitClosed(t, a, "first subscriber")
	waitClosed(t, b, "second subscriber")
	cancelA() // after Close: harmless
	if err := st.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}
	late, cancelLate := st.Subscribe()
	waitClosed(t, late, "subscription after Close")
	cancelLate()

	deadline := time.Now().Add(2 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= before {
			break
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("%d goroutines before Open, %d after Close:\n%s", before, n, buf)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestFeedCloseWhileSubscribing(t *testing.T) {
	// Subscribe racing Close must neither start a poller Close misses nor
	// panic; run under -race.
	for range 20 {
		st, err := store.Open(context.Background(), t.TempDir()+"/r.db")
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			for range 5 {
				_, cancel := st.Subscribe()
				cancel()
			}
		}()
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
		<-done
	}
}
