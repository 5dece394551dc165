package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/hpki-jp/hpki/internal/testpki"
)

// archiveCorpus writes n detached CAdES records (every 4th tampered) in
// folders of 3 and returns the folder and the validation flags.
func archiveCorpus(t *testing.T, n int) (string, []string) {
	t.Helper()
	p := testpki.MustLoad(t)
	dir := t.TempDir()
	for i := range n {
		doc := fmt.Sprintf("referral letter %d", i)
		sig := signCAdESFile(t, p.Doctor, []byte(doc))
		if i%4 == 3 {
			doc += "!"
		}
		sub := filepath.Join(dir, fmt.Sprintf("d%d", i/3))
		os.MkdirAll(sub, 0o755)
		writeDoc(t, sub, fmt.Sprintf("r%02d.txt", i), doc)
		writeDoc(t, sub, fmt.Sprintf("r%02d.txt.p7s", i), string(sig))
	}
	return dir, []string{"--trust", testpki.Path("root.pem"), "--offline", "--crl", testpki.FreshCRLFile(t)}
}

// jsonlRecords parses --output jsonl: record lines, then one summary line.
func jsonlRecords(t *testing.T, out string) ([]map[string]any, map[string]any) {
	t.Helper()
	var recs []map[string]any
	var summary map[string]any
	for i, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("line %d is not JSON: %q", i+1, line)
		}
		if s, ok := m["summary"].(map[string]any); ok {
			if summary != nil {
				t.Fatal("two summary lines")
			}
			summary = s
			continue
		}
		if summary != nil {
			t.Fatal("a record after the summary")
		}
		recs = append(recs, m)
	}
	if summary == nil {
		t.Fatalf("no summary line:\n%s", out)
	}
	return recs, summary
}

func TestArchiveJSONLinesAndStableOrder(t *testing.T) {
	dir, flags := archiveCorpus(t, 9)
	code, out, errOut := runCLI(t, append([]string{"archive", "verify", dir, "--output", "jsonl", "--jobs", "1"}, flags...)...)
	if code != 1 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	recs, sum := jsonlRecords(t, out)
	if len(recs) != 9 || sum["passed"] != 7.0 || sum["failed"] != 2.0 {
		t.Fatalf("%d records, summary %v", len(recs), sum)
	}
	for _, jobs := range []string{"2", "5"} {
		if _, again, _ := runCLI(t, append([]string{"archive", "verify", dir, "--output", "jsonl", "--jobs", jobs}, flags...)...); again != out {
			t.Fatalf("--jobs %s: another output:\n%s\nwant\n%s", jobs, again, out)
		}
		_, t1, _ := runCLI(t, append([]string{"archive", "verify", dir, "--jobs", "1"}, flags...)...)
		if _, t2, _ := runCLI(t, append([]string{"archive", "verify", dir, "--jobs", jobs}, flags...)...); t1 != t2 {
			t.Fatalf("text order changed with --jobs %s", jobs)
		}
	}
	// A dry run says what it would renew, and writes nothing.
	before, _ := os.ReadFile(filepath.Join(dir, "d0", "r00.txt.p7s"))
	_, dry, _ := runCLI(t, append([]string{"archive", "renew", dir, "--dry-run", "--progress", "always"}, flags...)...)
	if strings.Count(dry, "  would renew") != 7 || !strings.Contains(dry, "; 7 would renew") || strings.Contains(dry, "RENEWED") {
		t.Fatalf("dry run:\n%s", dry)
	}
	if after, _ := os.ReadFile(filepath.Join(dir, "d0", "r00.txt.p7s")); string(after) != string(before) {
		t.Fatal("a dry run wrote")
	}
	// --progress always: a progress line on stderr even when it is not a
	// terminal (in a log, the last line at least).
	if _, _, errOut := runCLI(t, append([]string{"archive", "verify", dir, "--progress", "always"}, flags...)...); !strings.Contains(errOut, "hpki: 9/9 (100.0%)") {
		t.Fatalf("progress: %q", errOut)
	}
	if _, _, errOut := runCLI(t, append([]string{"archive", "verify", dir}, flags...)...); errOut != "" {
		t.Fatalf("progress on a non-terminal with auto: %q", errOut)
	}
	// The JSON array stays for small runs.
	_, js, _ := runCLI(t, append([]string{"archive", "verify", dir, "--output", "json"}, flags...)...)
	var arr []map[string]any
	if err := json.Unmarshal([]byte(js), &arr); err != nil || len(arr) != 9 {
		t.Fatalf("json array: %v, %d\n%s", err, len(arr), js)
	}
}

