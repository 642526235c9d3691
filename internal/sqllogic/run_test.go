package sqllogic

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/basaltdb/basalt/internal/pgoracle"
	"github.com/basaltdb/basalt/sql/sqlerr"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgoracle.StopShared()
	os.Exit(code)
}

// TestPostgreSQL runs testdata against PostgreSQL, a database per file.
func TestPostgreSQL(t *testing.T) {
	s := pgoracle.Shared(t)
	RunDir(t, "testdata/*.test", func(t *testing.T) DB { return PGX(s.NewDB(t)) })
}

// fakeTB records what RunFile reports instead of failing the test.
type fakeTB struct {
	testing.TB
	errors []string
	fatal  string
}

// fatalPanic unwinds RunFile from a fakeTB's Fatalf.
type fatalPanic struct{}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Errorf(format string, args ...any) {
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}

func (f *fakeTB) Fatalf(format string, args ...any) {
	f.fatal = fmt.Sprintf(format, args...)
	panic(fatalPanic{})
}

// runFake runs RunFile on a file holding content, reporting to a fakeTB.
func runFake(t *testing.T, content string, db DB) (*fakeTB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "x.test")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	f := &fakeTB{TB: t}
	func() {
		defer func() {
			if r := recover(); r != nil && r != (fatalPanic{}) {
				panic(r)
			}
		}()
		RunFile(f, path, db)
	}()
	return f, path
}

// checkReports checks that f got exactly one error for each line in want,
// prefixed path:line and containing the given text, in order.
func checkReports(t *testing.T, f *fakeTB, path string, want map[int]string) {
	t.Helper()
	if f.fatal != "" {
		t.Fatalf("unexpected fatal: %s", f.fatal)
	}
	if len(f.errors) != len(want) {
		t.Errorf("got %d errors, want %d:\n%s", len(f.errors), len(want), strings.Join(f.errors, "\n"))
	}
	for _, e := range f.errors {
		var line int
		if _, err := fmt.Sscanf(strings.TrimPrefix(e, path+":"), "%d:", &line); err != nil || !strings.HasPrefix(e, path+":") {
			t.Errorf("error not prefixed with %s:<line>: %s", path, e)
			continue
		}
		text, ok := want[line]
		if !ok {
			t.Errorf("unexpected error at line %d: %s", line, e)
		} else if !strings.Contains(e, text) {
			t.Errorf("error at line %d does not contain %q: %s", line, text, e)
		}
	}
}

// failing has a failure at each line failingReports names.
const failing = `statement ok
CREATE TABLE t (a int, b text)

statement ok
INSERT INTO t VALUES (1, 'one'), (2, 'two')

query IT rowsort
SELECT a, b FROM t
----
1 one
2 TWO

statement ok
SELEC 1

statement error 42P01
SELECT 1

statement error no such thing
SELECT 1/0

query I
SELECT a, b FROM t

query R
SELECT 0.1 + 0.2
----
0.31

query I nosort
SELECT a FROM t ORDER BY a DESC
----
1
2

query I rowsort lbl
SELECT 1

query I rowsort lbl
SELECT 2
----
2

query I
SELECT 3
`

var failingReports = map[int]string{
	7:  "results differ",
	13: "statement failed",
	16: "got success",
	19: "division by zero",
	22: "expects 1 columns, got 2",
	25: "results differ",
	30: "results differ",
	39: `same label "lbl"`,
	44: "results differ", // no ---- and no label: no rows
}

// TestFailuresPostgreSQL checks that failed expectations are reported, each
// with its file and line, against PostgreSQL.
func TestFailuresPostgreSQL(t *testing.T) {
	db := PGX(pgoracle.Shared(t).NewDB(t))
	f, path := runFake(t, failing, db)
	checkReports(t, f, path, failingReports)
	for _, e := range f.errors {
		t.Log(e)
	}
}

// fakeDB answers queries from a table of canned results.
type fakeDB struct {
	engine  string
	results map[string]fakeResult
	ran     []string
}

