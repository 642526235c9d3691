package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/basaltdb/basalt/server"
)

// startServer starts an open (loopback, no authentication) server and
// points the CLI at it through $BASALT_URL.
func startServer(t *testing.T) *apiClient {
	t.Helper()
	s, err := server.Start(server.Config{DataDir: t.TempDir(), HTTPAddr: "127.0.0.1:0", PGAddr: "127.0.0.1:0",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown() })
	url := "http://" + s.HTTPAddr()
	t.Setenv("BASALT_URL", url)
	t.Setenv("BASALT_API_KEY", "")
	return &apiClient{url: url}
}

// runBasaltIn runs the CLI with stdin.
func runBasaltIn(stdin string, args ...string) (string, string, error) {
	var out, errOut bytes.Buffer
	cmd := rootCmd()
	cmd.SetArgs(args)
	cmd.SetIn(strings.NewReader(stdin))
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	err := cmd.Execute()
	return out.String(), errOut.String(), err
}

func TestSQLCLI(t *testing.T) {
	cl := startServer(t)
	ctx := context.Background()
	if _, err := cl.do(ctx, "POST", "/v1/orgs/self/ws", map[string]string{"name": "shop"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.do(ctx, "POST", "/v1/orgs/self/ws/shop/collections", map[string]string{"name": "t"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.do(ctx, "POST", "/v1/orgs/self/ws/shop/collections/t/docs", map[string]any{"data": []any{
		map[string]any{"_id": "a", "kind": "click", "n": 10, "note": nil},
		map[string]any{"_id": "b", "kind": "view", "n": 2, "note": "long note", "tags": []string{"x"}},
		map[string]any{"_id": "c", "kind": "buy", "n": 300},
	}}, nil); err != nil {
		t.Fatal(err)
	}

	// A table: the server's column order, numbers to the right, NULL for
	// null, an empty cell for a missing field, and a row count.
	out, errOut, err := runBasalt("sql", "-c", "SELECT kind, n, note, tags FROM shop.t ORDER BY n")
	if err != nil {
		t.Fatalf("sql -c: %v %s", err, errOut)
	}
	want := ` kind  |  n  |   note    | tags
-------+-----+-----------+-------
 view  |   2 | long note | ["x"]
 click |  10 | NULL      | 
 buy   | 300 |           | 
(3 rows)

`
	if out != want {
		t.Fatalf("sql -c printed\n%s\nwant\n%s", out, want)
	}

	// -c repeats, and each may hold several statements.
	out, _, err = runBasalt("sql", "-c", "SELECT count(*) AS n FROM shop.t; SELECT 'a;b' AS s", "-c", "SELECT 1 AS one")
	if err != nil || !strings.Contains(out, "\n 3\n(1 row)") || !strings.Contains(out, " a;b\n") || !strings.Contains(out, "\n   1\n(1 row)") {
		t.Fatalf("several statements: %v\n%s", err, out)
	}

	// An error: the server's message, its line and column in the script,
	// a non-zero exit status, and the statements after it not run.
	out, errOut, err = runBasalt("sql", "-c", "SELECT 1 AS a;\nSELECT\n  nope( FROM x;\nSELECT 2 AS b")
	if !errors.Is(err, errStatement) || !strings.Contains(errOut, `ERROR: syntax error at or near "FROM" (line 3, column 9)`) || strings.Contains(out, " b\n") || !strings.Contains(out, " a\n") {
		t.Fatalf("error: %v %q %q", err, out, errOut)
	}
	_, errOut, err = runBasalt("sql", "-c", "SELECT count(*) FROM shop.nope")
	if err == nil || !strings.Contains(errOut, `relation "shop.nope" does not exist (line 1, column 22)`) {
		t.Fatalf("missing relation: %v %q", err, errOut)
	}

	// Statements on stdin when it is not a terminal, with \timing between
	// them and comments around.
	out, errOut, err = runBasaltIn("-- a script\nSELECT kind FROM shop.t WHERE _id = 'a';\n\\timing\nSELECT n FROM shop.t\n  WHERE _id = 'c'; /* done; */\n", "sql")
	if err != nil || !strings.Contains(out, " click\n(1 row)") || !strings.Contains(out, " 300\n(1 row)") || !strings.Contains(errOut, "Timing is on.") || strings.Count(errOut, "Time: ") != 1 {
		t.Fatalf("stdin: %v\n%s\n%s", err, out, errOut)
	}
	_, errOut, err = runBasaltIn("SELECT 1;\n\nSELECT * FROM shop.t WHERE;\n", "sql")
	if !errors.Is(err, errStatement) || !strings.Contains(errOut, "(line 3,") {
		t.Fatalf("stdin error: %v %q", err, errOut)
	}

	// A statement without results says OK.
	out, _, err = runBasalt("sql", "-c", "INSERT INTO shop.t (_id, kind) VALUES ('d', 'new')")
	if err != nil || out != "OK\n" {
		t.Fatalf("insert: %v %q", err, out)
	}

	// JSON and CSV.
	out, _, err = runBasalt("sql", "--format", "json", "-c", "SELECT _id, n, note, tags FROM shop.t WHERE _id IN ('a', 'b') ORDER BY _id")
	if err != nil || out != "{\"_id\":\"a\",\"n\":10,\"note\":null}\n{\"_id\":\"b\",\"n\":2,\"note\":\"long note\",\"tags\":[\"x\"]}\n" {
		t.Fatalf("json: %v %q", err, out)
	}
	out, _, err = runBasalt("sql", "--format", "csv", "-c", "SELECT _id, n, note, tags FROM shop.t WHERE _id IN ('a', 'b') ORDER BY _id")
	if err != nil || out != "_id,n,note,tags\na,10,,\nb,2,long note,\"[\"\"x\"\"]\"\n" {
		t.Fatalf("csv: %v %q", err, out)
	}
	if _, _, err := runBasalt("sql", "--format", "xml", "-c", "SELECT 1"); err == nil || !strings.Contains(err.Error(), "--format") {
		t.Fatalf("bad --format: %v", err)
	}
}

// fakeLines feeds the shell's loop as a terminal would.
type fakeLines struct {
	lines   []string
	prompts []string
	history []string
}

func (f *fakeLines) Readline() (string, error) {
	if len(f.lines) == 0 {
		return "", io.EOF
	}
	l := f.lines[0]
	f.lines = f.lines[1:]
	return l, nil
}
func (f *fakeLines) SetPrompt(p string)            { f.prompts = append(f.prompts, p) }
func (f *fakeLines) SaveHistory(line string) error { f.history = append(f.history, line); return nil }

func TestSQLShellLoop(t *testing.T) {
	cl := startServer(t)
	var out, errOut bytes.Buffer
	sh := &sqlShell{apiClient: *cl, format: "table", out: &out, errOut: &errOut}
	rl := &fakeLines{lines: []string{"", "SELECT 1", "  AS a;", `\timing`, "SELECT nope(;", "SELECT 'x;", "y' AS b;", `\q`, "SELECT 3;"}}
	if err := sh.loop(context.Background(), rl); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), " a\n---\n 1\n(1 row)") || !strings.Contains(out.String(), "x;\\ny\n(1 row)") || strings.Contains(out.String(), "3") {
		t.Fatalf("shell printed\n%s", out.String())
	}
	if !strings.Contains(errOut.String(), "ERROR: syntax error") || !strings.Contains(errOut.String(), "Timing is on.") || strings.Count(errOut.String(), "Time: ") != 2 {
		t.Fatalf("shell stderr\n%s", errOut.String())
	}
	if strings.Join(rl.prompts[:3], "|") != "basalt> |basalt> |     -> " {
		t.Fatalf("prompts %q", rl.prompts)
	}
	if rl.history[0] != "SELECT 1 AS a;" || rl.history[1] != `\timing` {
		t.Fatalf("history %q", rl.history)
	}
}

func TestSplitSQL(t *testing.T) {
	got := splitSQL("SELECT 1;\n  SELECT ';' AS \"a;b\" -- c;\n , $$x;y$$, $t$;$t$, E'\\';' /* ; /* ; */ ; */;\n;;  SELECT 3")
	want := []stmt{
		{text: "SELECT 1", line: 1, col: 1, terminated: true},
		{text: "SELECT ';' AS \"a;b\" -- c;\n , $$x;y$$, $t$;$t$, E'\\';' /* ; /* ; */ ; */", line: 2, col: 3, terminated: true},
		{text: "SELECT 3", line: 4, col: 5},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("statement %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	for in, want := range map[string]bool{"SELECT 1;": true, "SELECT 1": false, "SELECT ';": false, "SELECT 1; -- x": true, "SELECT 1; SELECT": false, "/* ; */": false} {
		if complete(in) != want {
			t.Errorf("complete(%q) = %v", in, !want)
		}
	}
}