func TestArchiveEmptyOrMissingRoot(t *testing.T) {
	_, flags := archiveCorpus(t, 0)
	empty := t.TempDir()
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{empty}, 3},
		{[]string{empty, "--allow-empty"}, 0},
		{[]string{filepath.Join(empty, "unmounted")}, 3},
		{[]string{filepath.Join(empty, "unmounted"), "--allow-empty"}, 3},
		{[]string{}, 3},
		{[]string{empty, "--shard", "3/3"}, 3},
		{[]string{empty, "--shard", "0/100000000000"}, 3},
		{[]string{empty, "--shard", "0/1000001"}, 3},
		{[]string{empty, "--progress", "sometimes"}, 3},
		{[]string{empty, "--manifest", "-"}, 3},
		{[]string{empty, "--fetch-timeout", "0s"}, 3},
		{[]string{empty, "--output", "xml"}, 3},
	} {
		code, out, errOut := runCLI(t, append(append([]string{"archive", "verify"}, tc.args...), flags...)...)
		if code != tc.code {
			t.Errorf("%v: exit %d, want %d\n%s%s", tc.args, code, tc.code, out, errOut)
		}
		if code == 3 {
			assertOneLineError(t, errOut)
		}
	}
}

// N shard runs give exactly the records of a single run, and their
// journals merge into its summary.
func TestArchiveShardsAndReport(t *testing.T) {
	dir, flags := archiveCorpus(t, 10)
	_, single, _ := runCLI(t, append([]string{"archive", "verify", dir, "--output", "jsonl"}, flags...)...)
	want, wantSum := jsonlRecords(t, single)
	jdir := t.TempDir()
	var got []string
	var journals []string
	for k := range 3 {
		j := filepath.Join(jdir, fmt.Sprintf("shard-%d.journal", k))
		journals = append(journals, j)
		_, out, errOut := runCLI(t, append([]string{"archive", "verify", dir, "--output", "jsonl", "--shard", fmt.Sprintf("%d/3", k), "--journal", j}, flags...)...)
		recs, _ := jsonlRecords(t, out+errOut)
		for _, r := range recs {
			got = append(got, fmt.Sprint(r["path"], r["indication"]))
		}
	}
	var wantNames []string
	for _, r := range want {
		wantNames = append(wantNames, fmt.Sprint(r["path"], r["indication"]))
	}
	sort.Strings(got)
	sort.Strings(wantNames)
	if strings.Join(got, "\n") != strings.Join(wantNames, "\n") {
		t.Fatalf("shards:\n%s\nsingle run:\n%s", strings.Join(got, "\n"), strings.Join(wantNames, "\n"))
	}
	code, out, errOut := runCLI(t, append([]string{"archive", "report", "--output", "json"}, journals...)...)
	if code != 1 {
		t.Fatalf("report exit %d\n%s%s", code, out, errOut)
	}
	var sum map[string]any
	json.Unmarshal([]byte(out), &sum)
	for _, k := range []string{"records", "passed", "failed", "indeterminate"} {
		if sum[k] != wantSum[k] {
			t.Errorf("report %s = %v, single run %v", k, sum[k], wantSum[k])
		}
	}
	if code, _, errOut := runCLI(t, "archive", "report", filepath.Join(dir, "d0", "r00.txt")); code != 3 {
		t.Errorf("report of a file that is not a journal: exit %d %s", code, errOut)
	}
}

// TestArchiveHelperProcess is the hpki process the tests below start,
// kill and signal; it does nothing in a normal test run.
func TestArchiveHelperProcess(t *testing.T) {
	if os.Getenv("HPKI_ARCHIVE_HELPER") != "1" {
		t.Skip("helper process")
	}
	var args []string
	if err := json.Unmarshal([]byte(os.Getenv("HPKI_ARCHIVE_ARGS")), &args); err != nil {
		t.Fatal(err)
	}
	os.Exit(run(args, os.Stdin, os.Stdout, os.Stderr))
}

