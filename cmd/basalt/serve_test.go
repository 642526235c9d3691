package main

import "testing"

// TestJoinCacheConfig: --join-cache-bytes 0 (or less) keeps nothing, which
// server.Config says with a negative value; its default and other values
// pass through.
func TestJoinCacheConfig(t *testing.T) {
	for flag, want := range map[int64]int64{0: -1, -5: -1, 1: 1, 256 << 20: 256 << 20} {
		if got := joinCacheConfig(flag); got != want {
			t.Errorf("--join-cache-bytes %d: config %d, want %d", flag, got, want)
		}
	}
	f := serveCmd().Flags().Lookup("join-cache-bytes")
	if f == nil || f.DefValue != "268435456" {
		t.Errorf("--join-cache-bytes default: %v, want 268435456 (256 MiB)", f)
	}
}
