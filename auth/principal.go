package auth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/basaltdb/basalt/catalog"
)

// Error classes the protocol faces map to their denials: HTTP 401 and 403,
// SQLSTATE 28P01 and 42501.
var (
	// ErrUnauthenticated: no key, an unknown key, or a suspended, revoked
	// or expired one.
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrForbidden: a valid key whose role or workspaces do not allow the
	// action.
	ErrForbidden = errors.New("forbidden")
)

// Role is what a key may do.
type Role string

const (
	// RoleAdmin may do everything, manage API keys included.
	RoleAdmin Role = "admin"
	// RoleMember reads and writes: documents, INSERT, and creating and
	// dropping workspaces, collections and query lambdas.
	RoleMember Role = "member"
	// RoleReadOnly reads: queries, lists, documents by query.
	RoleReadOnly Role = "read-only"
)

// ParseRole accepts a role name, case-insensitive, with "_" for "-".
func ParseRole(s string) (Role, error) {
	switch strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), "_", "-") {
	case "admin":
		return RoleAdmin, nil
	case "member":
		return RoleMember, nil
	case "read-only", "readonly":
		return RoleReadOnly, nil
	}
	return "", fmt.Errorf("%w: role %q is not one of admin, member, read-only", catalog.ErrInvalid, s)
}

// Action is what a request does.
type Action uint8

const (
	// ActionRead reads: queries, lists, gets.
	ActionRead Action = iota
	// ActionWrite changes documents: add, patch, delete, INSERT, COPY.
	ActionWrite
	// ActionDDL creates or drops workspaces, collections and lambdas.
	ActionDDL
	// ActionAdmin manages API keys.
	ActionAdmin
)

func (a Action) String() string {
	switch a {
	case ActionRead:
		return "read"
	case ActionWrite:
		return "write"
	case ActionDDL:
		return "create or drop"
	case ActionAdmin:
		return "manage API keys"
	}
	return fmt.Sprintf("Action(%d)", a)
}

// Principal is the caller a key stands for.
type Principal struct {
	// KeyName is the key's name; "" for Superuser.
	KeyName string
	// User owns the key.
	User string
	Role Role
	// Workspaces limits the key to these workspaces; empty: all.
	Workspaces []string
}

// Superuser is every caller while authentication is off: an unrestricted
// admin, user "admin" (the owner of the bootstrap key).
var Superuser = Principal{User: BootstrapUser, Role: RoleAdmin}

// Restricted reports whether the key is limited to some workspaces.
func (p Principal) Restricted() bool { return len(p.Workspaces) > 0 }

// SeesWorkspace reports whether the key may see workspace ws at all;
// lists show only what it sees.
func (p Principal) SeesWorkspace(ws string) bool {
	return !p.Restricted() || slices.Contains(p.Workspaces, ws)
}

// Can reports whether the principal may do a on workspace ws. An empty ws
// asks about the role alone, for requests that name no workspace (lists,
// queries): the caller then filters what it shows, or checks each
// workspace it touches. Managing keys needs an unrestricted admin.
func (p Principal) Can(a Action, ws string) bool {
	switch a {
	case ActionRead:
		if p.Role != RoleAdmin && p.Role != RoleMember && p.Role != RoleReadOnly {
			return false
		}
	case ActionWrite, ActionDDL:
		if p.Role != RoleAdmin && p.Role != RoleMember {
			return false
		}
	case ActionAdmin:
		return p.Role == RoleAdmin && !p.Restricted()
	default:
		return false
	}
	return ws == "" || p.SeesWorkspace(ws)
}

// Check is Can as an error wrapping ErrForbidden that says why.
func (p Principal) Check(a Action, ws string) error {
	if p.Can(a, ws) {
		return nil
	}
	who := "API key " + quote(p.KeyName)
	if p.KeyName == "" {
		who = "this caller"
	}
	if ws != "" && p.Can(a, "") {
		return deny(ErrForbidden, "%s is limited to workspace(s) %s and may not %s in workspace %q",
			who, strings.Join(p.Workspaces, ", "), a, ws)
	}
	return deny(ErrForbidden, "%s has role %s, which may not %s", who, roleName(p.Role), a)
}

// denial is an error of class ErrUnauthenticated or ErrForbidden whose
// message is only the reason, as users read it.
type denial struct {
	msg   string
	class error
}

func (d *denial) Error() string { return d.msg }
func (d *denial) Unwrap() error { return d.class }

func deny(class error, format string, args ...any) error {
	return &denial{msg: fmt.Sprintf(format, args...), class: class}
}

func quote(s string) string { return fmt.Sprintf("%q", s) }

func roleName(r Role) string {
	if r == "" {
		return "(none)"
	}
	return string(r)
}

// AuthorizeRead lets a SQL session read a collection (sql.Authorizer).
func (p Principal) AuthorizeRead(ws, coll string) error {
	if err := p.Check(ActionRead, ws); err != nil {
		return deny(ErrForbidden, "permission denied to read %s.%s: %v", ws, coll, err)
	}
	return nil
}

// AuthorizeWrite lets a SQL session write a collection (sql.Authorizer).
func (p Principal) AuthorizeWrite(ws, coll string) error {
	if err := p.Check(ActionWrite, ws); err != nil {
		return deny(ErrForbidden, "permission denied to write %s.%s: %v", ws, coll, err)
	}
	return nil
}

type ctxKey struct{}

// NewContext returns ctx carrying p.
func NewContext(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// FromContext returns the principal ctx carries.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(ctxKey{}).(Principal)
	return p, ok
}
