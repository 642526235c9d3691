package main

import (
	"strings"
	"testing"
)

// TestJoinCacheConfig: --join-cache-bytes 0 keeps nothing, which
// server.Config says with a negative value; its default and other values
// pass through; a negative value is refused, by name, before a server starts.
func TestJoinCacheConfig(t *testing.T) {
	for flag, want := range map[int64]int64{0: -1, 1: 1, 256 << 20: 256 << 20} {
		if got, err := joinCacheConfig(flag); err != nil || got != want {
			t.Errorf("--join-cache-bytes %d: config %d (%v), want %d", flag, got, err, want)
		}
	}
	_, _, err := runBasalt("serve", "--join-cache-bytes", "-5", "--data-dir", t.TempDir(), "--http-addr", "127.0.0.1:0", "--pg-addr", "127.0.0.1:0")
	if err == nil || !strings.Contains(err.Error(), "--join-cache-bytes -5: must not be negative") {
		t.Errorf("--join-cache-bytes -5: %v, want it refused", err)
	}
	f := serveCmd().Flags().Lookup("join-cache-bytes")
	if f == nil || f.DefValue != "268435456" {
		t.Errorf("--join-cache-bytes default: %v, want 268435456 (256 MiB)", f)
	}
}

// TestHeapTargetFlag: --heap-target defaults to 1.5 GiB and a negative
// value is refused, by name, before a server starts.
func TestHeapTargetFlag(t *testing.T) {
	_, _, err := runBasalt("serve", "--heap-target", "-1", "--data-dir", t.TempDir(), "--http-addr", "127.0.0.1:0", "--pg-addr", "127.0.0.1:0")
	if err == nil || !strings.Contains(err.Error(), "--heap-target -1: must not be negative") {
		t.Errorf("--heap-target -1: %v, want it refused", err)
	}
	f := serveCmd().Flags().Lookup("heap-target")
	if f == nil || f.DefValue != "1610612736" {
		t.Errorf("--heap-target default: %v, want 1610612736 (1.5 GiB)", f)
	}
}
