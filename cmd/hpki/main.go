// Command hpki signs clinical documents with HPKI credentials, timestamps
// them, and validates HPKI signatures for the long term.
//
// Exit codes (stable): 0 success / TOTAL_PASSED, 1 failure / TOTAL_FAILED,
// 2 INDETERMINATE, 3 usage error or unreadable input.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hpki-jp/hpki/internal/textsafe"
)

// Exit codes of the hpki command.
const (
	exitOK            = 0
	exitFailed        = 1
	exitIndeterminate = 2
	exitUsage         = 3
	// exitIncomplete: archive report over a journal whose last run did
	// not finish (its summary is not the whole run's).
	exitIncomplete = 4
)

// exitError carries an exit code with an error. A nil err means a silent
// exit with that code (the command already printed its report).
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// usageError wraps err as a usage or unreadable-input error (exit 3).
func usageError(err error) error { return &exitError{code: exitUsage, err: err} }

// failure wraps err as an operation failure (exit 1).
func failure(err error) error { return &exitError{code: exitFailed, err: err} }

// withCode returns a silent exit with the given code.
func withCode(code int) error { return &exitError{code: code} }

// commands holds the constructors of the top-level subcommands; each command
// file registers its own in an init function.
var commands []func() *cobra.Command

func register(f func() *cobra.Command) { commands = append(commands, f) }

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes the CLI and returns the process exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if err := selectLang(args); err != nil {
		fmt.Fprintln(stderr, "hpki: "+textsafe.String(err.Error()))
		return exitUsage
	}
	root := newRootCmd()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	code := exitUsage
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
		if ee.err == nil {
			return code
		}
	}
	fmt.Fprintln(stderr, "hpki: "+textsafe.String(localizeError(oneLine(err.Error()))))
	return code
}

// oneLine folds a message onto a single line. run also escapes what is
// left (textsafe.String): error messages quote file names, certificate
// names and document content.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "hpki",
		Short: "Sign and verify clinical documents with HPKI credentials",
		Long: `hpki signs clinical documents (referral letters, prescriptions, reports)
with an HPKI IC card or a software key, timestamps the signatures, checks the
HPKI role in the signer's certificate (医師, 薬剤師, 病院長 …) and validates
CAdES, XAdES and PAdES (PDF) signatures for the long term.

Exit codes: 0 success (TOTAL_PASSED), 1 failure (TOTAL_FAILED),
2 INDETERMINATE, 3 usage error or unreadable input.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError(err) })
	registerLang(root)
	// Known before the subcommand is looked up, so that "hpki --help
	// --lang ja" reads ja as the value of --lang, not as a command name.
	root.InitDefaultHelpFlag()
	for _, f := range commands {
		root.AddCommand(f())
	}
	rejectUnknownSubcommands(root)
	localize(root)
	return root
}

// rejectUnknownSubcommands makes each command group below root (hpki cert,
// hpki card, …) answer an unknown subcommand with a usage error (exit 3)
// instead of printing its help with exit 0 as cobra does; without
// arguments it still prints its help.
func rejectUnknownSubcommands(root *cobra.Command) {
	for _, c := range root.Commands() {
		if c.Runnable() || !c.HasSubCommands() {
			continue
		}
		c.Args = func(cmd *cobra.Command, args []string) error {
			if err := cobra.NoArgs(cmd, args); err != nil {
				return usageError(err)
			}
			return nil
		}
		c.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
	}
}

// exactArgs is cobra.ExactArgs with a usage exit code.
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cobra.ExactArgs(n)(cmd, args); err != nil {
			return usageError(err)
		}
		return nil
	}
}

// minArgs is cobra.MinimumNArgs with a usage exit code.
func minArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cobra.MinimumNArgs(n)(cmd, args); err != nil {
			return usageError(err)
		}
		return nil
	}
}
