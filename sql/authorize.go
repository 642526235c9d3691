package sql

import (
	"errors"

	"github.com/basaltdb/basalt/sql/sqlerr"
)

// Authorizer decides whether a session may read or write a collection. The
// protocol faces set Session.Auth from the caller's API key (package auth's
// Principal implements it); sql never imports auth. An error refuses the
// statement with SQLSTATE 42501 (insufficient_privilege), before anything
// is read or written.
type Authorizer interface {
	AuthorizeRead(ws, coll string) error
	AuthorizeWrite(ws, coll string) error
}

// CheckRead asks s.Auth whether the session may read ws.coll; nil Auth
// allows everything. Statements check every collection they bind, so
// callers need this only for reads outside statements (catalog listings).
func (s *Session) CheckRead(ws, coll string) error {
	if s.Auth == nil {
		return nil
	}
	return denied(s.Auth.AuthorizeRead(ws, coll))
}

// CheckWrite asks s.Auth whether the session may write ws.coll: INSERT
// does, and so must every other writer that runs for a session (COPY).
func (s *Session) CheckWrite(ws, coll string) error {
	if s.Auth == nil {
		return nil
	}
	return denied(s.Auth.AuthorizeWrite(ws, coll))
}

func denied(err error) error {
	if err == nil {
		return nil
	}
	var se *sqlerr.Error
	if errors.As(err, &se) {
		return err
	}
	return sqlerr.New(sqlerr.InsufficientPrivilege, "%s", err.Error())
}
