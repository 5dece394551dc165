package verify

import (
	"crypto/sha256"
	"fmt"
	"hash"
	"time"

	"github.com/hpki-jp/hpki/trust"
)

// Fingerprint returns a SHA-256 digest of the options that can change a
// verdict: the trust and TSA anchors (by certificate hash), the validation
// time, Offline, the given CRLs and OCSP responses (by hash), the maximum
// revocation age, the role requirement and the required covered
// references. Two Options with the same fingerprint give the same verdict
// for the same signature, content and revocation answers; a verdict kept
// under one fingerprint (a journal) must not be reused under another.
//
// Not part of it, on purpose: Now and Fetcher (where and when answers come
// from, not what is required of them), CacheBytes, KeepSignedData (what the
// report carries, not its verdict) and MayBeAbsent (its caller, the
// archive, decides absent references by the file layout it fingerprints
// itself). fingerprintFields lists each field's decision; a new field of
// Options fails TestFingerprintCoversOptions until it is given one.
func (o Options) Fingerprint() [32]byte {
	h := sha256.New()
	fmt.Fprintf(h, "hpki-verify-options-v1\x00")
	writeStore(h, "trust", o.Trust)
	writeStore(h, "tsa-trust", o.TSATrust)
	at := "now"
	if !o.At.IsZero() {
		at = o.At.UTC().Format(time.RFC3339Nano)
	}
	fmt.Fprintf(h, "at:%s\x00offline:%t\x00max-age:%d\x00role:%q\x00covered:%q\x00",
		at, o.Offline, o.MaxRevocationAge, fmt.Sprintf("%+v", o.RequireRole), o.RequireCovered)
	for _, b := range o.CRLs {
		fmt.Fprintf(h, "crl:%x\x00", sha256.Sum256(b))
	}
	for _, b := range o.OCSPResponses {
		fmt.Fprintf(h, "ocsp:%x\x00", sha256.Sum256(b))
	}
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

// fingerprintFields says, for every field of Options, whether Fingerprint
// includes it (see Fingerprint for why some are left out).
var fingerprintFields = map[string]bool{
	"Trust": true, "TSATrust": true, "RequireRole": true, "At": true,
	"CRLs": true, "OCSPResponses": true, "Offline": true,
	"MaxRevocationAge": true, "RequireCovered": true,
	"Now": false, "Fetcher": false, "CacheBytes": false,
	"MayBeAbsent": false, "KeepSignedData": false,
}

// writeStore writes a store's fingerprint (or "default" for none) to h.
func writeStore(h hash.Hash, name string, s *trust.Store) {
	if s == nil {
		fmt.Fprintf(h, "%s:default\x00", name)
		return
	}
	fmt.Fprintf(h, "%s:%x\x00", name, s.Fingerprint())
}
