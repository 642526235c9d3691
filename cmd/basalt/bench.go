package main

import (
	"github.com/spf13/cobra"
)

func benchCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Benchmark workloads against a running server",
	}
	cmd.AddCommand(benchIngestCmd())
	return cmd
}
