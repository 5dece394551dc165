package main

import (
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/hpki-jp/hpki/certinfo"
	"github.com/hpki-jp/hpki/verify"
)

// Report formats of --output. The format is of what a command prints on
// stdout; files a command writes are named with -o/--out.
const (
	formatText  = "text"
	formatJSON  = "json"
	formatJSONL = "jsonl"
)

// outputFlags is the --output flag of every command that prints a result.
// --lang is a persistent flag of the root command (uiLang); lang is set
// from it by validate for commands that read it from here.
//
// To adopt on a new command: declare `var out outputFlags`, call
// out.register(cmd) when building it and out.validate() first thing in
// RunE, then print with out.emit(w, results...) (JSON) or text when
// out.text().
//
// With --output json a command prints one JSON document: the result
// object for one input, an array of result objects for several (hpki
// verify A B C). --output jsonl prints one result object per line
// whatever their number, which is what a script that handles any number
// of files should read.
type outputFlags struct {
	output string
	lang   string
}

func (o *outputFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.output, "output", formatText, "report format printed on stdout: text, json or jsonl (one JSON object per line); files written are named with -o")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{formatText, formatJSON, formatJSONL}, cobra.ShellCompDirectiveNoFileComp))
}

func (o *outputFlags) validate() error {
	switch o.output {
	case formatText, formatJSON, formatJSONL:
	default:
		return usageError(fmt.Errorf("--output must be text, json or jsonl, not %q (the output file is -o/--out)", o.output))
	}
	o.lang = uiLang
	return nil
}

// text reports whether the text report was asked for.
func (o *outputFlags) text() bool { return o.output == formatText || o.output == "" }

// isJSON reports whether --output is json or jsonl.
func (o *outputFlags) isJSON() bool { return o.output == formatJSON || o.output == formatJSONL }

// emit prints results in the JSON format asked for: one document (the
// object alone when there is one, else an array) for json, one compact
// line per result for jsonl.
func (o *outputFlags) emit(w io.Writer, results ...any) error {
	if o.output == formatJSONL {
		for _, r := range results {
			if err := writeJSONLine(w, r); err != nil {
				return err
			}
		}
		return nil
	}
	if len(results) == 1 {
		return writeJSON(w, results[0])
	}
	if results == nil {
		results = []any{}
	}
	return writeJSON(w, results)
}

// writeJSON writes v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// writeJSONLine writes v as JSON on one line.
func writeJSONLine(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// errorResult is what a JSON report holds for an input that could not be
// read or parsed at all (exit 3): the error in place of a validation.
type errorResult struct {
	File     string `json:"file"`
	Error    string `json:"error"`
	ExitCode int    `json:"exitCode"`
}

// signerSummary names a signer in the JSON result of sign and extend.
type signerSummary struct {
	Subject   string        `json:"subject"`
	SubjectJa string        `json:"subjectJa,omitempty"`
	Issuer    string        `json:"issuer"`
	Serial    string        `json:"serial"`
	Roles     []verify.Role `json:"roles"`
	HPKI      string        `json:"hpki"`
}

// summaryOf is the signer a validation report names.
func summaryOf(s verify.Signer) signerSummary {
	roles := s.Roles
	if roles == nil {
		roles = []verify.Role{}
	}
	return signerSummary{Subject: s.Subject, SubjectJa: s.SubjectJa, Issuer: s.Issuer, Serial: s.Serial, Roles: roles, HPKI: s.HPKI}
}

func summarizeSigner(c *x509.Certificate) signerSummary {
	if c == nil {
		return signerSummary{Roles: []verify.Role{}}
	}
	i := certinfo.Describe(c)
	roles := []verify.Role{}
	for _, r := range i.Roles {
		roles = append(roles, verify.Role{Code: r.Code, Ja: r.Ja, Scheme: r.Scheme})
	}
	return signerSummary{Subject: i.Subject, SubjectJa: i.SubjectJa, Issuer: i.Issuer, Serial: i.Serial, Roles: roles, HPKI: i.HPKI}
}

// writeResult is the JSON result of hpki sign and hpki extend for one
// signature written: where from and to, the level it validates at, who
// signed, and the time a timestamp proves (absent at level B).
type writeResult struct {
	Input      string        `json:"input"`
	Output     string        `json:"output"`
	Format     string        `json:"format"`
	Packaging  string        `json:"packaging,omitempty"`
	Field      string        `json:"field,omitempty"` // PDF: the signature field signed
	Level      string        `json:"level"`
	Signer     signerSummary `json:"signer"`
	ProvenTime *time.Time    `json:"provenTime,omitempty"`
	RenewBy    *time.Time    `json:"renewBy,omitempty"`
	Warnings   []string      `json:"warnings,omitempty"`
}

// utcPtr is t in UTC, nil when zero (JSON reports are in UTC).
func utcPtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}
