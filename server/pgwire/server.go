package pgwire

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/basaltdb/basalt/sql"
	"github.com/basaltdb/basalt/storage"
	"github.com/jackc/pgx/v5/pgproto3"
)

// Config configures a Server.
type Config struct {
	Engine *storage.Engine
	Logger *slog.Logger
	// TLS, when set, is offered to clients that send SSLRequest; without it
	// they are answered 'N' and continue in plain text.
	TLS *tls.Config
	// Auth authenticates each connection after its StartupMessage. When nil,
	// connections from loopback addresses are trusted without a password
	// and all others are refused (28000).
	Auth Authenticator
	// Limits bound every statement.
	Limits sql.Limits
	// Transformer applies field_mapping_query to INSERT and COPY into
	// collections that have one (nil: those are refused).
	Transformer sql.Transformer
	// MaxMessageBytes bounds one protocol message (a query, a Bind, a
	// CopyData chunk); a larger one is an error that closes the connection.
	MaxMessageBytes int
	// StartupTimeout bounds the time from accepting a connection to the end
	// of its startup (SSL negotiation, StartupMessage, authentication).
	StartupTimeout time.Duration
	// CopyBatchRows is how many COPY rows are written per engine request.
	CopyBatchRows int
	// ServerVersion is reported as server_version and by version().
	ServerVersion string
}

// EnsureDefaults fills zero fields.
func (c *Config) EnsureDefaults() {
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.MaxMessageBytes == 0 {
		c.MaxMessageBytes = 64 << 20
	}
	if c.StartupTimeout == 0 {
		c.StartupTimeout = 10 * time.Second
	}
	if c.CopyBatchRows == 0 {
		// Matches the document count per request that gives the HTTP write
		// API its best rate (cmd/basalt bench): the engine group-commits
		// one synced batch per request.
		c.CopyBatchRows = 5000
	}
	if c.ServerVersion == "" {
		c.ServerVersion = "15.0 (Basalt)"
	}
}

// Authenticator decides who may connect. It runs after the StartupMessage
// and before the session starts, and may exchange any authentication
// messages with the client through ex (cleartext password, SASL
// SCRAM-SHA-256 …). It returns the principal the session runs as, or an
// error, which the client receives as a FATAL ErrorResponse (SQLSTATE 28P01
// unless the error carries its own code as a *sqlerr.Error) before the
// connection closes. The server sends AuthenticationOk itself on success.
type Authenticator interface {
	Authenticate(ctx context.Context, ex AuthExchange, info StartupInfo) (principal any, err error)
}

// AuthExchange is the connection as an Authenticator sees it.
type AuthExchange interface {
	// Send writes and flushes an authentication request
	// (pgproto3.AuthenticationCleartextPassword, AuthenticationSASL,
	// AuthenticationSASLContinue, AuthenticationSASLFinal …).
	Send(msg pgproto3.BackendMessage) error
	// Receive reads the client's answer; the message is valid until the
	// next Receive. Send sets the type Receive decodes 'p' messages as
	// (PasswordMessage, SASLInitialResponse, SASLResponse).
	Receive() (pgproto3.FrontendMessage, error)
}

// StartupInfo is what a client said in its StartupMessage.
type StartupInfo struct {
	User, Database, ApplicationName string
	Params                          map[string]string
	Remote                          net.Addr
	TLS                             bool
}

// Server serves the PostgreSQL protocol.
type Server struct {
	cfg Config
	log *slog.Logger

	mu      sync.Mutex
	ln      net.Listener
	conns   map[uint32]*conn // by backend pid
	closing bool
	wg      sync.WaitGroup
	nextPID atomic.Uint32
}

// New returns a server; call Serve.
func New(cfg Config) *Server {
	cfg.EnsureDefaults()
	s := &Server{cfg: cfg, log: cfg.Logger, conns: map[uint32]*conn{}}
	s.nextPID.Store(10000)
	return s
}

// ErrServerClosed is returned by Serve after Close.
var ErrServerClosed = errors.New("pgwire: server closed")

// Serve accepts connections on ln until Close, serving each on a goroutine
// of its own.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		ln.Close()
		return ErrServerClosed
	}
	s.ln = ln
	s.mu.Unlock()
	var delay time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			s.mu.Lock()
			closing := s.closing
			s.mu.Unlock()
			if closing {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				// Out of file descriptors and the like: back off as
				// net/http does.
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				time.Sleep(delay)
				continue
			}
			return err
		}
		delay = 0
		if !s.track() {
			nc.Close()
			return ErrServerClosed
		}
		go func() {
			defer s.wg.Done()
			c := newConn(s, nc)
			c.serve()
		}()
	}
}

// track adds a connection goroutine to the wait group unless the server is
// closing; register makes the connection reachable by Close and by a
// CancelRequest carrying its key.
func (s *Server) track() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.wg.Add(1)
	return true
}

func (s *Server) register(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		c.mu.Lock()
		c.shutting = true
		c.mu.Unlock()
	}
	s.conns[c.pid] = c
}

func (s *Server) unregister(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conns[c.pid] == c {
		delete(s.conns, c.pid)
	}
}

// cancel handles a CancelRequest: the query running on the connection with
// that key, if any, is cancelled. A wrong key does nothing, as in
// PostgreSQL, and nothing is answered either way.
func (s *Server) cancel(pid, secret uint32) {
	s.mu.Lock()
	c := s.conns[pid]
	s.mu.Unlock()
	if c == nil || subtle.ConstantTimeEq(int32(c.secret), int32(secret)) != 1 {
		return
	}
	c.cancelQuery()
}

// Close stops accepting connections, cancels running statements, ends every
// connection (an idle client is told 57P01, admin shutdown) and waits for
// their goroutines.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closing = true
	var err error
	if s.ln != nil {
		err = s.ln.Close()
	}
	conns := make([]*conn, 0, len(s.conns))
	for _, c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.shutdown()
	}
	s.wg.Wait()
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

// Addr returns the listening address, nil before Serve.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}
