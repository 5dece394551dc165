// Command gencerts writes the test HPKI (TEST ONLY credentials) used by the
// tests and the demo: go run ./internal/testpki/cmd/gencerts -out testdata/certs
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/hpki-jp/hpki/internal/testpki"
)

func main() {
	out := flag.String("out", "testdata/certs", "output directory")
	flag.Parse()
	p, err := testpki.Generate(testpki.Options{})
	if err == nil {
		err = p.WriteDir(*out)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gencerts:", err)
		os.Exit(1)
	}
	fmt.Println("gencerts: test HPKI written to", *out)
}
