package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/hpki-jp/hpki/internal/peer"
)

// TestAttackScripts runs the end-to-end attacks of testdata/attacks against
// a freshly built hpki. Each script builds its inputs with OpenSSL and
// Python's cryptography package from the test PKI and exits 0 while the
// defect it shows is present, 1 once it is not, and 2 when it could not
// set itself up (which fails the test too).
func TestAttackScripts(t *testing.T) {
	if testing.Short() {
		t.Skip("builds hpki and runs end-to-end attacks")
	}
	bash := peer.Require(t, "bash", "apt-get install bash")
	peer.Require(t, "openssl", "apt-get install openssl")
	peer.Require(t, "python3", "apt-get install python3")
	if err := exec.Command("python3", "-c", "import cryptography").Run(); err != nil {
		peer.Missing(t, "python3's cryptography package", "apt-get install python3-cryptography")
	}
	scripts, err := filepath.Glob(filepath.Join("..", "..", "testdata", "attacks", "*.sh"))
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no attack scripts: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "hpki")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	certs, _ := filepath.Abs(filepath.Join("..", "..", "testdata", "certs"))
	for _, s := range scripts {
		t.Run(filepath.Base(s), func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(bash, s)
			cmd.Env = append(os.Environ(), "HPKI="+bin, "CERTS="+certs)
			out, err := cmd.CombinedOutput()
			var ee *exec.ExitError
			switch {
			case err == nil:
				t.Fatalf("the attack still works:\n%s", out)
			case errors.As(err, &ee) && ee.ExitCode() == 1:
				t.Logf("%s", out)
			default:
				t.Fatalf("the attack script could not run (%v):\n%s", err, out)
			}
		})
	}
}
