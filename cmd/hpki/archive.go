package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/hpki-jp/hpki/archive"
	"github.com/hpki-jp/hpki/internal/textsafe"
	"github.com/hpki-jp/hpki/verify"
)

func init() { register(newArchiveCmd) }

func newArchiveCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "archive",
		Short: "Re-verify and renew stored signatures in bulk",
		Long: `Re-verify and renew the signatures of an archive: every .p7s/.p7m file and every
XML document with a ds:Signature under the given folders. The content of a
detached CAdES signature NAME.p7s (or NAME.lt.p7s, NAME.lta.p7s) is NAME
beside it; detached XAdES references are resolved to files beside the
document only.

Only regular files are read, and only inside the folder of the signature
that names them: the walk does not follow symbolic links, a link to a file
in the same folder is followed for content, one leading out of the folder
is not; FIFOs, devices and sockets are never opened in a way that could
block. Each entry not read is reported on its own line (SKIPPED, with the
reason) and counted in the summary. File names with control characters or
quotes are printed quoted.`,
	}
	cmd.AddCommand(newArchiveRunCmd(false), newArchiveRunCmd(true))
	return cmd
}

func newArchiveRunCmd(renew bool) *cobra.Command {
	var (
		out                 outputFlags
		tf                  trustFlags
		rf                  revocationFlags
		tsaTrust            []string
		at                  string
		jobs                int
		within              time.Duration
		tsaURL, tsaUser     string
		tsaTimeout          time.Duration
		dryRun, force       bool
		use, short, long, x string
	)
	use, short = "verify PATH...", "Validate every signature file under PATH, in parallel, one line each"
	long = `Validate every signature file under the given files and folders, in
parallel, as hpki verify does, and print one line per file (or a JSON array
with --output json): its indication, level and renewal deadline, then a
summary.

Exit codes: 0 all TOTAL_PASSED and nothing skipped, 1 some TOTAL_FAILED,
2 some INDETERMINATE or some entries skipped (and none failed), 3 usage
error.`
	x = "  hpki archive verify /srv/records --offline\n  hpki archive verify /srv/records --output json > report.json"
	if renew {
		use, short = "renew PATH... --tsa URL", "Extend to B-LTA every valid record that is not B-LTA or whose renewal deadline is near"
		long = `Validate every signature file under the given files and folders and extend
to B-LTA, in place and atomically, each one that passes and is below B-LTA
or whose renewal deadline (the expiry of its newest timestamp's TSA
certificate) falls within --within. Records that do not pass are reported
and left untouched.

A renewed record keeps its mode, owner and group; a read-only record (no
write permission bit) is not replaced unless --force is given.

Exit codes as for hpki archive verify; a refused renewal counts as failed.`
		x = "  hpki archive renew /srv/records --tsa https://tsa.example.jp/ --within 8760h\n  hpki archive renew /srv/records --tsa http://127.0.0.1:3161/ --dry-run"
	}
	cmd := &cobra.Command{
		Use: use, Short: short, Long: long, Example: x,
		Args: minArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			if len(tsaTrust) == 0 {
				tsaTrust = tf.trust // --tsa-trust defaults to --trust, for validation and the renewal TSA
			}
			vo, err := validationOptions(&tf, tsaTrust, &rf)
			if err != nil {
				return err
			}
			opts := archive.Options{Verify: vo, Jobs: jobs}
			if at != "" {
				if opts.Verify.At, err = parseAt(at); err != nil {
					return err
				}
			}
			if renew {
				if tsaURL == "" && !dryRun {
					return usageError(errors.New("archive renew needs --tsa (or --dry-run)"))
				}
				opts.Renew = &archive.RenewOptions{Within: within, DryRun: dryRun, Force: force}
				if tsaURL != "" {
					c, err := newTSAClient(tsaURL, tsaUser, tsaTrust, tsaTimeout, 0)
					if err != nil {
						return err
					}
					opts.Renew.TSA = c
				}
			}
			files, skipped, err := archive.Walk(args...)
			if err != nil {
				return usageError(err)
			}
			var report func(archive.Record)
			switch out.output {
			case formatText:
				report = func(r archive.Record) { writeRecord(cmd.OutOrStdout(), r) }
			case formatJSONL: // one record per line, as each is done
				report = func(r archive.Record) { _ = writeJSONLine(cmd.OutOrStdout(), r) }
			}
			if report != nil {
				for _, r := range skipped {
					report(r)
				}
			}
			recs := append(skipped, archive.Run(cmd.Context(), files, opts, report)...)
			if out.output == formatJSONL {
				return finishArchive(io.Discard, recs, false, renew) // the exit code only
			}
			return finishArchive(cmd.OutOrStdout(), recs, out.isJSON(), renew)
		},
	}
	out.register(cmd)
	tf.register(cmd)
	rf.register(cmd)
	fl := cmd.Flags()
	fl.StringArrayVar(&tsaTrust, "tsa-trust", nil, "trust anchors for TSA certificates (default: --trust)")
	fl.StringVar(&at, "at", "", "validate as of this time (RFC 3339), default now")
	fl.IntVar(&jobs, "jobs", 0, "files handled at once (default: the number of CPUs)")
	if renew {
		fl.DurationVar(&within, "within", 365*24*time.Hour, "renew records whose deadline falls within this duration")
		fl.StringVar(&tsaURL, "tsa", "", "RFC 3161 TSA URL for the archive timestamps")
		fl.StringVar(&tsaUser, "tsa-user", "", "TSA basic-auth user (password from env HPKI_TSA_PASSWORD)")
		fl.DurationVar(&tsaTimeout, "tsa-timeout", 30*time.Second, "TSA request timeout")
		fl.BoolVar(&dryRun, "dry-run", false, "only report what would be renewed")
		fl.BoolVar(&force, "force", false, "also replace read-only records")
	}
	return cmd
}

