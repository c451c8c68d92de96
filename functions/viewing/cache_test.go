package main

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is a settable clock for cache expiry tests.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// countingFetch returns a fetch function that counts its calls per uid.
func countingFetch(counts map[string]*atomic.Int64, uid string) func(context.Context) (assetInfo, error) {
	if counts[uid] == nil {
		counts[uid] = new(atomic.Int64)
	}
	n := counts[uid]
	return func(context.Context) (assetInfo, error) {
		n.Add(1)
		return assetInfo{Self: "/api/assets/" + uid + "/"}, nil
	}
}

func mustGet(t *testing.T, c *assetCache, uid string, fetch func(context.Context) (assetInfo, error)) (assetInfo, bool) {
	t.Helper()
	info, cached, err := c.Get(context.Background(), uid, fetch)
	if err != nil {
		t.Fatalf("Get(%s): %v", uid, err)
	}
	return info, cached
}

func TestAssetCacheReusesEntryUntilTTL(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)}
	c := newAssetCache(30*time.Second, 10, clock.Now)
	counts := map[string]*atomic.Int64{}

	info, cached := mustGet(t, c, "a", countingFetch(counts, "a"))
	if cached {
		t.Error("first Get reported a cached entry")
	}
	if info.Self != "/api/assets/a/" {
		t.Errorf("Self = %q, want /api/assets/a/", info.Self)
	}

	clock.Advance(29 * time.Second)
	if _, cached := mustGet(t, c, "a", countingFetch(counts, "a")); !cached {
		t.Error("Get within the TTL fetched again")
	}

	clock.Advance(time.Second)
	if _, cached := mustGet(t, c, "a", countingFetch(counts, "a")); cached {
		t.Error("Get at the TTL returned the expired entry")
	}
	if got := counts["a"].Load(); got != 2 {
		t.Errorf("fetches = %d, want 2", got)
	}
}

func TestAssetCacheEvictsLeastRecentlyUsed(t *testing.T) {
	clock := &fakeClock{now: time.Unix(0, 0)}
	c := newAssetCache(time.Minute, 2, clock.Now)
	counts := map[string]*atomic.Int64{}

	mustGet(t, c, "a", countingFetch(counts, "a"))
	mustGet(t, c, "b", countingFetch(counts, "b"))
	mustGet(t, c, "a", countingFetch(counts, "a")) // a is now the most recent
	mustGet(t, c, "c", countingFetch(counts, "c")) // evicts b

	if got := c.Len(); got != 2 {
		t.Errorf("Len = %d, want 2", got)
	}
	if _, cached := mustGet(t, c, "a", countingFetch(counts, "a")); !cached {
		t.Error("recently used entry a was evicted")
	}
	if _, cached := mustGet(t, c, "b", countingFetch(counts, "b")); cached {
		t.Error("least recently used entry b was kept")
	}
}

func TestAssetCacheSharesConcurrentFetch(t *testing.T) {
	c := newAssetCache(time.Minute, 10, time.Now)
	release := make(chan struct{})
	var fetches atomic.Int64
	fetch := func(context.Context) (assetInfo, error) {
		fetches.Add(1)
		<-release
		return assetInfo{Self: "/api/assets/a/"}, nil
	}

	const callers = 20
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			info, _, err := c.Get(context.Background(), "a", fetch)
			if err == nil && info.Self != "/api/assets/a/" {
				err = errors.New("wrong asset " + info.Self)
			}
			errs <- err
		}()
	}
	// Let every caller reach the wait before the fetch finishes.
	waitFor(t, func() bool { return fetches.Load() == 1 })
	time.Sleep(10 * time.Millisecond)
	close(release)
	wg.Wait()
	close(errs)

	for err := range errs {
		if err != nil {
			t.Errorf("Get: %v", err)
		}
	}
	if got := fetches.Load(); got != 1 {
		t.Errorf("fetches = %d, want 1 for %d concurrent callers", got, callers)
	}
}

func TestAssetCacheCallerCancelDoesNotFailOthers(t *testing.T) {
	c := newAssetCache(time.Minute, 10, time.Now)
	release := make(chan struct{})
	started := make(chan struct{})
	fetch := func(ctx context.Context) (assetInfo, error) {
		close(started)
		<-release
		if err := ctx.Err(); err != nil {
			return assetInfo{}, err
		}
		return assetInfo{Self: "/api/assets/a/"}, nil
	}

	first, cancelFirst := context.WithCancel(context.Background())
	firstErr := make(chan error, 1)
	go func() {
		_, _, err := c.Get(first, "a", fetch)
		firstErr <- err
	}()
	<-started

	secondDone := make(chan error, 1)
	go func() {
		_, _, err := c.Get(context.Background(), "a", fetch)
		secondDone <- err
	}()

	cancelFirst()
	if err := <-firstErr; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled caller got %v, want context.Canceled", err)
	}
	close(release)
	if err := <-secondDone; err != nil {
		t.Errorf("other caller got %v, want the asset", err)
	}
}

func TestAssetCacheDoesNotStoreErrors(t *testing.T) {
	c := newAssetCache(time.Minute, 10, time.Now)
	calls := 0
	fetch := func(context.Context) (assetInfo, error) {
		calls++
		return assetInfo{}, errors.New("skylark: not found")
	}
	for range 2 {
		if _, _, err := c.Get(context.Background(), "a", fetch); err == nil {
			t.Fatal("Get returned no error from a failing fetch")
		}
	}
	if calls != 2 {
		t.Errorf("fetches = %d, want 2 (errors must not be cached)", calls)
	}
}

func TestAssetCacheZeroTTLStoresNothing(t *testing.T) {
	c := newAssetCache(0, 10, time.Now)
	counts := map[string]*atomic.Int64{}
	mustGet(t, c, "a", countingFetch(counts, "a"))
	if _, cached := mustGet(t, c, "a", countingFetch(counts, "a")); cached {
		t.Error("Get with TTL 0 returned a cached entry")
	}
	if got := c.Len(); got != 0 {
		t.Errorf("Len = %d, want 0", got)
	}
}

func TestAssetCachePanicInFetchReachesCaller(t *testing.T) {
	c := newAssetCache(time.Minute, 10, time.Now)
	_, _, err := c.Get(context.Background(), "a", func(context.Context) (assetInfo, error) {
		panic("boom")
	})
	var perr *panicError
	if !errors.As(err, &perr) {
		t.Fatalf("Get error = %v, want a *panicError", err)
	}
	// The uid must not stay marked as in flight.
	counts := map[string]*atomic.Int64{}
	mustGet(t, c, "a", countingFetch(counts, "a"))
}

// waitFor polls cond for up to five seconds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(time.Millisecond)
	}
}
