package verify

import "testing"

// The cache stays within its budget and count whatever is stored, keeps
// what is used again and forgets what is not.
func TestBoundedCacheEvictsLeastRecentlyUsed(t *testing.T) {
	c := newBoundedCache(1000, 50)
	hot := certKey{1}
	c.store(hot, "hot", 100)
	for i := range 10000 {
		var k tokenKey
		k[0], k[1] = byte(i), byte(i>>8)
		c.store(k, i, 30)
		if _, ok := c.load(hot); !ok {
			t.Fatalf("the entry used every time was evicted after %d stores", i)
		}
		if n, count := c.size(); n > 1000 || count > 50 {
			t.Fatalf("after %d stores: %d bytes, %d entries", i, n, count)
		}
	}
	if c.store(certKey{2}, "big", 251) {
		t.Fatal("an entry above a quarter of the budget was cached")
	}
	// Kinds do not collide: the same hash as a token is another entry.
	if _, ok := c.load(tokenKey{1}); ok {
		t.Fatal("a certificate key found as a token key")
	}
}