// archiveChild starts hpki with args in a child process whose manifest is
// fed by the test one name at a time.
type archiveChild struct {
	cmd   *exec.Cmd
	in    io.WriteCloser
	out   *bufio.Reader
	lines []string
}

func startArchiveChild(t *testing.T, args ...string) *archiveChild {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestArchiveHelperProcess$")
	enc, _ := json.Marshal(args)
	cmd.Env = append(os.Environ(), "HPKI_ARCHIVE_HELPER=1", "HPKI_ARCHIVE_ARGS="+string(enc))
	in, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return &archiveChild{cmd: cmd, in: in, out: bufio.NewReader(out)}
}

// feed gives the child one name and waits for its record line.
func (c *archiveChild) feed(t *testing.T, name string) {
	t.Helper()
	fmt.Fprintln(c.in, name)
	line, err := c.out.ReadString('\n')
	if err != nil {
		t.Fatalf("no record for %s: %v", name, err)
	}
	c.lines = append(c.lines, line)
}

// rest reads the output to its end and the exit code.
func (c *archiveChild) rest(t *testing.T) (string, int) {
	t.Helper()
	rest, _ := io.ReadAll(c.out)
	err := c.cmd.Wait()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			code = -int(ws.Signal())
		}
	}
	return strings.Join(c.lines, "") + string(rest), code
}

func recordNames(dir string) []string {
	names, _ := filepath.Glob(filepath.Join(dir, "*", "*.p7s"))
	sort.Strings(names)
	return names
}

// kill -9 after k records, at every k: the rerun with the journal checks
// only the rest and reports the totals of one whole run.
func TestArchiveJournalSurvivesKill9(t *testing.T) {
	dir, flags := archiveCorpus(t, 7)
	names := recordNames(dir)
	code, single, _ := runCLIWithStdin(t, strings.Join(names, "\n"), append([]string{"archive", "verify", "--manifest", "-", "--output", "jsonl"}, flags...)...)
	wantRecs, wantSum := jsonlRecords(t, single)
	if code != 1 || len(wantRecs) != len(names) {
		t.Fatalf("single run: exit %d, %d records", code, len(wantRecs))
	}
	for k := 0; k <= len(names); k++ {
		j := filepath.Join(t.TempDir(), "run.journal")
		args := append([]string{"archive", "verify", "--manifest", "-", "--output", "jsonl", "--jobs", "2", "--journal", j}, flags...)
		c := startArchiveChild(t, args...)
		for _, n := range names[:k] {
			c.feed(t, n)
		}
		c.cmd.Process.Signal(syscall.SIGKILL)
		if _, code := c.rest(t); code != -int(syscall.SIGKILL) {
			t.Fatalf("k=%d: child ended with %d, not by kill -9", k, code)
		}
		if k > 0 {
			// The killed run's journal is incomplete: the report says so
			// and does not pass for the run's.
			code, out, _ := runCLI(t, "archive", "report", j)
			if code != exitIncomplete || !strings.Contains(out, "INCOMPLETE "+j) {
				t.Fatalf("k=%d: report of a killed run: exit %d\n%s", k, code, out)
			}
		}
		code, out, errOut := runCLIWithStdin(t, strings.Join(names, "\n"), args...)
		recs, sum := jsonlRecords(t, out)
		if code != 1 || len(recs) != len(names) {
			t.Fatalf("k=%d: rerun exit %d, %d records\n%s", k, code, len(recs), errOut)
		}
		if code, out, _ := runCLI(t, "archive", "report", j); code != 1 || strings.Contains(out, "INCOMPLETE") {
			t.Fatalf("k=%d: report after the rerun finished: exit %d\n%s", k, code, out)
		}
		if sum["resumed"] != float64(k) {
			t.Fatalf("k=%d: %v records from the journal", k, sum["resumed"])
		}
		for _, key := range []string{"records", "passed", "failed"} {
			if sum[key] != wantSum[key] {
				t.Fatalf("k=%d: %s %v, want %v", k, key, sum[key], wantSum[key])
			}
		}
		for i, r := range recs {
			if r["path"] != wantRecs[i]["path"] || r["indication"] != wantRecs[i]["indication"] {
				t.Fatalf("k=%d: record %d %v, want %v", k, i, r, wantRecs[i])
			}
		}
	}
}

