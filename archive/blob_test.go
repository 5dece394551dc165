package archive

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gocloud.dev/blob"

	"github.com/hpki-jp/hpki/internal/peer"
	"github.com/hpki-jp/hpki/verify"
)

// s3Server starts versitygw (an S3 gateway over a folder, the real S3
// protocol) on 127.0.0.1 and returns the URL of a new bucket; the server
// stops when the test ends. AWS credentials for it are put in the
// environment, as an operator would.
func s3Server(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("versitygw")
	if err != nil {
		gobin := filepath.Join(os.Getenv("HOME"), "go", "bin", "versitygw")
		if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
			gobin = filepath.Join(strings.TrimSpace(string(out)), "bin", "versitygw")
		}
		bin = peer.RequireFile(t, gobin, "go install github.com/versity/versitygw/cmd/versitygw@v1.8.0")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	root, side := t.TempDir(), t.TempDir()
	cmd := exec.Command(bin, "--port", addr, "--access", "hpkitest", "--secret", "hpkitestsecret", "--quiet", "posix", "--sidecar", side, root)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for i := 0; ; i++ {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			break
		}
		if i > 600 {
			t.Fatalf("versitygw did not listen on %s", addr)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "hpkitest")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "hpkitestsecret")
	t.Setenv("AWS_REGION", "us-east-1")
	// A bucket of the posix backend is a folder of its root.
	if err := os.Mkdir(filepath.Join(root, "records"), 0o755); err != nil {
		t.Fatal(err)
	}
	return "s3://records?endpoint=http://" + addr + "&use_path_style=true&region=us-east-1"
}

func upload(t *testing.T, bucketURL string, files map[string][]byte) {
	t.Helper()
	b, err := blob.OpenBucket(context.Background(), bucketURL)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for k, v := range files {
		if err := b.WriteAll(context.Background(), k, v, nil); err != nil {
			t.Fatal(err)
		}
	}
}

// Records in an S3 bucket (a real S3 server on 127.0.0.1) are verified as
// on disk, their content found beside them, in key order; renewal writes
// back only over the version read.
func TestBucketVerifyAndRenew(t *testing.T) {
	url := s3Server(t)
	f := newFixture(t)
	files := map[string][]byte{}
	for i := range 5 {
		doc := []byte(fmt.Sprintf("referral letter %d", i))
		sig := f.cades(t, f.p.Doctor, doc)
		if i == 3 {
			doc = append(doc, '!')
		}
		files[fmt.Sprintf("2026/%d/r%d.txt", i%2, i)] = doc
		files[fmt.Sprintf("2026/%d/r%d.txt.p7s", i%2, i)] = sig
	}
	files["2026/notes.txt"] = []byte("not a record")
	files["other/r9.txt.p7s"] = []byte("outside the prefix")
	upload(t, url, files)

	prefixed := strings.Replace(url, "s3://records?", "s3://records/2026?", 1)
	src, closeB, err := OpenBucket(context.Background(), prefixed, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer closeB()
	recs, sum := collect(t, src, Options{Verify: f.opts, Jobs: 3})
	if sum.Records != 5 || sum.Passed != 4 || sum.Failed != 1 {
		t.Fatalf("%+v\n%v", sum, names(recs))
	}
	want := []string{"2026/0/r0.txt.p7s", "2026/0/r2.txt.p7s", "2026/0/r4.txt.p7s", "2026/1/r1.txt.p7s", "2026/1/r3.txt.p7s"}
	for i, r := range recs {
		if r.Path != want[i] || (r.Indication == verify.TotalPassed) == (i == 4) || r.Content != strings.TrimSuffix(want[i], ".p7s") {
			t.Errorf("record %d: %+v", i, r)
		}
	}
	// A manifest of keys below the prefix.
	src2, close2, err := OpenBucket(context.Background(), prefixed, strings.NewReader("1/r1.txt.p7s\n0/missing.p7s\n"))
	if err != nil {
		t.Fatal(err)
	}
	defer close2()
	recs, sum = collect(t, src2, Options{Verify: f.opts})
	if sum.Passed != 1 || sum.Errors != 1 || recs[1].Status != StatusError {
		t.Fatalf("manifest: %+v %v", sum, names(recs))
	}

	// Renewal: written back to B-LTA, conditionally.
	recs, sum = collect(t, src, Options{Verify: f.opts, Renew: &RenewOptions{TSA: f.tsa, Within: 24 * time.Hour}})
	if sum.Renewed != 4 || sum.Refused != 0 {
		t.Fatalf("renew: %+v\n%+v", sum, recs)
	}
	recs, _ = collect(t, src, Options{Verify: f.opts})
	for _, r := range recs {
		if r.Indication == verify.TotalPassed && r.Level != "CAdES-BASELINE-LTA" {
			t.Errorf("%s not renewed in the bucket: %s", r.Path, r.Level)
		}
	}

	// A concurrent writer between the read and the write wins: the
	// renewal is refused, the other writer's object stays.
	dir, _ := src.folder(context.Background(), "2026/0/r0.txt.p7s")
	rc, err := dir.open("r0.txt.p7s")
	if err != nil {
		t.Fatal(err)
	}
	io.ReadAll(rc)
	rc.Close()
	upload(t, url, map[string][]byte{"2026/0/r0.txt.p7s": []byte("written by someone else")})
	err = dir.replace("r0.txt.p7s", nil, []byte("renewal"), false)
	if err == nil || !strings.Contains(err.Error(), "changed since it was read") {
		t.Fatalf("conditional put over a concurrent write: %v", err)
	}
	b, _ := blob.OpenBucket(context.Background(), url)
	defer b.Close()
	if got, _ := b.ReadAll(context.Background(), "2026/0/r0.txt.p7s"); string(got) != "written by someone else" {
		t.Fatalf("the concurrent write was overwritten: %q", got)
	}
}

// A store that cannot write conditionally is never renewed; bucket URLs
// with credentials are refused.
func TestBucketWithoutConditionalWrite(t *testing.T) {
	f := newFixture(t)
	doc := []byte("referral letter")
	f.write(t, "a/r.txt", doc)
	f.write(t, "a/r.txt.p7s", f.cades(t, f.p.Doctor, doc))
	src, closeB, err := OpenBucket(context.Background(), "file://"+f.dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer closeB()
	recs, sum := collect(t, src, Options{Verify: f.opts})
	if sum.Passed != 1 || recs[0].Path != "a/r.txt.p7s" {
		t.Fatalf("%+v %v", sum, names(recs))
	}
	before, _ := os.ReadFile(filepath.Join(f.dir, "a/r.txt.p7s"))
	recs, sum = collect(t, src, Options{Verify: f.opts, Renew: &RenewOptions{TSA: f.tsa}})
	if sum.Refused != 1 || !strings.Contains(recs[0].Error, "cannot write conditionally") {
		t.Fatalf("%+v %+v", sum, recs)
	}
	if after, _ := os.ReadFile(filepath.Join(f.dir, "a/r.txt.p7s")); string(after) != string(before) {
		t.Fatal("written without a condition")
	}
	if _, _, err := OpenBucket(context.Background(), "s3://user:pw@records", nil); err == nil {
		t.Fatal("credentials in the URL accepted")
	}
	if !IsBucketURL("s3://x") || IsBucketURL("/srv/records") || IsBucketURL("./a://b") {
		t.Fatal("IsBucketURL")
	}

}
