package der

import (
	"encoding/asn1"
	"reflect"
	"testing"
	"time"
)

// sameTime requires UTCTime and GeneralizedTime to read body as
// encoding/asn1 reads a UTCTime and a GeneralizedTime element of it.
func sameTime(t *testing.T, body []byte) {
	t.Helper()
	for _, tc := range []struct {
		tag   byte
		param string
		read  func([]byte) (time.Time, error)
	}{{asn1.TagUTCTime, "utc", UTCTime}, {asn1.TagGeneralizedTime, "generalized", GeneralizedTime}} {
		if len(body) > 127 {
			return
		}
		var want time.Time
		_, errR := asn1.UnmarshalWithParams(append([]byte{tc.tag, byte(len(body))}, body...), &want, tc.param)
		got, err := tc.read(body)
		if (err != nil) != (errR != nil) || err == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("tag %d %q: %v %v, encoding/asn1 %v %v", tc.tag, body, got, err, want, errR)
		}
	}
}

var timeSeeds = []string{
	"20261101090000Z", "20261101090000.1Z", "20261101090000.123456789Z", "20261101090000.120Z", "20261101090000.Z",
	"20240229235959Z", "20230229000000Z", "20261131000000Z", "20261301000000Z", "20261100000000Z", "20261101240000Z",
	"20261101006000Z", "20261101000060Z", "00000101000000Z", "99991231235959.9Z", "20261101090000.1234567891Z",
	"20261101090000+0900", "2026110109Z", "261101090000Z", "491231235959Z", "500101000000Z", "2611010900Z",
	"260229000000Z", "240229000000Z", "2611010900+0900", "-0261101090000Z", "20261101090000z",
}

// FuzzTimeDifferential: the canonical forms read without time.Parse
// are read to encoding/asn1's times, and everything else as it does.
func FuzzTimeDifferential(f *testing.F) {
	for _, s := range timeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(sameTime)
}

// TestTimeSeeds: the seeds, which hold each range edge, read alike.
func TestTimeSeeds(t *testing.T) {
	for _, s := range timeSeeds {
		sameTime(t, []byte(s))
	}
}