type fakeResult struct {
	columns []string
	rows    [][]Cell
	err     error
}

func (d *fakeDB) Engine() string { return d.engine }

func (d *fakeDB) Exec(ctx context.Context, sql string) error {
	_, _, err := d.Query(ctx, sql)
	return err
}

func (d *fakeDB) Query(_ context.Context, sql string) ([]string, [][]Cell, error) {
	d.ran = append(d.ran, sql)
	r, ok := d.results[sql]
	if !ok {
		return nil, nil, sqlerr.New(sqlerr.Syntax, "fake: unknown statement %q", sql)
	}
	return r.columns, r.rows, r.err
}

func text(s string) Cell { return Cell{Text: s} }

var null = Cell{Null: true}

func newFakeDB(engine string) *fakeDB {
	return &fakeDB{engine: engine, results: map[string]fakeResult{
		"CREATE t": {},
		"SELECT rows": {columns: []string{"a", "b", "c", "d"}, rows: [][]Cell{
			{text("2"), text("two words"), text("1.0000000001"), text("f")},
			{text("1"), text(""), null, text("true")},
		}},
		"SELECT one":  {columns: []string{"x"}, rows: [][]Cell{{text("1")}}},
		"SELECT fail": {err: sqlerr.New(sqlerr.DivisionByZero, "division by zero")},
	}}
}

const fakeFile = `# comment
statement ok
CREATE t

query ITRB rowsort
SELECT rows
----
1 (empty) NULL true
2 two words 1 false

query error 22012
SELECT fail

statement error ^division
SELECT fail

skipif basalt
statement ok
NOT RUN

onlyif postgresql
statement ok
NOT RUN EITHER

query I
SELECT one
----
1

halt

statement ok
NOT RUN AFTER HALT
`

// TestFakeDB runs a file against a fake engine: a passing run, and the
// statements RunFile sends.
func TestFakeDB(t *testing.T) {
	db := newFakeDB(EngineBasalt)
	f, path := runFake(t, fakeFile, db)
	checkReports(t, f, path, nil)
	want := []string{"CREATE t", "SELECT rows", "SELECT fail", "SELECT fail", "SELECT one"}
	if fmt.Sprint(db.ran) != fmt.Sprint(want) {
		t.Errorf("ran %q, want %q", db.ran, want)
	}
}

// TestFakeDBFailures checks reports for a wrong value in each kind of column.
func TestFakeDBFailures(t *testing.T) {
	const file = `query ITRB rowsort
SELECT rows
----
1 (empty) NULL true
2 two  words 1 false

query ITRB rowsort
SELECT rows
----
1 (empty) NULL true
2 two words 1.1 false

query ITRB
SELECT rows
----
1 (empty) NULL true
2 two words 1 false

query error 42601
SELECT fail
`
	f, path := runFake(t, file, newFakeDB(EngineBasalt))
	checkReports(t, f, path, map[int]string{
		1:  "results differ", // a value with spaces must match exactly
		7:  "results differ", // beyond float tolerance
		13: "results differ", // nosort: wrong order
		19: "division by zero (SQLSTATE 22012)",
	})
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		file, want string
	}{
		{"statement maybe\nSELECT 1\n", ":1: want"},
		{"\nquery\nSELECT 1\n", ":2: want"},
		{"frobnicate\n", `:1: unknown directive "frobnicate"`},
		{"statement ok\n\nSELECT 1\n", ":1: record has no SQL"},
		{"query I a b\nSELECT 1\n", `:1: unknown query option "b"`},
		{"statement ok\nSELECT 1\n\nskipif basalt\n", "skipif or onlyif without a record"},
	} {
		f, path := runFake(t, tc.file, newFakeDB(EngineBasalt))
		if !strings.HasPrefix(f.fatal, path) || !strings.Contains(f.fatal, tc.want) {
			t.Errorf("%q: got fatal %q, want %q", tc.file, f.fatal, tc.want)
		}
	}
}

