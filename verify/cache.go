package verify

import (
	"container/list"
	"crypto/x509"
	"sync"
)

// boundedCache is the Verifier's one cache: entries keyed by the hash of
// the bytes they were computed from (typed keys keep the kinds apart),
// bounded by a count and by an estimate of their memory, the least
// recently used evicted first. A run over millions of distinct records
// therefore holds what recurs (CA and TSA certificates, their paths, CRLs)
// and forgets what each record brings alone (its timestamp tokens, its
// OCSP responses), in memory that does not grow with the run. Safe for
// concurrent use.
type boundedCache struct {
	mu      sync.Mutex
	budget  int64
	max     int
	bytes   int64
	order   *list.List // front: most recently used
	entries map[any]*list.Element
}

type cacheEntry struct {
	key  any
	val  any
	cost int64
}

func newBoundedCache(budget int64, max int) *boundedCache {
	return &boundedCache{budget: budget, max: max, order: list.New(), entries: map[any]*list.Element{}}
}

// load returns the value under key, marking it recently used.
func (c *boundedCache) load(key any) (any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*cacheEntry).val, true
}

// store caches val under key at an estimated cost, evicting the least
// recently used entries to stay within the bounds. An entry costing more
// than a quarter of the budget is not cached. It reports whether val was
// cached.
func (c *boundedCache) store(key, val any, cost int64) bool {
	if cost > c.budget/4 {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[key]; ok {
		c.order.MoveToFront(e)
		return true
	}
	for c.order.Len() > 0 && (c.bytes+cost > c.budget || c.order.Len() >= c.max) {
		last := c.order.Back()
		old := last.Value.(*cacheEntry)
		c.order.Remove(last)
		delete(c.entries, old.key)
		c.bytes -= old.cost
	}
	c.entries[key] = c.order.PushFront(&cacheEntry{key: key, val: val, cost: cost})
	c.bytes += cost
	return true
}

// size returns the estimated memory held and the number of entries.
func (c *boundedCache) size() (int64, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bytes, c.order.Len()
}

// Typed keys of the cache: the same hash under two kinds is two entries.
type (
	certKey  [32]byte
	tokenKey [32]byte
	revKey   [64]byte
	// signerKey is a certificate object the cache holds (parseCert):
	// what describeSigner made of it.
	signerKey struct{ cert *x509.Certificate }
)
