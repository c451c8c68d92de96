package main

import (
	"container/list"
	"context"
	"runtime/debug"
	"sync"
	"time"
)

// assetInfo is the part of a Skylark asset the viewing function needs: the
// asset's self path for the viewing request and the plan keys that grant it.
type assetInfo struct {
	Self string

	// Plans are the keys (see planKey) of the plans that grant the asset.
	Plans []string

	// InvalidPlanURLs is the asset's plan_urls as JSON, shortened for logs,
	// when an entry of it names no plan ("", "/", null). Such entries grant
	// nothing, so an asset whose plan_urls contains only such entries is open
	// to no user. It is "" when every entry is valid.
	InvalidPlanURLs string
}

// free reports whether the asset is open to any signed-in user: its
// plan_urls is absent, null or an empty list.
func (a assetInfo) free() bool {
	return len(a.Plans) == 0 && a.InvalidPlanURLs == ""
}

// assetCache keeps recent asset look-ups of a warm container. Entries expire
// after ttl, and the least recently used entry is dropped when size entries
// are stored. Concurrent look-ups of one uid share a single fetch. Only
// found assets are stored, so an asset created after a 404 is visible at once.
// An assetCache is safe for concurrent use.
type assetCache struct {
	ttl  time.Duration
	size int
	now  func() time.Time

	mu       sync.Mutex
	order    *list.List               // front = most recently used; values are *cacheEntry
	entries  map[string]*list.Element // by uid
	inflight map[string]*fetchCall    // by uid
}

type cacheEntry struct {
	uid     string
	info    assetInfo
	expires time.Time
}

// fetchCall is one fetch shared by every caller that asks for the same uid
// while it runs. done is closed once info and err are set.
type fetchCall struct {
	done chan struct{}
	info assetInfo
	err  error
}

// newAssetCache returns an empty cache. A ttl of zero turns storing off, but
// concurrent look-ups of one uid still share a fetch.
func newAssetCache(ttl time.Duration, size int, now func() time.Time) *assetCache {
	return &assetCache{
		ttl:      ttl,
		size:     size,
		now:      now,
		order:    list.New(),
		entries:  make(map[string]*list.Element),
		inflight: make(map[string]*fetchCall),
	}
}

// Get returns the cached asset for uid, or calls fetch once for all
// concurrent callers of the same uid. fetch runs with ctx's values and
// deadline but not its cancellation, so one caller giving up does not fail
// the others. Each caller still stops waiting when its own ctx is done.
func (c *assetCache) Get(ctx context.Context, uid string,
	fetch func(ctx context.Context) (assetInfo, error)) (assetInfo, bool, error) {
	c.mu.Lock()
	if info, ok := c.lookupLocked(uid); ok {
		c.mu.Unlock()
		return info, true, nil
	}
	call, running := c.inflight[uid]
	if !running {
		call = &fetchCall{done: make(chan struct{})}
		c.inflight[uid] = call
	}
	c.mu.Unlock()

	if !running {
		fetchCtx, cancel := detach(ctx)
		go c.run(fetchCtx, cancel, uid, call, fetch)
	}

	select {
	case <-call.done:
		return call.info, false, call.err
	case <-ctx.Done():
		return assetInfo{}, false, ctx.Err()
	}
}

// Forget drops the entry for uid, if any.
func (c *assetCache) Forget(uid string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[uid]; ok {
		c.order.Remove(el)
		delete(c.entries, uid)
	}
}

// Len returns the number of stored entries, expired ones included.
func (c *assetCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}

func (c *assetCache) run(ctx context.Context, cancel context.CancelFunc, uid string,
	call *fetchCall, fetch func(ctx context.Context) (assetInfo, error)) {
	defer cancel()
	// A panic in fetch must not leave waiters blocked forever.
	defer func() {
		if r := recover(); r != nil {
			call.err = &panicError{value: r, stack: debug.Stack()}
			c.finish(uid, call)
		}
	}()

	call.info, call.err = fetch(ctx)
	c.finish(uid, call)
}

func (c *assetCache) finish(uid string, call *fetchCall) {
	c.mu.Lock()
	delete(c.inflight, uid)
	if call.err == nil && c.ttl > 0 {
		c.storeLocked(uid, call.info)
	}
	c.mu.Unlock()
	close(call.done)
}

func (c *assetCache) lookupLocked(uid string) (assetInfo, bool) {
	el, ok := c.entries[uid]
	if !ok {
		return assetInfo{}, false
	}
	entry := el.Value.(*cacheEntry)
	if !c.now().Before(entry.expires) {
		c.order.Remove(el)
		delete(c.entries, uid)
		return assetInfo{}, false
	}
	c.order.MoveToFront(el)
	return entry.info, true
}

func (c *assetCache) storeLocked(uid string, info assetInfo) {
	expires := c.now().Add(c.ttl)
	if el, ok := c.entries[uid]; ok {
		entry := el.Value.(*cacheEntry)
		entry.info, entry.expires = info, expires
		c.order.MoveToFront(el)
		return
	}
	c.entries[uid] = c.order.PushFront(&cacheEntry{uid: uid, info: info, expires: expires})
	for c.order.Len() > c.size {
		oldest := c.order.Back()
		c.order.Remove(oldest)
		delete(c.entries, oldest.Value.(*cacheEntry).uid)
	}
}

// detach returns a context with ctx's values and deadline that is not
// cancelled when ctx is.
func detach(ctx context.Context) (context.Context, context.CancelFunc) {
	base := context.WithoutCancel(ctx)
	if deadline, ok := ctx.Deadline(); ok {
		return context.WithDeadline(base, deadline)
	}
	return context.WithCancel(base)
}
