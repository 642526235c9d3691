package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"

	"github.com/basaltdb/basalt/auth"
	"github.com/basaltdb/basalt/server/pgwire"
	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/basaltdb/basalt/storage"
	"github.com/jackc/pgx/v5/pgproto3"
)

// AdminKeyFile is where the generated first admin key is written, in the
// data directory, with mode 0600.
const AdminKeyFile = "admin.key"

// authRequired: authentication is on when asked for, or when either
// protocol listens beyond this machine. Only a server that listens on
// loopback alone may run open, as the development default.
func authRequired(cfg Config) bool {
	return cfg.Auth || !isLoopback(cfg.HTTPAddr) || !isLoopback(cfg.PGAddr)
}

// isLoopback reports whether addr (host:port) listens on loopback only. An
// empty host or an unspecified address (0.0.0.0, ::) listens everywhere; a
// host name counts as loopback only if all its addresses are.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host == "" {
		return false
	}
	if host == "localhost" {
		return true
	}
	if ip := net.ParseIP(host); ip != nil {
		return ip.IsLoopback()
	}
	ips, err := net.LookupIP(host)
	if err != nil || len(ips) == 0 {
		return false
	}
	for _, ip := range ips {
		if !ip.IsLoopback() {
			return false
		}
	}
	return true
}

// openAuth opens the key store and, with authentication on, makes sure an
// administrator can get in (auth.Store.Bootstrap). It returns the store and
// the start-up line's description of the mode.
func openAuth(cfg Config, eng *storage.Engine, log *slog.Logger) (*auth.Store, string, error) {
	required := authRequired(cfg)
	keys, err := auth.Open(eng.Catalog(), auth.Options{Required: required})
	if err != nil {
		return nil, "", fmt.Errorf("open the API key store: %w", err)
	}
	if !required {
		return keys, "off (loopback development default)", nil
	}
	file := filepath.Join(cfg.DataDir, AdminKeyFile)
	b, err := keys.Bootstrap(cfg.AdminKey, file)
	if err != nil {
		return nil, "", err
	}
	switch b {
	case auth.BootstrapFromEnv:
		return keys, "on (admin key from BASALT_ADMIN_KEY)", nil
	case auth.BootstrapGenerated:
		abs, _ := filepath.Abs(file)
		log.Warn("generated the first admin API key; it is shown nowhere else, keep it safe", "file", abs)
		return keys, "on (first admin key written to " + abs + ")", nil
	}
	return keys, "on", nil
}

// keyAuthenticator authenticates PostgreSQL connections with API keys:
// the user name is free, the password is the key, checked by SCRAM-SHA-256
// (SCRAM-SHA-256-PLUS over TLS) so that the key never crosses the wire.
type keyAuthenticator struct {
	keys *auth.Store
	// channelBinding is the tls-server-end-point data of the server's
	// certificate (nil without TLS).
	channelBinding []byte
}

func newKeyAuthenticator(keys *auth.Store, tlsCfg *tls.Config) *keyAuthenticator {
	k := &keyAuthenticator{keys: keys}
	if tlsCfg != nil && len(tlsCfg.Certificates) > 0 {
		c := tlsCfg.Certificates[0]
		leaf := c.Leaf
		if leaf == nil && len(c.Certificate) > 0 {
			leaf, _ = x509.ParseCertificate(c.Certificate[0])
		}
		if leaf != nil {
			k.channelBinding = auth.TLSServerEndPoint(leaf)
		}
	}
	return k
}

// Authenticate implements pgwire.Authenticator; the principal it returns
// is an auth.Principal, which the session uses as its sql.Authorizer.
func (k *keyAuthenticator) Authenticate(_ context.Context, ex pgwire.AuthExchange, info pgwire.StartupInfo) (any, error) {
	var cb []byte
	if info.TLS {
		cb = k.channelBinding
	}
	sc := k.keys.NewSCRAM(cb)
	if err := ex.Send(&pgproto3.AuthenticationSASL{AuthMechanisms: sc.Mechanisms()}); err != nil {
		return nil, err
	}
	msg, err := ex.Receive()
	if err != nil {
		return nil, err
	}
	first, ok := msg.(*pgproto3.SASLInitialResponse)
	if !ok {
		return nil, sqlerr.New("08P01", "expected a SASL initial response, got %T", msg)
	}
	serverFirst, err := sc.Start(first.AuthMechanism, first.Data)
	if err != nil {
		return nil, scramError(err, info)
	}
	if err := ex.Send(&pgproto3.AuthenticationSASLContinue{Data: serverFirst}); err != nil {
		return nil, err
	}
	if msg, err = ex.Receive(); err != nil {
		return nil, err
	}
	resp, ok := msg.(*pgproto3.SASLResponse)
	if !ok {
		return nil, sqlerr.New("08P01", "expected a SASL response, got %T", msg)
	}
	serverFinal, p, err := sc.Finish(resp.Data)
	if err != nil {
		return nil, scramError(err, info)
	}
	if err := ex.Send(&pgproto3.AuthenticationSASLFinal{Data: serverFinal}); err != nil {
		return nil, err
	}
	return p, nil
}

// scramError maps a failed exchange to its SQLSTATE: 08P01 for a malformed
// one, 28P01 (as PostgreSQL words it) for a key that matches none.
func scramError(err error, info pgwire.StartupInfo) error {
	if errors.Is(err, auth.ErrSCRAMProtocol) {
		return sqlerr.New("08P01", "%s", err.Error())
	}
	return sqlerr.New("28P01", "password authentication failed for user %q: the password must be an active API key", info.User)
}
