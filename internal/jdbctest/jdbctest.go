// Package jdbctest compiles and runs the small Java programs that tests use
// to drive Basalt with the PostgreSQL JDBC driver (pgjdbc), as Java
// applications, DBeaver and other JDBC tools do.
//
// The driver is Debian's libpostgresql-jdbc-java (/usr/share/java/postgresql.jar)
// and the compiler a JDK's javac; scripts/test.sh installs both when
// missing. Without them a test is skipped, unless BASALT_REQUIRE_POSTGRES=1
// is set (CI sets it), in which case it fails: the client tests are held to
// the same rule as the PostgreSQL oracle.
package jdbctest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/basaltdb/basalt/internal/pgoracle"
)

// DriverJar is where Debian installs pgjdbc.
const DriverJar = "/usr/share/java/postgresql.jar"

// Program is a compiled Java program with pgjdbc on its class path.
type Program struct {
	java      string
	classpath string
	main      string
}

// Compile compiles the Java sources in dir into a temporary directory and
// returns the program whose class main holds its main method. It skips or
// fails the test (see the package comment) when Java or the driver is
// missing.
func Compile(t testing.TB, dir, main string) *Program {
	t.Helper()
	missing := func(what string) {
		t.Helper()
		msg := what + " is not installed (scripts/test.sh installs default-jdk-headless and libpostgresql-jdbc-java)"
		if os.Getenv(pgoracle.EnvRequire) == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	java, err := exec.LookPath("java")
	if err != nil {
		missing("java")
	}
	javac, err := exec.LookPath("javac")
	if err != nil {
		missing("javac")
	}
	if _, err := os.Stat(DriverJar); err != nil {
		missing(DriverJar)
	}
	srcs, err := filepath.Glob(filepath.Join(dir, "*.java"))
	if err != nil || len(srcs) == 0 {
		t.Fatalf("no Java sources in %s (%v)", dir, err)
	}
	out := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	args := append([]string{"-d", out, "-cp", DriverJar, "-encoding", "UTF-8", "-Xlint:all", "-Werror"}, srcs...)
	cmd := exec.CommandContext(ctx, javac, args...)
	cmd.WaitDelay = 10 * time.Second
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("javac %s: %v\n%s", strings.Join(srcs, " "), err, b)
	}
	return &Program{java: java, classpath: out + string(os.PathListSeparator) + DriverJar, main: main}
}

// Run runs the program with args and returns its standard output and
// error, interleaved, and its error (an *exec.ExitError when it exits
// non-zero). The JVM runs in the time zone tz (far from UTC in tests, so
// that a timestamp sent or read with the wrong offset shows).
func (p *Program) Run(ctx context.Context, tz string, args ...string) (string, error) {
	jargs := append([]string{"-Duser.timezone=" + tz, "-Dfile.encoding=UTF-8", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
		"-cp", p.classpath, p.main}, args...)
	cmd := exec.CommandContext(ctx, p.java, jargs...)
	cmd.WaitDelay = 10 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ctx.Err() != nil {
		err = ctx.Err()
	}
	return out.String(), err
}
