package main

import (
	"github.com/spf13/cobra"
)

func benchCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Benchmark workloads: ingest against a running server, queries in-process",
	}
	cmd.AddCommand(benchIngestCmd(), benchQueryCmd(), benchLatencyCmd())
	return cmd
}
