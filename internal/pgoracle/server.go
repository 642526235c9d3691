package pgoracle

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// EnvRequire names the environment variable that turns a missing PostgreSQL
// installation from a skipped test into a failed one. CI sets it to "1" so
// the oracle tests cannot silently stop running.
const EnvRequire = "BASALT_REQUIRE_POSTGRES"

// superuser is the role initdb creates; trust authentication lets any OS
// user connect as it over the socket.
const superuser = "postgres"

// startTimeout bounds initdb plus the wait for the postmaster to accept
// connections. A normal start takes 1-2 s; a loaded 2-core CI machine can
// take several times that.
const startTimeout = 60 * time.Second

// errNotInstalled marks a missing PostgreSQL installation, the one failure
// that skips rather than fails a test.
var errNotInstalled = errors.New("PostgreSQL server binaries (initdb, postgres) not found")

// Server is a running throwaway PostgreSQL server. Its methods are safe for
// concurrent use.
type Server struct {
	dir  string // holds data/, the socket and postgres.log; owned by the server's OS user
	port int
	cmd  *exec.Cmd

	exited   chan struct{} // closed once the postmaster has exited
	waitErr  error         // the postmaster's exit status, set before exited is closed
	stopOnce sync.Once
	dbSeq    atomic.Int64 // names the databases NewDB creates
}

// Start starts a new server for t and stops it, removing its files, when t
// and its subtests finish. It skips t when PostgreSQL is not installed,
// unless BASALT_REQUIRE_POSTGRES=1, and fails t on any other error.
//
// The cluster lives in a directory of its own under os.TempDir rather than
// in t.TempDir: unix socket paths are limited to about 100 bytes, and when
// the tests run as root, t.TempDir's parent is not enterable by the
// unprivileged user the server runs as.
func Start(t testing.TB) *Server {
	t.Helper()
	s, err := start()
	if err != nil {
		fail(t, err)
	}
	t.Cleanup(s.stop)
	return s
}

// fail skips or fails t for a start error, as Start documents.
func fail(t testing.TB, err error) {
	t.Helper()
	if errors.Is(err, errNotInstalled) && os.Getenv(EnvRequire) != "1" {
		t.Skipf("pgoracle: %v; install PostgreSQL, or set %s=1 to fail instead of skipping", err, EnvRequire)
		return
	}
	t.Fatalf("pgoracle: %v", err)
}

// DSN returns a keyword/value connection string for the server's "postgres"
// database, as pgx.Connect and pgconn.Connect accept it.
func (s *Server) DSN() string {
	return s.dsn("postgres")
}

func (s *Server) dsn(dbname string) string {
	return fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable",
		quoteDSN(s.dir), s.port, superuser, quoteDSN(dbname))
}

// Conn returns a connection to the server's "postgres" database, closed when
// t finishes.
func (s *Server) Conn(t testing.TB) *pgx.Conn {
	t.Helper()
	return s.connect(t, "postgres")
}

// NewDB creates an empty database and returns a connection to it. The
// connection is closed and the database dropped when t finishes, so tests
// sharing one server do not see each other's tables.
func (s *Server) NewDB(t testing.TB) *pgx.Conn {
	t.Helper()
	name := fmt.Sprintf("test_%d", s.dbSeq.Add(1))
	// FILE_COPY copies template1's files: 25 ms a database (after the
	// first, which pays for a checkpoint) against 270 ms for the default
	// WAL_LOG strategy, which writes every page to the WAL.
	if err := s.admin(context.Background(), "CREATE DATABASE "+name+" STRATEGY FILE_COPY"); err != nil {
		t.Fatalf("pgoracle: %v", err)
	}
	// Registered before the connection's Close, so it runs after it.
	t.Cleanup(func() {
		if s.stopped() {
			return
		}
		if err := s.admin(context.Background(), "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			t.Logf("pgoracle: %v", err)
		}
	})
	return s.connect(t, name)
}