// SIGINT and SIGTERM: the records so far, a summary saying interrupted,
// valid JSON, exit 130 or 143.
func TestArchiveSignals(t *testing.T) {
	dir, flags := archiveCorpus(t, 4)
	names := recordNames(dir)
	for _, tc := range []struct {
		sig    syscall.Signal
		code   int
		format string
	}{{syscall.SIGINT, 130, "jsonl"}, {syscall.SIGTERM, 143, "jsonl"}, {syscall.SIGTERM, 143, "text"}} {
		c := startArchiveChild(t, append([]string{"archive", "verify", "--manifest", "-", "--output", tc.format}, flags...)...)
		c.feed(t, names[0])
		c.feed(t, names[1])
		c.cmd.Process.Signal(tc.sig)
		out, code := c.rest(t)
		if code != tc.code {
			t.Fatalf("%v: exit %d, want %d\n%s", tc.sig, code, tc.code, out)
		}
		if tc.format == "jsonl" {
			recs, sum := jsonlRecords(t, out)
			if len(recs) != 2 || sum["interrupted"] != true || sum["records"] != 2.0 {
				t.Fatalf("%v: %d records, %v", tc.sig, len(recs), sum)
			}
		} else if !strings.HasSuffix(out, "2 files: 2 passed, 0 failed, 0 indeterminate; interrupted\n") {
			t.Fatalf("text:\n%s", out)
		}
	}
}

// A run stopped by SIGTERM leaves an incomplete journal: archive report
// names it and exits 4 (also in JSON), until a rerun with the same journal
// finishes the run.
func TestArchiveReportIncompleteAfterSignal(t *testing.T) {
	dir, flags := archiveCorpus(t, 4)
	names := recordNames(dir)
	jdir := t.TempDir()
	done := filepath.Join(jdir, "done.journal")
	if code, _, errOut := runCLIWithStdin(t, strings.Join(names[:2], "\n"), append([]string{"archive", "verify", "--manifest", "-", "--journal", done}, flags...)...); code != 0 {
		t.Fatalf("finished run: exit %d %s", code, errOut)
	}
	j := filepath.Join(jdir, "stopped.journal")
	args := append([]string{"archive", "verify", "--manifest", "-", "--output", "jsonl", "--journal", j}, flags...)
	c := startArchiveChild(t, args...)
	c.feed(t, names[0])
	c.cmd.Process.Signal(syscall.SIGTERM)
	if _, code := c.rest(t); code != 143 {
		t.Fatalf("exit %d after SIGTERM", code)
	}
	code, out, errOut := runCLI(t, "archive", "report", done, j)
	if code != exitIncomplete || !strings.Contains(out, "INCOMPLETE "+j) || strings.Contains(out, "INCOMPLETE "+done) || !strings.Contains(errOut, "1 of 2 journals incomplete") {
		t.Fatalf("report: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = runCLI(t, "archive", "report", "--output", "json", done, j)
	var rep struct {
		Records  int `json:"records"`
		Journals []struct {
			Journal  string `json:"journal"`
			Complete bool   `json:"complete"`
		} `json:"journals"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != exitIncomplete || len(rep.Journals) != 2 ||
		!rep.Journals[0].Complete || rep.Journals[1].Complete || rep.Journals[1].Journal != j || rep.Records != 2 {
		t.Fatalf("report --output json: exit %d %v %+v\n%s", code, err, rep, out)
	}
	// Resumed to the end: complete, and the exit code is the run's again
	// (every 4th record is tampered: 1).
	if code, _, errOut := runCLIWithStdin(t, strings.Join(names, "\n"), args...); code != 1 {
		t.Fatalf("rerun: exit %d %s", code, errOut)
	}
	if code, out, _ := runCLI(t, "archive", "report", done, j); code != 1 || strings.Contains(out, "INCOMPLETE") {
		t.Fatalf("report after the rerun: exit %d\n%s", code, out)
	}
}

// runCLIWithStdin is runCLI with stdin.
func runCLIWithStdin(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb strings.Builder
	code := run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}
