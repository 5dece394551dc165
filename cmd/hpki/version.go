package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version, commit and date may be set at build time with
// -ldflags "-X main.version=v1.2.3 -X main.commit=… -X main.date=…"
// (make release does). Unset, they come from the build info Go records:
// the module version (go install …@v1.2.3) and the VCS revision and time
// of a build from a checkout.
var version, commit, date string

func init() { register(newVersionCmd) }

// buildVersion is the version, commit and commit date of this binary;
// "dev" and "unknown" when nothing recorded them.
func buildVersion() (v, c, d string, modified bool) {
	v, c, d = version, commit, date
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if c == "" {
					c = s.Value
				}
			case "vcs.time":
				if d == "" {
					d = s.Value
				}
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if v == "" {
		v = "dev"
	}
	if c == "" {
		c = "unknown"
	}
	if d == "" {
		d = "unknown"
	}
	return v, c, d, modified
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the hpki version, commit and build date",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			v, c, d, modified := buildVersion()
			if modified {
				c += "+modified"
			}
			cards := tr("card support", "カード対応")
			if !cardSupport {
				cards = tr("no card support", "カード非対応")
			}
			fmt.Fprintf(cmd.OutOrStdout(), "hpki %s (commit %s, %s; %s %s/%s; %s)\n", v, c, d, runtime.Version(), runtime.GOOS, runtime.GOARCH, cards)
			return nil
		},
	}
}
