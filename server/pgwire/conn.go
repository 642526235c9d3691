package pgwire

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/basaltdb/basalt/sql"
	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/jackc/pgx/v5/pgproto3"
)

// conn is one client connection. Its goroutine owns every field but those
// under mu, which CancelRequest and Close reach from other goroutines.
type conn struct {
	srv    *Server
	nc     net.Conn
	be     *pgproto3.Backend
	log    *slog.Logger
	pid    uint32
	secret uint32
	info   StartupInfo
	// principal is what the Authenticator returned (nil under trust).
	principal any
	sess      *sql.Session

	stmts   map[string]*prepared
	portals map[string]*portal
	// tx is the transaction status ReadyForQuery reports: 'I' idle, 'T' in
	// a transaction block, 'E' in a failed one.
	tx byte
	// skipping is set after an error in the extended protocol: messages
	// are discarded until Sync, as PostgreSQL does.
	skipping bool
	// copyTypes holds the column types Describe promised for statements
	// `SELECT cols FROM coll`, by copyTypesKey: a binary COPY of those
	// columns is decoded as them (see copy_binary.go).
	copyTypes map[string][]uint32
	// out is scratch space for encoding rows.
	out []byte

	mu       sync.Mutex
	running  context.CancelCauseFunc // the statement in progress
	shutting bool
}

// errCancelRequest and errShutdown are the causes a running statement is
// cancelled with.
var (
	errCancelRequest = errors.New("canceling statement due to user request")
	errShutdown      = errors.New("terminating connection due to administrator command")
)

func newConn(s *Server, nc net.Conn) *conn {
	c := &conn{
		srv:     s,
		nc:      nc,
		log:     s.log.With("remote", nc.RemoteAddr().String()),
		pid:     s.nextPID.Add(1),
		stmts:   map[string]*prepared{},
		portals: map[string]*portal{},
		tx:      'I',
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	c.secret = binary.BigEndian.Uint32(b[:])
	c.setBackend(nc)
	return c
}

func (c *conn) setBackend(rw io.ReadWriter) {
	c.be = pgproto3.NewBackend(rw, rw)
	c.be.SetMaxBodyLen(c.srv.cfg.MaxMessageBytes)
}

// serve runs the connection to its end. A panic outside a statement (a
// bug in the protocol code) closes this connection only.
func (c *conn) serve() {
	c.srv.register(c)
	defer func() {
		if p := recover(); p != nil {
			c.log.Error("panic in pgwire connection", "panic", p)
		}
		c.srv.unregister(c)
		c.nc.Close()
	}()
	if c.isShutting() {
		c.fatal(sqlerr.New("57P01", "%s", errShutdown))
		return
	}
	_ = c.nc.SetDeadline(time.Now().Add(c.srv.cfg.StartupTimeout))
	if !c.startup() {
		return
	}
	_ = c.nc.SetDeadline(time.Time{})
	c.loop()
}

func (c *conn) isShutting() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.shutting
}

// shutdown ends the connection from another goroutine: the statement in
// progress is cancelled and a blocked read returns at once.
func (c *conn) shutdown() {
	c.mu.Lock()
	c.shutting = true
	if c.running != nil {
		c.running(errShutdown)
	}
	c.mu.Unlock()
	_ = c.nc.SetReadDeadline(time.Now())
}

// cancelQuery cancels the statement in progress, if any.
func (c *conn) cancelQuery() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running != nil {
		c.running(errCancelRequest)
	}
}

// fatal sends a FATAL error; the caller closes the connection.
func (c *conn) fatal(err error) {
	e := errorResponse(err, "")
	e.Severity, e.SeverityUnlocalized = "FATAL", "FATAL"
	c.be.Send(e)
	_ = c.be.Flush()
}

