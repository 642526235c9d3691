package sqllogic

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	// datadriven defines the -rewrite flag; sqllogic reads the same flag, so
	// that a test binary using both has one flag (two would panic).
	_ "github.com/cockroachdb/datadriven"
)

// rewriteFlag is -rewrite, defined here only if datadriven ever stops
// defining it (its package variables are initialized before ours).
var rewriteFlag = func() *flag.Flag {
	if f := flag.Lookup("rewrite"); f != nil {
		return f
	}
	flag.Bool("rewrite", false, "rewrite the expected results of test files with the actual ones")
	return flag.Lookup("rewrite")
}()

// rewriting reports whether the test binary runs with -rewrite.
func rewriting() bool {
	return rewriteFlag.Value.String() == "true"
}

// maxFailures stops a file after this many failed records: past the first
// few, failures are mostly the consequences of an earlier one (a table that
// was never created).
const maxFailures = 20

// RunFile runs the test file at path against db, reporting each failed
// record with t.Errorf as "path:line: ...". Under -rewrite it then rewrites
// the expected results of the file's query records (see the package doc).
// A file that cannot be read or parsed fails t with t.Fatalf.
func RunFile(t testing.TB, path string, db DB) {
	t.Helper()
	content, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("sqllogic: %v", err)
	}
	lines := strings.Split(string(content), "\n")
	records, err := parse(lines)
	if err != nil {
		var pe *parseError
		if errors.As(err, &pe) {
			t.Fatalf("%s:%d: %s", path, pe.line, pe.msg)
		}
		t.Fatalf("%s: %v", path, err)
	}
	r := runner{t: t, path: path, db: db, rewrite: rewriting(), labels: map[string]labeled{}}
	for _, rec := range records {
		if rec.skip(db.Engine()) {
			continue
		}
		if rec.kind == halt {
			break
		}
		r.run(rec)
		if r.failures >= maxFailures {
			t.Errorf("%s: stopped after %d failures", path, r.failures)
			break
		}
	}
	if r.rewrite && len(r.edits) > 0 {
		out := applyEdits(lines, r.edits, bytes.Contains(content, []byte("\r\n")))
		if out != string(content) {
			if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
				t.Fatalf("sqllogic: rewrite: %v", err)
			}
		}
	}
}

// RunDir runs every file matching glob (as filepath.Glob matches it) as a
// subtest named after the file, each against a fresh DB from newDB. It
// fails t when nothing matches, so a mistyped glob does not pass silently.
func RunDir(t *testing.T, glob string, newDB func(t *testing.T) DB) {
	t.Helper()
	paths, err := filepath.Glob(glob)
	if err != nil {
		t.Fatalf("sqllogic: %v", err)
	}
	if len(paths) == 0 {
		t.Fatalf("sqllogic: no test files match %s", glob)
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			RunFile(t, path, newDB(t))
		})
	}
}

// runner holds the state of one RunFile.
type runner struct {
	t        testing.TB
	path     string
	db       DB
	rewrite  bool
	failures int
	labels   map[string]labeled
	edits    []edit
}

// labeled is the output of the first query with a label.
type labeled struct {
	line   int
	output string
}

// edit replaces lines [start, end) of the file with lines, after a ----
// line when dashes is set.
type edit struct {
	start, end int
	dashes     bool
	lines      []string
}

func (r *runner) errorf(rec *record, format string, args ...any) {
	r.t.Helper()
	r.failures++
	r.t.Errorf("%s:%d: %s\n%s", r.path, rec.line, fmt.Sprintf(format, args...), indent(rec.sql))
}

