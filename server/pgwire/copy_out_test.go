package pgwire

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/basaltdb/basalt/internal/pgoracle"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgproto3"
)

// copyOutDocs are flat rows whose values need every escape of the text and
// csv formats; copyOutTable is the same rows in PostgreSQL, its columns in
// the order SELECT * gives Basalt's (_id, _event_time, then by name).
var copyOutDocs = []string{
	`{"_id": "a", "_event_time": "2024-01-02T03:04:05.5Z", "b": true, "f": 1.5, "i": 1, "s": "plain"}`,
	`{"_id": "b", "_event_time": "2024-01-03T00:00:00Z", "b": false, "f": -0.25, "i": -7, "s": "tab\there, new\nline\r\nand \\ backslash"}`,
	`{"_id": "c", "_event_time": "2024-01-04T00:00:00.000001Z", "f": 0.1, "i": 0, "s": "comma, \"quoted\" and 'single'"}`,
	`{"_id": "d", "_event_time": "2024-01-05T00:00:00Z", "b": null, "s": ""}`,
	`{"_id": "e", "_event_time": "2024-01-06T00:00:00Z", "f": 1e20, "i": 9007199254740993, "s": "\\."}`,
	`{"_id": "f", "_event_time": "2024-01-07T00:00:00Z", "s": "NA"}`,
	`{"_id": "g", "_event_time": "2024-01-08T00:00:00Z", "s": "héllo \u0001 ctl\bx\fy\u000bz"}`,
	`{"_id": "h;x", "_event_time": "2024-01-09T00:00:00Z", "i": 42}`,
}

const copyOutTable = `SET TimeZone = 'UTC';
CREATE TABLE t (_id text, _event_time timestamptz, b bool, f float8, i int8, s text);
INSERT INTO t VALUES
	('a', '2024-01-02T03:04:05.5Z', true, 1.5, 1, 'plain'),
	('b', '2024-01-03T00:00:00Z', false, -0.25, -7, E'tab\there, new\nline\r\nand \\ backslash'),
	('c', '2024-01-04T00:00:00.000001Z', NULL, 0.1, 0, 'comma, "quoted" and ''single'''),
	('d', '2024-01-05T00:00:00Z', NULL, NULL, NULL, ''),
	('e', '2024-01-06T00:00:00Z', NULL, 1e20, 9007199254740993, E'\\.'),
	('f', '2024-01-07T00:00:00Z', NULL, NULL, NULL, 'NA'),
	('g', '2024-01-08T00:00:00Z', NULL, NULL, NULL, E'h\u00e9llo \x01 ctl\bx\fy\x0bz'),
	('h;x', '2024-01-09T00:00:00Z', NULL, NULL, 42, NULL);`

// copyOutCommands are COPY … TO STDOUT statements run on both; whole has
// the collection's rows in no particular order, so lines are compared
// sorted (after the header).
var copyOutCommands = []struct {
	sql   string
	whole bool
}{
	{"COPY t TO STDOUT", true},
	{"COPY t TO STDOUT (FORMAT csv, HEADER)", true},
	{"COPY t TO STDOUT (FORMAT text, HEADER true)", true},
	{"COPY t (_id, s) TO STDOUT WITH CSV HEADER", true},
	{"copy t (s, i, _id) to stdout with (format csv, delimiter ';', null 'NA')", true},
	{"COPY t (_id, s, b) TO STDOUT (DELIMITER '|', NULL 'NA')", true},
	// Options given before FORMAT csv are not overridden by its defaults.
	{"COPY t (_id, s, f) TO STDOUT (NULL 'NA', DELIMITER ';', FORMAT csv)", true},
	{"COPY t (_id, i, s) TO STDOUT (FORMAT csv, FORCE_QUOTE *)", true},
	{"COPY t (_id, i, s) TO STDOUT (FORMAT csv, FORCE_QUOTE (i, s), HEADER)", true},
	{"COPY (SELECT _id, i * 2 AS dbl, s FROM t WHERE i > 0 ORDER BY _id) TO STDOUT (FORMAT csv, HEADER)", false},
	{"COPY (SELECT s FROM t ORDER BY _id) TO STDOUT (FORMAT csv)", false},
	{"COPY (SELECT s FROM t ORDER BY _id) TO STDOUT", false},
	{"COPY (SELECT _id, _event_time, f FROM t ORDER BY _id) TO STDOUT", false},
	{`COPY (SELECT 1 AS "a,b", 'x' AS "q""uote", NULL AS n) TO STDOUT (FORMAT csv, HEADER)`, false},
	{"COPY (SELECT _id FROM t WHERE false) TO STDOUT", false},
}

