package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hpki-jp/hpki/internal/peer"
)

// readmeBlocks returns the shell blocks of the README marked runnable (an
// <!-- runnable --> line right before the ```sh fence), in order.
func readmeBlocks(text string) []string {
	var blocks []string
	sc := bufio.NewScanner(strings.NewReader(text))
	marked, in := false, false
	var cur []string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case in && strings.HasPrefix(line, "```"):
			blocks = append(blocks, strings.Join(cur, "\n")+"\n")
			in, cur = false, nil
		case in:
			cur = append(cur, line)
		case marked && strings.HasPrefix(line, "```sh"):
			in, marked = true, false
		case strings.TrimSpace(line) == "<!-- runnable -->":
			marked = true
		case strings.TrimSpace(line) != "":
			marked = false
		}
	}
	return blocks
}

func TestReadmeBlocks(t *testing.T) {
	got := readmeBlocks("a\n<!-- runnable -->\n```sh\necho 1\n```\n```sh\necho no\n```\n<!-- runnable -->\n\n```sh\necho 2\necho 3\n```\n<!-- runnable -->\ntext\n```sh\necho no\n```\n")
	if len(got) != 2 || got[0] != "echo 1\n" || got[1] != "echo 2\necho 3\n" {
		t.Fatalf("%q", got)
	}
}

// TestREADMERunnable runs the README's runnable shell blocks verbatim, in
// order, as one bash script, in an empty folder beside a copy of testdata/
// and with a freshly built hpki first on the PATH.
func TestREADMERunnable(t *testing.T) {
	if testing.Short() {
		t.Skip("builds hpki and runs the README tour")
	}
	bash := peer.Require(t, "bash", "apt-get install bash")
	peer.Require(t, "openssl", "apt-get install openssl")
	text, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := readmeBlocks(string(text))
	if len(blocks) < 3 {
		t.Fatalf("%d runnable blocks in README.md", len(blocks))
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	build := exec.Command("go", "build", "-o", filepath.Join(bin, "hpki"), ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	repo, _ := filepath.Abs(filepath.Join("..", ".."))
	work := filepath.Join(dir, "work")
	if err := os.MkdirAll(work, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(repo, "testdata"), filepath.Join(work, "testdata")); err != nil {
		t.Fatal(err)
	}
	script := "set -euo pipefail\n" + strings.Join(blocks, "")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bash, "-c", script)
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "LANG=C.UTF-8", "LC_ALL=", "TZ=Asia/Tokyo")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("README blocks failed: %v\n%s", err, out)
	}
	for _, want := range []string{"TOTAL_PASSED", "有効", "Verification: OK", "CAdES-BASELINE-LTA", "renewed"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("README output lacks %q:\n%s", want, out)
		}
	}
}
