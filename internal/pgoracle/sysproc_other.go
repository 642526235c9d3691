//go:build !linux

package pgoracle

import "syscall"

// canSwitchUser reports whether sysProcAttr can run a child as another user:
// not implemented here, so serverUser refuses to run as root.
const canSwitchUser = false

// sysProcAttr runs a child as this process; serverUser never returns a user
// when canSwitchUser is false.
func sysProcAttr(*osUser) *syscall.SysProcAttr { return nil }