// copyTo runs a COPY TO with pgx and returns its data and tag.
func copyTo(t *testing.T, conn *pgx.Conn, sql string) (string, string) {
	t.Helper()
	var buf bytes.Buffer
	tag, err := conn.PgConn().CopyTo(ctx10s(t), &buf, sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return buf.String(), tag.String()
}

// sortedLines sorts the lines of data after the first skip ones.
func sortedLines(data string, skip int) string {
	lines := strings.SplitAfter(data, "\n")
	slices.Sort(lines[min(skip, len(lines)):])
	return strings.Join(lines, "")
}

// TestCopyToMatchesPostgres runs COPY … TO STDOUT with pgx's CopyTo on
// Basalt and on PostgreSQL holding the same rows, and compares the bytes.
func TestCopyToMatchesPostgres(t *testing.T) {
	ts := newTestServer(t)
	ts.load(t, "commons", "t", copyOutDocs...)
	conn := ts.connect(t)
	pg := pgoracle.Start(t).Conn(t)
	if _, err := pg.Exec(ctx10s(t), copyOutTable); err != nil {
		t.Fatal(err)
	}
	for _, c := range copyOutCommands {
		got, gotTag := copyTo(t, conn, c.sql)
		want, wantTag := copyTo(t, pg, c.sql)
		if c.whole {
			header := 0
			if strings.Contains(strings.ToUpper(c.sql), "HEADER") {
				header = 1
			}
			got, want = sortedLines(got, header), sortedLines(want, header)
		}
		if got != want || gotTag != wantTag {
			t.Errorf("%s:\nBasalt (%s):\n%q\nPostgreSQL (%s):\n%q", c.sql, gotTag, got, wantTag, want)
		}
	}
}

// TestCopyTo checks what needs no oracle: nested values as JSON, the
// column order of a collection, errors, the extended protocol, and that
// the connection stays in step.
func TestCopyTo(t *testing.T) {
	ts := newTestServer(t)
	ts.load(t, "commons", "docs",
		`{"_id": "1", "_event_time": "2024-01-01T00:00:00Z", "obj": {"k": "v\tw", "n": [1, 2]}, "arr": ["a", null]}`,
		`{"_id": "2", "_event_time": "2024-01-02T00:00:00Z", "n": 5}`)
	ts.load(t, "shop", "orders", `{"_id": "o1", "_event_time": "2024-01-01T00:00:00Z", "total": 10}`)
	conn := ts.connect(t)
	for _, c := range []struct{ sql, want, tag string }{
		{"COPY docs TO STDOUT (FORMAT csv, HEADER)",
			"_id,_event_time,arr,n,obj\n" +
				`1,2024-01-01 00:00:00+00,"[""a"",null]",,"{""k"":""v\tw"",""n"":[1,2]}"` + "\n" +
				"2,2024-01-02 00:00:00+00,,5,\n", "COPY 2"},
		{"COPY docs (obj, _id) TO STDOUT", `{"k":"v\\tw","n":[1,2]}` + "\t1\n\\N\t2\n", "COPY 2"},
		{"COPY shop.orders TO STDOUT", "o1\t2024-01-01 00:00:00+00\t10\n", "COPY 1"},
		{"COPY (SELECT relname FROM pg_class WHERE relkind = 'r' ORDER BY 1) TO STDOUT", "docs\norders\n", "COPY 2"},
	} {
		got, tag := copyTo(t, conn, c.sql)
		if got != c.want || tag != c.tag {
			t.Errorf("%s:\ngot  %q (%s)\nwant %q (%s)", c.sql, got, tag, c.want, c.tag)
		}
	}
	for sql, code := range map[string]string{
		"COPY nope TO STDOUT":                                   "42P01",
		"COPY docs TO '/tmp/out.csv'":                           "0A000",
		"COPY docs TO STDOUT (FORMAT binary)":                   "0A000",
		"COPY docs TO STDOUT (FORMAT ndjson)":                   "0A000",
		"COPY docs TO STDOUT (FORCE_QUOTE *)":                   "0A000",
		"COPY docs (n) TO STDOUT (FORMAT csv, FORCE_QUOTE (x))": "42703",
		"COPY (SELEC 1) TO STDOUT":                              "42601",
		"COPY (SELECT 1) FROM STDIN":                            "42601",
		"COPY (INSERT INTO docs (_id) VALUES ('x')) TO STDOUT":  "0A000",
		"COPY docs TO STDOUT (BOGUS 1)":                         "42601",
	} {
		var buf bytes.Buffer
		_, err := conn.PgConn().CopyTo(ctx10s(t), &buf, sql)
		if pgCode(err) != code {
			t.Errorf("%s: %v, want %s", sql, err, code)
		}
	}
	// Nothing was inserted by the refused COPY, and the connection works.
	var n int64
	if err := conn.QueryRow(ctx10s(t), "SELECT count(*) FROM docs").Scan(&n); err != nil || n != 2 {
		t.Fatalf("count %d, %v", n, err)
	}

	// The extended protocol: Parse, Bind, Describe (NoData), Execute.
	nc, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(20 * time.Second))
	fe := startFrontend(t, nc, "tester", "basalt")
	for _, m := range []pgproto3.FrontendMessage{&pgproto3.Parse{Query: "COPY docs (_id, n) TO STDOUT (FORMAT csv)"}, &pgproto3.Bind{},
		&pgproto3.Describe{ObjectType: 'P'}, &pgproto3.Execute{}, &pgproto3.Sync{}} {
		fe.Send(m)
	}
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		msg, err := fe.Receive()
		if err != nil {
			t.Fatal(err)
		}
		switch m := msg.(type) {
		case *pgproto3.CopyData:
			got = append(got, "d:"+string(m.Data))
		case *pgproto3.CommandComplete:
			got = append(got, "C:"+string(m.CommandTag))
		default:
			got = append(got, msgType(msg))
		}
		if _, ok := msg.(*pgproto3.ReadyForQuery); ok {
			break
		}
	}
	if want := "1 2 n H d:1,\n d:2,5\n c C:COPY 2 Z"; strings.Join(got, " ") != want {
		t.Errorf("extended protocol: %q, want %q", strings.Join(got, " "), want)
	}
}