func (s *Server) connect(t testing.TB, dbname string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.dsn(dbname))
	if err != nil {
		t.Fatalf("pgoracle: connect to %s: %v", dbname, err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// admin runs one statement on a short-lived connection to "postgres".
func (s *Server) admin(ctx context.Context, sql string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := pgconn.Connect(ctx, s.DSN())
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer func() { _ = conn.Close(context.Background()) }()
	if _, err := conn.Exec(ctx, sql).ReadAll(); err != nil {
		return fmt.Errorf("%s: %w", sql, err)
	}
	return nil
}

// start initializes a cluster in a new directory and starts a postmaster
// on it. On error nothing is left running or on disk.
func start() (_ *Server, err error) {
	bin, err := findBinaries()
	if err != nil {
		return nil, err
	}
	runAs, err := serverUser()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "pgoracle-")
	if err != nil {
		return nil, fmt.Errorf("create server directory: %w", err)
	}
	defer func() {
		if err != nil {
			_ = os.RemoveAll(dir)
		}
	}()
	if runAs != nil {
		if err := os.Chown(dir, runAs.uid, runAs.gid); err != nil {
			return nil, fmt.Errorf("give the server directory to %s: %w", runAs.name, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()

	data := filepath.Join(dir, "data")
	initdb := exec.CommandContext(ctx, filepath.Join(bin, "initdb"),
		"-D", data, "-A", "trust", "-E", "UTF8", "--locale=C", "-U", superuser,
		"--no-sync", "--no-instructions")
	initdb.Dir = dir
	initdb.Env = serverEnv()
	initdb.SysProcAttr = sysProcAttr(runAs)
	if out, err := initdb.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("initdb: %w\n%s", err, out)
	}

	port, err := freePort()
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, "postgres.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer func() { _ = logFile.Close() }() // the child has its own copy
	// The postmaster is our child, not daemonized by pg_ctl, so it can be
	// tied to this process's lifetime (see sysProcAttr) and stopped with a
	// signal instead of another process.
	cmd := exec.Command(filepath.Join(bin, "postgres"),
		"-D", data,
		"-p", strconv.Itoa(port),
		"-k", dir,
		"-c", "listen_addresses=",
		// Durability is worthless for a throwaway server and costs time.
		"-c", "fsync=off",
		"-c", "synchronous_commit=off",
		"-c", "full_page_writes=off",
	)
	cmd.Dir = dir
	cmd.Env = serverEnv()
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = sysProcAttr(runAs)
	if err := startUnlocked(cmd); err != nil {
		return nil, fmt.Errorf("start postgres: %w", err)
	}
	s := &Server{dir: dir, port: port, cmd: cmd, exited: make(chan struct{})}
	go func() {
		s.waitErr = cmd.Wait()
		close(s.exited)
	}()
	if err := s.waitReady(ctx); err != nil {
		s.kill()
		log, _ := os.ReadFile(logPath)
		return nil, fmt.Errorf("%w\npostgres.log:\n%s", err, log)
	}
	return s, nil
}

// startUnlocked starts cmd from a new goroutine. Pdeathsig fires when the
// forking thread exits, not the process (go.dev/issue/27505), and a thread
// ends early only when a goroutine locked to it exits; a new goroutine is
// never locked, while the caller's goroutine might be.
func startUnlocked(cmd *exec.Cmd) error {
	errc := make(chan error, 1)
	go func() { errc <- cmd.Start() }()
	return <-errc
}

// waitReady polls until the server accepts a connection. The socket exists
// before the server is ready (connections are refused with "the database
// system is starting up"), so only a successful connection counts.
func (s *Server) waitReady(ctx context.Context) error {
	for {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		conn, err := pgconn.Connect(cctx, s.DSN())
		cancel()
		if err == nil {
			return conn.Close(ctx)
		}
		select {
		case <-s.exited:
			return fmt.Errorf("postgres exited during startup: %v", s.waitErr)
		case <-ctx.Done():
			return fmt.Errorf("postgres not ready: %w (last error: %v)", ctx.Err(), err)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func (s *Server) stopped() bool {
	select {
	case <-s.exited:
		return true
	default:
		return false
	}
}

// stop shuts the server down the way pg_ctl stop -m immediate does (SIGQUIT
// to the postmaster) and removes its directory.
func (s *Server) stop() {
	s.stopOnce.Do(func() {
		s.kill()
		_ = os.RemoveAll(s.dir)
	})
}

// kill stops the postmaster and waits for it to exit.
func (s *Server) kill() {
	if err := s.cmd.Process.Signal(syscall.SIGQUIT); err != nil {
		_ = s.cmd.Process.Kill()
	}
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

// findBinaries returns the directory holding initdb and postgres: the
// newest /usr/lib/postgresql/<version>/bin (Debian and Ubuntu keep them off
// PATH), else the directory of initdb on PATH.
func findBinaries() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	best, bestVersion := "", -1.0
	for _, d := range dirs {
		v, err := strconv.ParseFloat(filepath.Base(filepath.Dir(d)), 64)
		if err != nil || !hasBinaries(d) {
			continue
		}
		if v > bestVersion {
			best, bestVersion = d, v
		}
	}
	if best != "" {
		return best, nil
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		// Resolve symlinks such as /usr/local/bin/initdb so postgres is
		// found beside the real initdb.
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		if d := filepath.Dir(p); hasBinaries(d) {
			return d, nil
		}
	}
	return "", errNotInstalled
}

func hasBinaries(dir string) bool {
	for _, name := range []string{"initdb", "postgres"} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.IsDir() {
			return false
		}
	}
	return true
}

// osUser is an OS user to run initdb and postgres as.
type osUser struct {
	name     string
	uid, gid int
}

// serverUser returns the user to run initdb and postgres as: nil (this
// process's user) when the test process is not root, else "postgres", or
// "nobody" when there is no such user. PostgreSQL refuses to run as root.
func serverUser() (*osUser, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	if !canSwitchUser {
		return nil, errors.New("running as root: PostgreSQL refuses root, and switching to another user is only implemented on Linux")
	}
	var lookupErr error
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			lookupErr = err
			continue
		}
		uid, err1 := strconv.Atoi(u.Uid)
		gid, err2 := strconv.Atoi(u.Gid)
		if err1 != nil || err2 != nil {
			continue
		}
		return &osUser{name: name, uid: uid, gid: gid}, nil
	}
	return nil, fmt.Errorf("running as root and no unprivileged user (postgres, nobody) to run PostgreSQL as: %v", lookupErr)
}

// serverEnv is this process's environment without PG* variables, which
// would otherwise redirect initdb and postgres (PGDATA, PGPORT, ...).
func serverEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") {
			env = append(env, kv)
		}
	}
	return append(env, "LC_ALL=C")
}

// freePort returns a port number no TCP listener uses now. The server
// listens only on a unix socket in its own directory, so the number only
// names the socket file; a free one merely avoids confusing anyone reading
// ps output or logs.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pick a port: %w", err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// quoteDSN quotes a keyword/value connection string value.
func quoteDSN(v string) string {
	if v != "" && !strings.ContainsAny(v, ` '\`) {
		return v
	}
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}
