package pgwire

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/basaltdb/basalt/internal/jdbctest"
)

// jdbcDir holds the Java programs the JDBC tests compile.
const jdbcDir = "testdata/jdbc"

// jdbcURL is the JDBC URL of the test server's database db.
func (ts *testServer) jdbcURL(db string) string {
	return "jdbc:postgresql://" + ts.addr + "/" + db + "?sslmode=disable&connectTimeout=10&socketTimeout=60"
}

// runJava runs a compiled program and fails the test unless it ends with
// "ALL OK".
func runJava(t *testing.T, prog *jdbctest.Program, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out, err := prog.Run(ctx, "America/Los_Angeles", args...)
	if err != nil || !strings.HasSuffix(strings.TrimSpace(out), "ALL OK") {
		t.Fatalf("java %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// TestJDBC drives Basalt with pgjdbc (JdbcCompat.java): connecting,
// Statement and PreparedStatement with parameters and results of each
// type, the switch to a named server-side statement after prepareThreshold
// executions, a field changing type under it, fetching through a portal
// with setFetchSize, batches, CopyManager.copyIn, SQLSTATEs of errors and
// DatabaseMetaData (schemas, tables, columns, primary keys, types).
func TestJDBC(t *testing.T) {
	prog := jdbctest.Compile(t, jdbcDir, "JdbcCompat")
	ts := newTestServer(t)
	ts.load(t, "commons", "people",
		`{"_id": "a", "name": "ann", "age": 31, "score": 1.5, "vip": true, "_event_time": "2024-01-02T03:04:05.5Z", "tags": ["x", "y"], "addr": {"city": "Oslo", "zip": null}}`,
		`{"_id": "b", "name": "bob", "age": 42, "score": 2.25, "vip": false, "_event_time": "2024-01-03T00:00:00Z", "tags": [], "addr": {"city": "Bergen"}}`,
		`{"_id": "c", "name": "cid", "age": 7, "score": -3, "vip": true, "_event_time": "2024-01-04T00:00:00Z"}`,
	)
	ts.load(t, "shop", "orders", `{"_id": "o1", "total": 10}`, `{"_id": "o2", "total": 12.5}`)
	for _, coll := range []string{"scratch", "batched", "events", "shifty"} {
		ts.load(t, "commons", coll)
	}
	out := runJava(t, prog, ts.jdbcURL("basalt"), "tester", "", "all")
	t.Logf("JdbcCompat:\n%s", out)
}

// rewriteFlag is -rewrite: TestDBeaverQueries then writes the output it
// got into testdata/jdbc/dbeaver as the expected one. It is the flag
// datadriven defines, when a test of the package imports it.
var rewriteFlag = func() *flag.Flag {
	if f := flag.Lookup("rewrite"); f != nil {
		return f
	}
	flag.Bool("rewrite", false, "rewrite the expected output of golden files (testdata/jdbc/dbeaver)")
	return flag.Lookup("rewrite")
}()

// dbeaverCase is one query of testdata/jdbc/dbeaver: a directive line
// ("query name [long=…] [string=…] [show=…] [maxrows=…]" or "exec name"),
// the SQL up to "----", the expected output up to a blank line.
type dbeaverCase struct {
	name, directive, sql, want string
	exec                       bool
	args                       []string // long=…, string=…, show=…, maxrows=…
	line                       int
}

// parseDBeaverFile splits the file into its cases and the text around
// them: text[i] precedes case i, text[len(cases)] ends the file.
func parseDBeaverFile(t *testing.T, data string) (cases []dbeaverCase, text []string) {
	t.Helper()
	lines := strings.Split(data, "\n")
	var pending []string
	for i := 0; i < len(lines); {
		l := lines[i]
		if !strings.HasPrefix(l, "query ") && !strings.HasPrefix(l, "exec ") {
			pending = append(pending, l)
			i++
			continue
		}
		text = append(text, strings.Join(pending, "\n"))
		pending = nil
		c := dbeaverCase{directive: l, line: i + 1, exec: strings.HasPrefix(l, "exec ")}
		fields := strings.Fields(l)[1:]
		var name []string
		for _, f := range fields {
			if k, _, ok := strings.Cut(f, "="); ok && (k == "long" || k == "string" || k == "show" || k == "maxrows") {
				c.args = append(c.args, f)
			} else {
				name = append(name, f)
			}
		}
		c.name = strings.Join(name, " ")
		i++
		var sqlLines []string
		for i < len(lines) && lines[i] != "----" {
			sqlLines = append(sqlLines, lines[i])
			i++
		}
		if i == len(lines) {
			t.Fatalf("dbeaver:%d: case without ----", c.line)
		}
		i++
		var want []string
		for i < len(lines) && lines[i] != "" {
			want = append(want, lines[i])
			i++
		}
		c.sql, c.want = strings.Join(sqlLines, "\n"), strings.Join(want, "\n")
		cases = append(cases, c)
	}
	text = append(text, strings.Join(pending, "\n"))
	return cases, text
}

// TestDBeaverQueries replays the catalog queries DBeaver sends, listed with
// their sources in testdata/jdbc/dbeaver, through pgjdbc
// (DBeaverReplay.java), and compares what Basalt answers with the expected
// output there: every query runs, and the schemas, tables, columns, keys
// and data DBeaver shows are the right ones.
func TestDBeaverQueries(t *testing.T) {
	prog := jdbctest.Compile(t, jdbcDir, "DBeaverReplay")
	ts := newTestServer(t)
	ts.load(t, "commons", "people",
		`{"_id": "a", "name": "ann", "age": 31, "score": 1.5, "vip": true, "_event_time": "2024-01-02T03:04:05.5Z", "tags": ["x", "y"], "addr": {"city": "Oslo"}}`,
		`{"_id": "b", "name": "bob", "age": 42, "score": 2.25, "vip": false, "_event_time": "2024-01-03T00:00:00Z", "tags": [], "addr": {"city": "Bergen"}}`,
		`{"_id": "c", "name": "cid", "age": 7, "score": -3, "vip": true, "_event_time": "2024-01-04T00:00:00Z"}`,
	)
	ts.load(t, "shop", "orders", `{"_id": "o1", "total": 10, "_event_time": "2024-02-01T00:00:00Z"}`, `{"_id": "o2", "total": 12.5, "_event_time": "2024-02-02T00:00:00Z"}`)

	path := filepath.Join(jdbcDir, "dbeaver")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cases, text := parseDBeaverFile(t, string(data))

	// OIDs the cases name: ns:WS and rel:WS.COLL.
	oid := func(ref string) string {
		t.Helper()
		kind, name, _ := strings.Cut(ref, ":")
		switch kind {
		case "ns":
			return strconv.FormatInt(nsOID(name), 10)
		case "rel":
			ws, coll, _ := strings.Cut(name, ".")
			col, err := ts.eng.Catalog().Collection(ws, coll)
			if err != nil {
				t.Fatalf("%s: %v", ref, err)
			}
			return strconv.FormatInt(relOID(col), 10)
		}
		return ref
	}
	refRe := regexp.MustCompile(`\$\{([a-z]+:[^}]+)\}`)
	var req strings.Builder
	for _, c := range cases {
		fmt.Fprintf(&req, "@@case %s\n", c.name)
		for _, a := range c.args {
			k, v, _ := strings.Cut(a, "=")
			switch k {
			case "long":
				fmt.Fprintf(&req, "@@param long %s\n", oid(v))
			case "string":
				fmt.Fprintf(&req, "@@param string %s\n", v)
			case "show":
				fmt.Fprintf(&req, "@@show %s\n", v)
			case "maxrows":
				fmt.Fprintf(&req, "@@maxrows %s\n", v)
			}
		}
		if c.exec {
			req.WriteString("@@exec\n")
		}
		req.WriteString(refRe.ReplaceAllStringFunc(c.sql, func(m string) string { return oid(m[2 : len(m)-1]) }))
		req.WriteString("\n@@end\n")
	}
	reqPath := filepath.Join(t.TempDir(), "requests")
	if err := os.WriteFile(reqPath, []byte(req.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	out := runJava(t, prog, ts.jdbcURL("basalt"), "tester", "", reqPath)

	got := map[string]string{}
	for _, part := range strings.Split(strings.TrimSuffix(strings.TrimSpace(out), "ALL OK"), "@@case ")[1:] {
		name, body, _ := strings.Cut(part, "\n")
		got[name] = strings.TrimSpace(body)
	}
	rewrite := rewriteFlag.Value.String() == "true"
	var rewritten strings.Builder
	for i, c := range cases {
		g, ok := got[c.name]
		if !ok {
			t.Fatalf("dbeaver:%d: no output for %q in\n%s", c.line, c.name, out)
		}
		if !rewrite && g != c.want {
			t.Errorf("dbeaver:%d: %s\n%s\ngot:\n%s\nwant:\n%s", c.line, c.name, c.sql, g, c.want)
		}
		if strings.HasPrefix(g, "error ") {
			t.Errorf("dbeaver:%d: %s failed: %s", c.line, c.name, g)
		}
		rewritten.WriteString(text[i] + "\n" + c.directive + "\n" + c.sql + "\n----\n" + g + "\n")
	}
	rewritten.WriteString(text[len(cases)])
	if rewrite {
		if err := os.WriteFile(path, []byte(rewritten.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