// TestPsqlCopyTo writes files with psql's \copy … to from Basalt and from
// PostgreSQL holding the same rows, and compares them.
func TestPsqlCopyTo(t *testing.T) {
	psql, err := exec.LookPath("psql")
	if err != nil {
		if os.Getenv(pgoracle.EnvRequire) == "1" {
			t.Fatal("psql is not installed")
		}
		t.Skip("psql is not installed")
	}
	ts := newTestServer(t)
	ts.load(t, "commons", "t", copyOutDocs...)
	oracle := pgoracle.Start(t)
	if _, err := oracle.Conn(t).Exec(ctx10s(t), copyOutTable); err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(ts.addr)
	dir := t.TempDir()
	run := func(conninfo, cmd string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c := exec.CommandContext(ctx, psql, "-X", "-v", "ON_ERROR_STOP=1", "-d", conninfo, "-c", cmd)
		c.Env = append(os.Environ(), "PGCONNECT_TIMEOUT=10", "PGTZ=UTC")
		if out, err := c.CombinedOutput(); err != nil || !strings.Contains(string(out), "COPY ") {
			t.Fatalf("psql %s: %v\n%s", cmd, err, out)
		}
	}
	for i, cmd := range []string{
		`\copy t to '%s' csv header`,
		`\copy t (_id, s) to '%s' with (format text)`,
		`\copy (select _id, s, f from t order by _id) to '%s' with (format csv, header, delimiter ';')`,
	} {
		basalt, pg := filepath.Join(dir, fmt.Sprintf("basalt%d", i)), filepath.Join(dir, fmt.Sprintf("pg%d", i))
		run(fmt.Sprintf("host=%s port=%s user=tester dbname=basalt sslmode=disable", host, port), fmt.Sprintf(cmd, basalt))
		run(oracle.DSN(), fmt.Sprintf(cmd, pg))
		got, _ := os.ReadFile(basalt)
		want, _ := os.ReadFile(pg)
		header := 0
		if strings.Contains(cmd, "header") {
			header = 1
		}
		if !strings.Contains(cmd, "order by") {
			got, want = []byte(sortedLines(string(got), header)), []byte(sortedLines(string(want), header))
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s:\nBasalt:\n%q\nPostgreSQL:\n%q", cmd, got, want)
		}
	}
}
