package tsa

import "sync"

// nameMemo memoises the string form of names: a few TSAs sign millions
// of tokens, each naming the same TSA, and the string form costs more
// than the rest of a token's TSTInfo. The string is a pure function of
// the name's encoding; the memo holds at most maxMemoNames names of at
// most maxMemoNameLen bytes, past which names are computed each time.
type nameMemo struct {
	mu sync.RWMutex
	m  map[string]string
}

const (
	maxMemoNames   = 256
	maxMemoNameLen = 2048
)

// get returns the string of the name encoded as key, computing it with
// compute when it is not memoised.
func (c *nameMemo) get(key []byte, compute func() string) string {
	if len(key) > maxMemoNameLen {
		return compute()
	}
	c.mu.RLock()
	s, ok := c.m[string(key)]
	c.mu.RUnlock()
	if ok {
		return s
	}
	s = compute()
	c.mu.Lock()
	if c.m == nil {
		c.m = make(map[string]string)
	}
	if len(c.m) < maxMemoNames {
		c.m[string(key)] = s
	}
	c.mu.Unlock()
	return s
}

// tsaFieldNames holds the names of TSTInfo tsa fields (read with
// encoding/asn1), signerSubjects the subjects of TSA certificates (as
// crypto/x509 reads them): two readings, kept apart.
var tsaFieldNames, signerSubjects nameMemo
