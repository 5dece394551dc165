package verify

import (
	"reflect"
	"testing"

	"github.com/hpki-jp/hpki/internal/testpki"
)

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

// TestDescribeSignerCached: the second description of a certificate comes
// from the cache, equals the first, and owns its roles (a caller changing
// one report changes neither the cache nor another report).
func TestDescribeSignerCached(t *testing.T) {
	p := testpki.MustLoad(t)
	v := New(opts(t))
	var a, b SignatureReport
	v.describeSigner(&a, p.Doctor.Cert)
	_, n := v.cache.size()
	v.describeSigner(&b, p.Doctor.Cert)
	if _, m := v.cache.size(); m != n {
		t.Fatalf("second description added %d cache entries", m-n)
	}
	if !reflect.DeepEqual(a.Signer, b.Signer) || !reflect.DeepEqual(a.Signer, describe(p.Doctor.Cert)) || len(a.Signer.Roles) == 0 {
		t.Fatalf("%+v\n%+v", a.Signer, b.Signer)
	}
	a.Signer.Roles[0].Code = "changed"
	var c SignatureReport
	v.describeSigner(&c, p.Doctor.Cert)
	if b.Signer.Roles[0].Code == "changed" || c.Signer.Roles[0].Code == "changed" {
		t.Fatal("reports share the cached roles")
	}
}
