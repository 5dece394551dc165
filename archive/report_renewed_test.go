package archive

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/hpki-jp/hpki/verify"
)

// A record renewed by a run (killed before its end line) and verified
// again by the resumed run (which finds the renewed file changed, and not
// due) is still counted as renewed by Report.
func TestReportKeepsCountingARenewedRecord(t *testing.T) {
	var j bytes.Buffer
	line := func(v any) {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		j.Write(sealLine(b))
	}
	settings := "s"
	rec := func(id string, renewed bool) journalLine {
		return journalLine{Key: "k-" + id, Final: true, Settings: settings, Path: "a.p7s", ID: id,
			Record: Record{Path: "a.p7s", Indication: verify.TotalPassed, Renewed: renewed}}
	}
	line(runLine{Run: runStart, Settings: settings, ID: "run1"})
	line(rec("run1", true)) // killed: no end line
	line(runLine{Run: runStart, Settings: settings, ID: "run2"})
	line(rec("run2", false))
	line(runLine{Run: runEnd, Settings: settings, ID: "run2", Summary: &Summary{Records: 1, Passed: 1}})
	sum, st, err := Report(bytes.NewReader(j.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if !st[0].Complete || sum.Records != 1 || sum.Passed != 1 || sum.Renewed != 1 {
		t.Fatalf("%+v %+v", sum, st)
	}
}
