package verify

import (
	"reflect"
	"testing"
	"time"
)

// Every field of Options has a decision in fingerprintFields, so that a
// new option that changes verdicts cannot be left out of Fingerprint (and
// out of the archive journal's key) by accident.
func TestFingerprintCoversOptions(t *testing.T) {
	typ := reflect.TypeOf(Options{})
	for i := 0; i < typ.NumField(); i++ {
		if _, ok := fingerprintFields[typ.Field(i).Name]; !ok {
			t.Errorf("Options.%s: decide in fingerprintFields whether Fingerprint includes it", typ.Field(i).Name)
		}
	}
	if len(fingerprintFields) != typ.NumField() {
		t.Errorf("fingerprintFields lists %d fields, Options has %d", len(fingerprintFields), typ.NumField())
	}
}

func TestFingerprintChangesWithVerdictOptions(t *testing.T) {
	base := Options{}
	for _, tc := range []struct {
		name string
		o    Options
	}{
		{"at", Options{At: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{"offline", Options{Offline: true}},
		{"crl", Options{CRLs: [][]byte{{1}}}},
		{"ocsp", Options{OCSPResponses: [][]byte{{1}}}},
		{"max age", Options{MaxRevocationAge: time.Hour}},
		{"covered", Options{RequireCovered: []string{"#x"}}},
	} {
		if tc.o.Fingerprint() == base.Fingerprint() {
			t.Errorf("%s: same fingerprint as the defaults", tc.name)
		}
	}
	if (Options{CacheBytes: 1, KeepSignedData: true}).Fingerprint() != base.Fingerprint() {
		t.Error("CacheBytes/KeepSignedData changed the fingerprint")
	}
}
