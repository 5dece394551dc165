package main

import "github.com/spf13/cobra"

func localizeHelp(cmd *cobra.Command) {}
