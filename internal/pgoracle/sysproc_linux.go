package pgoracle

import "syscall"

// canSwitchUser reports whether sysProcAttr can run a child as another user.
const canSwitchUser = true

// sysProcAttr runs a child as u (nil: as this process) and, because the
// kernel applies Pdeathsig after the credential switch, has the kernel send
// it SIGQUIT (PostgreSQL's immediate shutdown) when the test binary dies,
// be it from a -timeout panic or a TestMain that never calls StopShared.
func sysProcAttr(u *osUser) *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{Pdeathsig: syscall.SIGQUIT}
	if u != nil {
		attr.Credential = &syscall.Credential{Uid: uint32(u.uid), Gid: uint32(u.gid), Groups: []uint32{}}
	}
	return attr
}
