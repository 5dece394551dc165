package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/hpki-jp/hpki/trust"
)

// outputFlags are the --output and --lang flags shared by reporting commands.
type outputFlags struct {
	output string
	lang   string
}

func (o *outputFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.output, "output", "text", "report format: text or json")
	cmd.Flags().StringVar(&o.lang, "lang", "en", "language of the text report: en or ja")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"text", "json"}, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("lang", cobra.FixedCompletions([]string{"en", "ja"}, cobra.ShellCompDirectiveNoFileComp))
}

func (o *outputFlags) validate() error {
	if o.output != "text" && o.output != "json" {
		return usageError(fmt.Errorf("--output must be text or json, not %q", o.output))
	}
	if o.lang != "en" && o.lang != "ja" {
		return usageError(fmt.Errorf("--lang must be en or ja, not %q", o.lang))
	}
	return nil
}

// writeJSON writes v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// trustFlags are --trust and --intermediates.
type trustFlags struct {
	trust         []string
	intermediates []string
}

func (t *trustFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&t.trust, "trust", nil, "trust anchors: PEM/DER file or directory (repeatable; default: the embedded MHLW HPKI Root CA V2)")
	cmd.Flags().StringArrayVar(&t.intermediates, "intermediates", nil, "extra intermediate CA certificates: PEM/DER file or directory (repeatable)")
}

// store returns the trust store the flags select; errors are usage errors.
func (t *trustFlags) store() (*trust.Store, error) {
	s := trust.Default()
	if len(t.trust) > 0 {
		var err error
		if s, err = trust.Load(t.trust...); err != nil {
			return nil, usageError(fmt.Errorf("--trust: %w", err))
		}
	}
	if len(t.intermediates) > 0 {
		certs, err := trust.ReadFiles(t.intermediates...)
		if err != nil {
			return nil, usageError(fmt.Errorf("--intermediates: %w", err))
		}
		s = s.WithIntermediates(certs...)
	}
	return s, nil
}

// parseAt parses an --at value (RFC 3339); empty means now.
func parseAt(s string) (time.Time, error) {
	if s == "" {
		return time.Now(), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, usageError(fmt.Errorf("--at: want an RFC 3339 time such as 2030-01-02T15:04:05+09:00: %w", err))
	}
	return t, nil
}

// envModule returns the PKCS#11 module named by HPKI_PKCS11_MODULE.
func envModule() string { return os.Getenv("HPKI_PKCS11_MODULE") }
