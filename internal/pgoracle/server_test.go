package pgoracle

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	code := m.Run()
	StopShared()
	os.Exit(code)
}

func TestStart(t *testing.T) {
	begin := time.Now()
	s := Start(t)
	t.Logf("started in %v: %s", time.Since(begin), s.DSN())
	conn := s.Conn(t)
	ctx := context.Background()

	var two int
	if err := conn.QueryRow(ctx, "SELECT 1+1").Scan(&two); err != nil || two != 2 {
		t.Fatalf("SELECT 1+1 = %d, %v", two, err)
	}
	var version string
	if err := conn.QueryRow(ctx, "SELECT version()").Scan(&version); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(version, "PostgreSQL ") {
		t.Fatalf("version() = %q", version)
	}
	t.Log(version)

	if _, err := conn.Exec(ctx, "CREATE TABLE t (id int PRIMARY KEY, name text)"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "INSERT INTO t VALUES (1, 'one'), (2, 'two'), (3, NULL)"); err != nil {
		t.Fatal(err)
	}
	var n int
	var names string
	err := conn.QueryRow(ctx, "SELECT count(*), string_agg(name, ',' ORDER BY id) FROM t").Scan(&n, &names)
	if err != nil || n != 3 || names != "one,two" {
		t.Fatalf("got %d %q %v", n, names, err)
	}

	// Only a unix socket: the server must not listen on TCP.
	var addrs string
	if err := conn.QueryRow(ctx, "SHOW listen_addresses").Scan(&addrs); err != nil || addrs != "" {
		t.Fatalf("listen_addresses = %q, %v", addrs, err)
	}
	var fsync string
	if err := conn.QueryRow(ctx, "SHOW fsync").Scan(&fsync); err != nil || fsync != "off" {
		t.Fatalf("fsync = %q, %v", fsync, err)
	}
}

func TestStopRemovesDir(t *testing.T) {
	s, err := start()
	if err != nil {
		fail(t, err)
	}
	if _, err := os.Stat(s.dir); err != nil {
		t.Fatal(err)
	}
	s.stop()
	if !s.stopped() {
		t.Fatal("postmaster still running after stop")
	}
	if _, err := os.Stat(s.dir); !os.IsNotExist(err) {
		t.Fatalf("server dir left behind: %v", err)
	}
	s.stop() // idempotent
}

func TestSharedNewDB(t *testing.T) {
	s := Shared(t)
	if Shared(t) != s {
		t.Fatal("Shared started a second server")
	}
	ctx := context.Background()
	var first string
	t.Run("a", func(t *testing.T) {
		conn := s.NewDB(t)
		first = conn.Config().Database
		if _, err := conn.Exec(ctx, "CREATE TABLE t (x int)"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("b", func(t *testing.T) {
		conn := s.NewDB(t)
		if conn.Config().Database == first {
			t.Fatalf("NewDB reused database %s", first)
		}
		// A fresh database: a's table is not here.
		if _, err := conn.Exec(ctx, "CREATE TABLE t (x int)"); err != nil {
			t.Fatal(err)
		}
	})
	// a's database was dropped when a finished.
	var n int
	err := s.Conn(t).QueryRow(ctx, "SELECT count(*) FROM pg_database WHERE datname = $1", first).Scan(&n)
	if err != nil || n != 0 {
		t.Fatalf("database %s: count %d, %v", first, n, err)
	}
}

func TestQuoteDSN(t *testing.T) {
	for in, want := range map[string]string{
		"/tmp/pg":  "/tmp/pg",
		"/a b":     `'/a b'`,
		`it's`:     `'it\'s'`,
		"":         "''",
		`back\sl`:  `'back\\sl'`,
		"postgres": "postgres",
	} {
		if got := quoteDSN(in); got != want {
			t.Errorf("quoteDSN(%q) = %s, want %s", in, got, want)
		}
	}
}

// skipTB records Skipf and Fatalf instead of ending the test.
type skipTB struct {
	testing.TB
	skipped, failed bool
}

func (f *skipTB) Helper()               {}
func (f *skipTB) Skipf(string, ...any)  { f.skipped = true }
func (f *skipTB) Fatalf(string, ...any) { f.failed = true }

// TestFailMissingBinaries checks that a missing installation skips, unless
// BASALT_REQUIRE_POSTGRES=1, and that other errors always fail.
func TestFailMissingBinaries(t *testing.T) {
	for _, tc := range []struct {
		require string
		err     error
		skip    bool
	}{
		{"", errNotInstalled, true},
		{"1", errNotInstalled, false},
		{"", os.ErrPermission, false},
	} {
		t.Setenv(EnvRequire, tc.require)
		f := &skipTB{TB: t}
		fail(f, tc.err)
		if f.skipped != tc.skip || f.failed == tc.skip {
			t.Errorf("%s=%q, %v: skipped %v, failed %v", EnvRequire, tc.require, tc.err, f.skipped, f.failed)
		}
	}
}