// writeRecord prints one line for a record. The path is quoted when it
// holds anything odd (textsafe.Name) and every other value is escaped, so
// a file name or an error message can never make a line of its own.
func writeRecord(w io.Writer, r archive.Record) {
	if r.Skipped != "" {
		fmt.Fprintf(w, "%-40s %s  (%s)\n", "SKIPPED", textsafe.Name(r.Path), textsafe.String(r.Skipped))
		return
	}
	ind := string(r.Indication)
	if r.SubIndication != "" {
		ind += "/" + string(r.SubIndication)
	}
	line := fmt.Sprintf("%-40s %s", ind, textsafe.Name(r.Path))
	if r.Level != "" {
		line += "  " + textsafe.String(r.Level)
	}
	if r.RenewBy != nil {
		line += "  renew by " + r.RenewBy.Format("2006-01-02")
	}
	if r.Renewed {
		line += "  RENEWED"
	}
	if r.Error != "" {
		line += "  (" + textsafe.String(r.Error) + ")"
	}
	fmt.Fprintln(w, line)
}

// finishArchive prints the summary (or the JSON array) and picks the exit
// code: the worst indication, a refused renewal counting as failed.
func finishArchive(w io.Writer, recs []archive.Record, asJSON, renew bool) error {
	counts := map[verify.Indication]int{}
	renewed, refused, skipped := 0, 0, 0
	for _, r := range recs {
		if r.Skipped != "" {
			skipped++
			continue
		}
		counts[r.Indication]++
		if r.Renewed {
			renewed++
		}
		if renew && r.Indication == verify.TotalPassed && !r.Renewed && r.Error != "" {
			refused++
		}
	}
	if asJSON {
		if recs == nil {
			recs = []archive.Record{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(recs); err != nil {
			return failure(err)
		}
	} else {
		fmt.Fprintf(w, "%d files: %d passed, %d failed, %d indeterminate", len(recs)-skipped, counts[verify.TotalPassed], counts[verify.TotalFailed], counts[verify.Indeterminate])
		if skipped > 0 {
			fmt.Fprintf(w, "; %d skipped", skipped)
		}
		if renew {
			fmt.Fprintf(w, "; %d renewed, %d refused", renewed, refused)
		}
		fmt.Fprintln(w)
	}
	switch {
	case counts[verify.TotalFailed] > 0 || refused > 0:
		return withCode(exitFailed)
	case counts[verify.Indeterminate] > 0 || skipped > 0:
		return withCode(exitIndeterminate)
	}
	return nil
}
