package main

import (
	"strings"
	"testing"
)

// TestBenchIngestFlags: a run that could write nothing is refused before
// it reaches a server, with the flag named.
func TestBenchIngestFlags(t *testing.T) {
	for _, args := range [][]string{
		{"bench", "ingest", "--duration", "0"},
		{"bench", "ingest", "--duration", "-1s", "--docs", "10"},
		{"bench", "ingest", "--mode", "upsert"},
	} {
		_, _, err := runBasalt(append(args, "--url", "http://127.0.0.1:1")...)
		if err == nil || !strings.Contains(err.Error(), args[2]) {
			t.Errorf("%v: %v, want an error naming %s", args, err, args[2])
		}
	}
}
