package main

import (
	"github.com/spf13/cobra"
)

func rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "basalt",
		Short:         "Basalt: a real-time analytics database for streaming JSON",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(serveCmd(), sqlCmd(), loadCmd(), benchCmd(), keysCmd())
	return root
}