// startup negotiates TLS, reads the StartupMessage, authenticates and
// sends the session's parameters. It reports whether the session runs.
func (c *conn) startup() bool {
	tlsDone := false
	for {
		msg, err := c.be.ReceiveStartupMessage()
		if err != nil {
			if !errors.Is(err, io.EOF) && !isTimeout(err) {
				c.fatal(sqlerr.New("08P01", "invalid startup packet: %s", err))
			}
			return false
		}
		switch m := msg.(type) {
		case *pgproto3.SSLRequest:
			if c.srv.cfg.TLS == nil || tlsDone {
				if _, err := c.nc.Write([]byte{'N'}); err != nil {
					return false
				}
				continue
			}
			if _, err := c.nc.Write([]byte{'S'}); err != nil {
				return false
			}
			tc := tls.Server(c.nc, c.srv.cfg.TLS)
			if err := tc.Handshake(); err != nil {
				c.log.Debug("TLS handshake failed", "err", err)
				return false
			}
			c.nc, tlsDone = tc, true
			c.setBackend(tc)
		case *pgproto3.GSSEncRequest:
			if _, err := c.nc.Write([]byte{'N'}); err != nil {
				return false
			}
		case *pgproto3.CancelRequest:
			if len(m.SecretKey) == 4 {
				c.srv.cancel(m.ProcessID, binary.BigEndian.Uint32(m.SecretKey))
			}
			return false
		case *pgproto3.StartupMessage:
			return c.start(m, tlsDone)
		}
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// isLoopback reports whether a client connects from this machine.
func isLoopback(a net.Addr) bool {
	switch a := a.(type) {
	case *net.TCPAddr:
		return a.IP.IsLoopback()
	case *net.UnixAddr:
		return true
	}
	return false
}

func (c *conn) start(m *pgproto3.StartupMessage, tlsOn bool) bool {
	if m.ProtocolVersion != pgproto3.ProtocolVersion30 {
		// Protocol 3.2 (PostgreSQL 18) differs in BackendKeyData only;
		// offer 3.0, which every client speaks.
		c.be.Send(&pgproto3.NegotiateProtocolVersion{NewestMinorProtocol: 0})
	}
	params := map[string]string{}
	for k, v := range m.Parameters {
		params[k] = v
	}
	c.info = StartupInfo{
		User:            params["user"],
		Database:        params["database"],
		ApplicationName: params["application_name"],
		Params:          params,
		Remote:          c.nc.RemoteAddr(),
		TLS:             tlsOn,
	}
	if c.info.User == "" {
		c.fatal(sqlerr.New("28000", "no PostgreSQL user name specified in startup packet"))
		return false
	}
	if c.info.Database == "" {
		c.info.Database = c.info.User
	}
	if err := c.authenticate(); err != nil {
		c.fatal(err)
		return false
	}
	c.sess = sql.NewSession(c.srv.cfg.Engine, c.srv.cfg.Limits)
	c.sess.Transformer = c.srv.cfg.Transformer
	if az, ok := c.principal.(sql.Authorizer); ok {
		// The authenticated principal decides which collections the
		// session may read and write.
		c.sess.Auth = az
	}
	if _, err := c.srv.cfg.Engine.Catalog().Workspace(c.info.Database); err == nil {
		// A database named like a workspace makes it the default schema.
		c.sess.Workspace = c.info.Database
	}
	c.be.Send(&pgproto3.AuthenticationOk{})
	for _, p := range c.initialSettings(params) {
		c.sess.Settings[strings.ToLower(p.name)] = p.value
		if p.report {
			c.be.Send(&pgproto3.ParameterStatus{Name: p.name, Value: p.value})
		}
	}
	var key [4]byte
	binary.BigEndian.PutUint32(key[:], c.secret)
	c.be.Send(&pgproto3.BackendKeyData{ProcessID: c.pid, SecretKey: key[:]})
	c.be.Send(&pgproto3.ReadyForQuery{TxStatus: 'I'})
	return c.be.Flush() == nil
}

func (c *conn) authenticate() error {
	auth := c.srv.cfg.Auth
	if auth == nil {
		if !isLoopback(c.nc.RemoteAddr()) {
			return sqlerr.New("28000", "no authentication is configured, so only connections from this machine (loopback) are accepted")
		}
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.srv.cfg.StartupTimeout)
	defer cancel()
	p, err := auth.Authenticate(ctx, authExchange{c}, c.info)
	if err != nil {
		var se *sqlerr.Error
		if !errors.As(err, &se) {
			err = sqlerr.New("28P01", "password authentication failed for user %q", c.info.User)
		}
		return err
	}
	c.principal = p
	return nil
}

type authExchange struct{ c *conn }

func (a authExchange) Send(msg pgproto3.BackendMessage) error {
	// The client's answer is a 'p' message whose meaning depends on the
	// request it answers: tell the decoder.
	switch msg.(type) {
	case *pgproto3.AuthenticationCleartextPassword:
		_ = a.c.be.SetAuthType(pgproto3.AuthTypeCleartextPassword)
	case *pgproto3.AuthenticationMD5Password:
		_ = a.c.be.SetAuthType(pgproto3.AuthTypeMD5Password)
	case *pgproto3.AuthenticationSASL:
		_ = a.c.be.SetAuthType(pgproto3.AuthTypeSASL)
	case *pgproto3.AuthenticationSASLContinue:
		_ = a.c.be.SetAuthType(pgproto3.AuthTypeSASLContinue)
	}
	a.c.be.Send(msg)
	return a.c.be.Flush()
}

func (a authExchange) Receive() (pgproto3.FrontendMessage, error) { return a.c.be.Receive() }

// setting is a session parameter set at startup.
type setting struct {
	name, value string
	report      bool // sent as ParameterStatus, as PostgreSQL reports it
}

// initialSettings are the session parameters a client starts with; the
// reported ones are those PostgreSQL sends in ParameterStatus. A client
// may override some in its StartupMessage (application_name, DateStyle …).
func (c *conn) initialSettings(params map[string]string) []setting {
	cfg := c.srv.cfg
	get := func(name, def string) string {
		if v, ok := params[name]; ok && v != "" {
			return v
		}
		return def
	}
	return []setting{
		{"server_version", cfg.ServerVersion, true},
		{"server_encoding", "UTF8", true},
		{"client_encoding", "UTF8", true},
		{"DateStyle", "ISO, MDY", true},
		{"TimeZone", "UTC", true},
		{"IntervalStyle", "postgres", true},
		{"integer_datetimes", "on", true},
		{"standard_conforming_strings", "on", true},
		{"is_superuser", "on", true},
		{"session_authorization", c.info.User, true},
		{"application_name", get("application_name", ""), true},
		{"search_path", c.schema(), false},
		{"server_version_num", "150000", false},
		{"transaction_isolation", "repeatable read", false},
		{"default_transaction_isolation", "repeatable read", false},
		{"transaction_read_only", "off", false},
		{"default_transaction_read_only", "off", false},
		{"max_identifier_length", "63", false},
		{"max_index_keys", "32", false},
		{"max_function_args", "100", false},
		{"block_size", "8192", false},
		{"extra_float_digits", get("extra_float_digits", "1"), false},
	}
}

// schema is the workspace bare names resolve to: current_schema().
func (c *conn) schema() string {
	if c.sess.Workspace != "" {
		return c.sess.Workspace
	}
	return sql.DefaultWorkspace
}

// loop reads and answers messages until the client terminates.
func (c *conn) loop() {
	for {
		msg, err := c.be.Receive()
		if err != nil {
			switch {
			case c.isShutting():
				c.fatal(sqlerr.New("57P01", "%s", errShutdown))
			case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed):
			default:
				c.fatal(sqlerr.New("08P01", "invalid message: %s", err))
			}
			return
		}
		if c.skipping {
			if _, ok := msg.(*pgproto3.Sync); !ok {
				if _, ok := msg.(*pgproto3.Terminate); !ok {
					continue
				}
			}
		}
		var ok bool
		switch m := msg.(type) {
		case *pgproto3.Query:
			ok = c.simpleQuery(m.String)
		case *pgproto3.Parse:
			ok = c.parse(m)
		case *pgproto3.Bind:
			ok = c.bind(m)
		case *pgproto3.Describe:
			ok = c.describe(m)
		case *pgproto3.Execute:
			ok = c.execute(m)
		case *pgproto3.Close:
			ok = c.close(m)
		case *pgproto3.Sync:
			c.skipping = false
			if c.tx == 'I' {
				clear(c.portals)
			}
			c.be.Send(&pgproto3.ReadyForQuery{TxStatus: c.tx})
			ok = c.be.Flush() == nil
		case *pgproto3.Flush:
			ok = c.be.Flush() == nil
		case *pgproto3.Terminate:
			return
		case *pgproto3.CopyData, *pgproto3.CopyDone, *pgproto3.CopyFail:
			// Left over from a COPY that failed: PostgreSQL ignores them too.
			ok = true
		case *pgproto3.FunctionCall:
			c.be.Send(errorResponse(sqlerr.New(sqlerr.FeatureNotSupported, "the function call protocol is not supported"), ""))
			c.be.Send(&pgproto3.ReadyForQuery{TxStatus: c.tx})
			ok = c.be.Flush() == nil
		default:
			c.fatal(sqlerr.New("08P01", "unexpected message %T", msg))
			return
		}
		if !ok {
			return
		}
	}
}

// extendedError answers an error in the extended protocol: the messages up
// to Sync are skipped.
func (c *conn) extendedError(err error, query string) bool {
	c.be.Send(errorResponse(err, query))
	c.skipping = true
	if c.tx == 'T' {
		c.tx = 'E'
	}
	return true
}

// errorResponse renders err with its SQLSTATE and, for errors located in
// query, its 1-based character position.
func errorResponse(err error, query string) *pgproto3.ErrorResponse {
	e := sqlerr.As(err)
	msg := e.Message
	pos := int32(0)
	if query != "" {
		if off := errOffset(e, query); off >= 0 {
			pos = int32(len([]rune(query[:off]))) + 1
		}
	}
	if e.Code == sqlerr.Internal && msg == "" {
		msg = fmt.Sprint(err)
	}
	resp := &pgproto3.ErrorResponse{Severity: "ERROR", SeverityUnlocalized: "ERROR", Code: e.Code, Message: msg, Position: pos}
	var tc *typeChangedError
	if errors.As(err, &tc) {
		resp.Routine = "RevalidateCachedQuery"
	}
	return resp
}

// errOffset returns the byte offset in query an error points at, -1 when
// it points nowhere.
func errOffset(e *sqlerr.Error, query string) int {
	switch {
	case e.Line > 0:
		line, off := 1, 0
		for off < len(query) && line < e.Line {
			if query[off] == '\n' {
				line++
			}
			off++
		}
		off += e.Column - 1
		if off > len(query) {
			return -1
		}
		return off
	case e.Column < 0:
		off := -e.Column - 1
		if off > len(query) {
			return -1
		}
		return off
	}
	return -1
}