// TestRewrite checks that -rewrite replaces only query results.
func TestRewrite(t *testing.T) {
	const before = "# keep me  \n" +
		"statement ok\nCREATE t\n\n" +
		"query ITRB   rowsort   # odd spacing kept\nSELECT rows\n----\nstale\n\n" +
		"query I\nSELECT one\n\n" + // no ---- yet
		"query I valuesort\nSELECT one\n----\n1\n2\n3\n\n" +
		"query error 42601\nSELECT nothing\n\n" +
		"skipif basalt\nquery I\nSELECT skipped\n----\nkeep\n\n" +
		"query T colnames\nSELECT one\n----\nwrong\n" // no final blank line
	const after = "# keep me  \n" +
		"statement ok\nCREATE t\n\n" +
		"query ITRB   rowsort   # odd spacing kept\nSELECT rows\n----\n1 (empty) NULL true\n2 two words 1.0000000001 false\n\n" +
		"query I\nSELECT one\n----\n1\n\n" +
		"query I valuesort\nSELECT one\n----\n1\n\n" +
		"query error 42601\nSELECT nothing\n\n" +
		"skipif basalt\nquery I\nSELECT skipped\n----\nkeep\n\n" +
		"query T colnames\nSELECT one\n----\nx\n1\n"
	setRewrite(t)
	for _, crlf := range []bool{false, true} {
		in, want := before, after
		if crlf {
			in, want = strings.ReplaceAll(in, "\n", "\r\n"), strings.ReplaceAll(want, "\n", "\r\n")
		}
		f, path := runFake(t, in, newFakeDB(EngineBasalt))
		checkReports(t, f, path, nil)
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want {
			t.Errorf("crlf=%v: rewritten file:\n%s\nwant:\n%s", crlf, got, want)
		}
		// The rewritten file passes without -rewrite.
		if !crlf {
			func() {
				unsetRewrite(t)
				defer setRewrite(t)
				f := &fakeTB{TB: t}
				RunFile(f, path, newFakeDB(EngineBasalt))
				checkReports(t, f, path, nil)
			}()
		}
	}
}

func setRewrite(t *testing.T) {
	t.Helper()
	if err := rewriteFlag.Value.Set("true"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unsetRewrite(t) })
}

func unsetRewrite(t *testing.T) {
	if err := rewriteFlag.Value.Set("false"); err != nil {
		t.Fatal(err)
	}
}

func TestLineMatches(t *testing.T) {
	for _, tc := range []struct {
		line  string
		row   []string
		types string
		want  bool
	}{
		{"1 a", []string{"1", "a"}, "IT", true},
		{"1   a", []string{"1", "a"}, "IT", true},
		{"1\ta", []string{"1", "a"}, "IT", true},
		{"1 a b", []string{"1", "a b"}, "IT", true},
		{"1 a  b", []string{"1", "a b"}, "IT", false},
		{"1 a b", []string{"1 a", "b"}, "TT", true}, // ambiguous, and equal as text
		{"2.5 x", []string{"2.500", "x"}, "RT", true},
		{"2.5 x", []string{"2.500", "x"}, "TT", false},
		{"0.3", []string{"0.30000000000000004"}, "R", true},
		{"0.3", []string{"0.3000001"}, "R", false},
		{"NaN", []string{"NaN"}, "R", true},
		{"Infinity", []string{"-Infinity"}, "R", false},
		{"1", []string{"1", "2"}, "II", false},
	} {
		if got := lineMatches(tc.line, tc.row, tc.types); got != tc.want {
			t.Errorf("lineMatches(%q, %q, %s) = %v", tc.line, tc.row, tc.types, got)
		}
	}
}

func TestSQLState(t *testing.T) {
	err := fmt.Errorf("wrapped: %w", sqlerr.New(sqlerr.UndefinedTable, "no table"))
	if got := SQLState(err); got != sqlerr.UndefinedTable {
		t.Errorf("SQLState = %q", got)
	}
	if got := SQLState(fmt.Errorf("plain")); got != "" {
		t.Errorf("SQLState(plain) = %q", got)
	}
}
