package main

import (
	"errors"
	"time"

	"github.com/spf13/cobra"

	"github.com/hpki-jp/hpki/archive"
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
reason; ERROR for an I/O problem: unreadable, vanished, permission denied)
and counted in the summary. File names with control characters or quotes
are printed quoted.

For archives of millions of records: records are streamed (memory stays
flat), printed in a stable order, one JSON line each with --output jsonl;
--journal makes a run resumable after a crash, a kill or a reboot;
--manifest and --shard K/N split a run over the tasks of a batch engine
(Kubernetes Indexed Job, Slurm array, AWS Batch, GNU parallel), and
"hpki archive report" merges their journals. PATH may be a bucket URL
(s3://, gs://, azblob://, file://). SIGINT/SIGTERM stop taking records,
finish those in flight, print the summary and exit 130/143.`,
	}
	cmd.AddCommand(newArchiveRunCmd(false), newArchiveRunCmd(true), newArchiveReportCmd())
	return cmd
}

func newArchiveRunCmd(renew bool) *cobra.Command {
	var (
		out                 outputFlags
		tf                  trustFlags
		rf                  revocationFlags
		af                  archiveFlags
		tsaTrust            []string
		at                  string
		jobs                int
		within              time.Duration
		tsaURL, tsaUser     string
		tsaTimeout          time.Duration
		dryRun, force       bool
		use, short, long, x string
	)
	use, short = "verify [PATH...]", "Validate every signature file under PATH, in parallel, one line each"
	long = `Validate every signature file under the given files and folders (or
named by --manifest), in parallel, as hpki verify does, and print one line
per file in a stable order (a JSON array with --output json, one JSON
object per line with --output jsonl, then a summary line): its indication,
level and renewal deadline, then a summary.

Exit codes: 0 all TOTAL_PASSED and nothing skipped, 1 some TOTAL_FAILED,
2 some INDETERMINATE, ERROR or SKIPPED (and none failed), 3 usage error, a
missing root, or nothing found (unless --allow-empty), 130/143 stopped by
SIGINT/SIGTERM (the output so far is complete and valid).`
	x = `  hpki archive verify /srv/records --offline
  hpki archive verify /srv/records --output jsonl --journal run.journal > run.jsonl
  hpki archive verify /srv/records --shard "$JOB_COMPLETION_INDEX/8" --journal /out/shard-$JOB_COMPLETION_INDEX.journal
  hpki archive verify 's3://records?endpoint=http://127.0.0.1:7070&use_path_style=true' --output jsonl`
	if renew {
		use, short = "renew [PATH...] --tsa URL", "Extend to B-LTA every valid record that is not B-LTA or whose renewal deadline is near"
		long = `Validate every signature file under the given files and folders (or named
by --manifest) and extend to B-LTA, in place and atomically, each one that
passes and is below B-LTA or whose renewal deadline (the expiry of its
newest timestamp's TSA certificate) falls within --within. Records that do
not pass are reported and left untouched. --dry-run writes nothing (no
journal either: --journal is refused with it) and says "would renew".

A renewed record keeps its mode, owner and group; a read-only record (no
write permission bit) is not replaced unless --force is given. In a bucket,
the new version is written only if the object is still the version that
was read (a conditional put): a concurrent writer is never overwritten.
On disk, the record is read again just before the new version is renamed
over it and must be unchanged (size, modification time, SHA-256), else it
is left as it is ("changed while renewing"); only a write in the instant
between that check and the rename can still be lost. A file:// URL cannot
write conditionally: its records are not renewed.

Exit codes as for hpki archive verify; a refused renewal counts as failed.`
		x = `  hpki archive renew /srv/records --tsa https://tsa.example.jp/ --within 8760h --journal renew.journal
  hpki archive renew /srv/records --tsa http://127.0.0.1:3161/ --dry-run`
	}
	cmd := &cobra.Command{
		Use: use, Short: short, Long: long, Example: x,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			format := out.output
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
				if dryRun && af.journal != "" {
					return usageError(errors.New("--dry-run writes nothing: no --journal with it"))
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
			return runArchive(cmd, args, &af, opts, format, renew)
		},
	}
	out.register(cmd)
	cmd.Flags().Lookup("output").Usage = "report format: text, json (one array) or jsonl (one record per line, then a summary line)"
	tf.register(cmd)
	rf.register(cmd)
	af.register(cmd)
	fl := cmd.Flags()
	fl.StringArrayVar(&tsaTrust, "tsa-trust", nil, "trust anchors for TSA certificates (default: --trust)")
	fl.StringVar(&at, "at", "", "validate as of this time (RFC 3339), default now")
	fl.IntVar(&jobs, "jobs", 0, "files handled at once (default: the number of CPUs)")
	if renew {
		fl.DurationVar(&within, "within", 365*24*time.Hour, "renew records whose deadline falls within this duration")
		fl.StringVar(&tsaURL, "tsa", "", "RFC 3161 TSA URL for the archive timestamps")
		fl.StringVar(&tsaUser, "tsa-user", "", "TSA basic-auth user (password from env HPKI_TSA_PASSWORD)")
		fl.DurationVar(&tsaTimeout, "tsa-timeout", 30*time.Second, "TSA request timeout")
		fl.BoolVar(&dryRun, "dry-run", false, "only report what would be renewed (\"would renew\")")
		fl.BoolVar(&force, "force", false, "also replace read-only records")
	}
	return cmd
}
