//go:build !linux

package paced

import "github.com/cockroachdb/pebble/v2/vfs"

// StartWriteback does nothing where the kernel takes no write-back hint.
func StartWriteback(vfs.File, int64, int64) {}
