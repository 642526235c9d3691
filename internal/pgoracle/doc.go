// Package pgoracle starts a throwaway PostgreSQL server for tests, so that
// the same SQL (sqllogictest files, wire-protocol golden tests, differential
// tests) can run against PostgreSQL as an oracle for Basalt's answers.
//
// A server is a fresh cluster made by initdb in its own temporary directory,
// listening only on a unix socket in that directory (listen_addresses is
// empty, so it never opens a TCP port), with fsync off. Authentication is
// trust and the superuser is "postgres".
//
//	func TestSomething(t *testing.T) {
//		conn := pgoracle.Start(t).Conn(t)
//		...
//	}
//
// initdb takes about a second, so a package with many such tests shares one
// server per test binary instead, each test in a database of its own:
//
//	func TestMain(m *testing.M) {
//		code := m.Run()
//		pgoracle.StopShared()
//		os.Exit(code)
//	}
//
//	func TestSomething(t *testing.T) {
//		conn := pgoracle.Shared(t).NewDB(t)
//		...
//	}
//
// The binaries are looked up in /usr/lib/postgresql/<version>/bin (the newest
// version, as Debian installs them) and then on PATH. When they are missing
// the test is skipped, unless BASALT_REQUIRE_POSTGRES=1 is set (CI sets it),
// in which case it fails.
//
// PostgreSQL refuses to run as root, and CI runs tests as root. When the
// test process is root, initdb and postgres run as the "postgres" user if
// one exists, else as "nobody"; the server directory is created outside
// t.TempDir (whose parent directories only root may enter) and chowned to
// that user. Dropping privileges uses the kernel's credential switch on exec,
// so no runuser or su is needed. On Linux the postmaster gets SIGQUIT when
// the test binary dies, so a test timeout or a forgotten StopShared does not
// leave servers behind.
package pgoracle