func (r *runner) run(rec *record) {
	r.t.Helper()
	ctx := r.t.Context()
	switch rec.kind {
	case statementOK:
		if err := r.db.Exec(ctx, rec.sql); err != nil {
			r.errorf(rec, "statement failed: %v%s", err, stateSuffix(err))
		}
	case statementError:
		r.checkError(rec, r.db.Exec(ctx, rec.sql))
	case queryError:
		_, _, err := r.db.Query(ctx, rec.sql)
		r.checkError(rec, err)
	case queryOK:
		columns, rows, err := r.db.Query(ctx, rec.sql)
		if err != nil {
			r.errorf(rec, "query failed: %v%s", err, stateSuffix(err))
			return
		}
		r.checkQuery(rec, columns, rows)
	}
}

// checkError checks err, the outcome of a record expecting an error.
func (r *runner) checkError(rec *record, err error) {
	r.t.Helper()
	if err == nil {
		r.errorf(rec, "expected an error matching %q, got success", rec.errPattern)
		return
	}
	if rec.errPattern == "" || SQLState(err) == rec.errPattern {
		return
	}
	re, rerr := regexp.Compile(rec.errPattern)
	if rerr != nil {
		r.errorf(rec, "bad error pattern: %v", rerr)
		return
	}
	if !re.MatchString(err.Error()) {
		r.errorf(rec, "expected an error matching %q, got: %v%s", rec.errPattern, err, stateSuffix(err))
	}
}

func (r *runner) checkQuery(rec *record, columns []string, rows [][]Cell) {
	r.t.Helper()
	if len(columns) != len(rec.types) {
		r.errorf(rec, "query %s expects %d columns, got %d %q", rec.types, len(rec.types), len(columns), columns)
		return
	}
	for i, row := range rows {
		if len(row) != len(columns) {
			r.errorf(rec, "row %d has %d values for %d columns", i+1, len(row), len(columns))
			return
		}
	}
	vals := formatRows(rows, rec.types)
	if rec.sort == rowSort {
		sortRows(vals)
	}
	output := outputLines(rec, columns, vals)
	if rec.label != "" {
		text := strings.Join(output, "\n")
		if first, ok := r.labels[rec.label]; !ok {
			r.labels[rec.label] = labeled{line: rec.line, output: text}
		} else if first.output != text {
			r.errorf(rec, "results differ from those of line %d, which has the same label %q:\n%s\nvs:\n%s",
				first.line, rec.label, indent(text), indent(first.output))
		}
	}
	if rec.label != "" && !rec.hasResults {
		// Only checked against the label's other queries.
		return
	}
	if r.rewrite {
		if rec.hasResults || len(output) > 0 {
			r.edits = append(r.edits, edit{start: rec.resultStart, end: rec.resultEnd, dashes: !rec.hasResults, lines: output})
		}
		return
	}
	if !resultsMatch(rec, columns, vals) {
		r.errorf(rec, "results differ\nexpected:\n%s\ngot:\n%s",
			indent(strings.Join(rec.expected, "\n")), indent(strings.Join(output, "\n")))
	}
}

// applyEdits returns the file's lines with edits applied, joined again; the
// edits are in file order and do not overlap. crlf ends inserted lines
// with \r\n, as the rest of the file.
func applyEdits(lines []string, edits []edit, crlf bool) string {
	cr := ""
	if crlf {
		cr = "\r"
	}
	var out []string
	pos := 0
	for _, e := range edits {
		out = append(out, lines[pos:e.start]...)
		if e.dashes {
			out = append(out, "----"+cr)
		}
		for _, l := range e.lines {
			out = append(out, l+cr)
		}
		pos = e.end
	}
	out = append(out, lines[pos:]...)
	return strings.Join(out, "\n")
}

// stateSuffix returns " (SQLSTATE xxxxx)" for an error with a SQLSTATE that
// its text does not show already.
func stateSuffix(err error) string {
	code := SQLState(err)
	if code == "" || strings.Contains(err.Error(), code) {
		return ""
	}
	return " (SQLSTATE " + code + ")"
}

// indent indents text for an error message.
func indent(text string) string {
	if text == "" {
		return "    (nothing)"
	}
	return "    " + strings.ReplaceAll(text, "\n", "\n    ")
}
