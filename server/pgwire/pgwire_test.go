package pgwire

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/storage"
	"github.com/basaltdb/basalt/types"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// testServer is a pgwire server on a loopback port over an in-memory
// engine.
type testServer struct {
	srv  *Server
	eng  *storage.Engine
	addr string
}

func newTestServer(t testing.TB, mod ...func(*Config)) *testServer {
	t.Helper()
	eng, err := storage.Open(storage.Options{Dir: "data", FS: vfs.NewMem(), DisableBackground: true})
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Engine: eng, Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))}
	for _, m := range mod {
		m(&cfg)
	}
	srv := New(cfg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
		if err := <-done; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
		eng.Close()
	})
	return &testServer{srv: srv, eng: eng, addr: ln.Addr().String()}
}

func (ts *testServer) url(db string) string {
	return fmt.Sprintf("postgres://tester@%s/%s?sslmode=disable", ts.addr, db)
}

func (ts *testServer) connect(t testing.TB) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, ts.url("basalt"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// load creates ws.coll and writes docs (JSON objects).
func (ts *testServer) load(t testing.TB, ws, coll string, docs ...string) {
	t.Helper()
	if ws != "commons" {
		if _, err := ts.eng.Catalog().CreateWorkspace(ws, ""); err != nil && !errors.Is(err, catalog.ErrAlreadyExists) {
			t.Fatal(err)
		}
	}
	if _, err := ts.eng.CreateCollection(ws, catalog.CollectionSpec{Name: coll}); err != nil && !errors.Is(err, catalog.ErrAlreadyExists) {
		t.Fatal(err)
	}
	ops := make([]storage.WriteOp, len(docs))
	for i, d := range docs {
		v, err := types.NewDecoder(types.DefaultLimits).Decode([]byte(d))
		if err != nil {
			t.Fatal(err)
		}
		ops[i] = storage.WriteOp{Kind: storage.OpUpsert, Doc: v.Clone()}
	}
	res, _, err := ts.eng.Write(context.Background(), ws, coll, ops)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
}

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func ctx10s(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestPgxQueries(t *testing.T) {
	ts := newTestServer(t)
	ts.load(t, "commons", "people",
		`{"_id": "a", "name": "ann", "age": 31, "score": 1.5, "vip": true, "_event_time": "2024-01-02T03:04:05.5Z", "tags": ["x", "y"], "addr": {"city": "Oslo"}}`,
		`{"_id": "b", "name": "bob", "age": 42, "score": 2.25, "vip": false, "_event_time": "2024-01-03T00:00:00Z"}`,
		`{"_id": "c", "name": "cid", "age": 7, "score": -3, "vip": true, "_event_time": "2024-01-04T00:00:00Z"}`,
	)
	conn := ts.connect(t)
	ctx := ctx10s(t)

	modes := []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeCacheDescribe, pgx.QueryExecModeDescribeExec, pgx.QueryExecModeExec, pgx.QueryExecModeSimpleProtocol}
	for _, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) {
			// Parameters of each type, sent as pgx chooses (binary for
			// int8, float8, bool, timestamptz in the extended modes).
			var (
				id    string
				age   int64
				score float64
				vip   bool
				ts    time.Time
				tags  []any
				addr  map[string]any
			)
			err := conn.QueryRow(ctx, "SELECT _id, age, score, vip, _event_time, tags, addr FROM people WHERE _id = $1", mode, "a").Scan(&id, &age, &score, &vip, &ts, &tags, &addr)
			if err != nil {
				t.Fatal(err)
			}
			if id != "a" || age != 31 || score != 1.5 || !vip || !ts.Equal(time.Date(2024, 1, 2, 3, 4, 5, 500_000_000, time.UTC)) || len(tags) != 2 || addr["city"] != "Oslo" {
				t.Fatalf("got %v %v %v %v %v %v %v", id, age, score, vip, ts, tags, addr)
			}
			var n int64
			if err := conn.QueryRow(ctx, "SELECT count(*) FROM people WHERE age > $1 AND score < $2 AND vip = $3 AND _event_time >= $4", mode,
				int64(5), 2.0, true, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 2 {
				t.Fatalf("count = %d, want 2", n)
			}
			rows, err := conn.Query(ctx, "SELECT name FROM people WHERE age >= $1 ORDER BY name", mode, 8)
			if err != nil {
				t.Fatal(err)
			}
			names, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(names, ",") != "ann,bob" {
				t.Fatalf("names = %v", names)
			}
		})
	}

	// A named prepared statement, executed many times.
	if _, err := conn.Prepare(ctx, "byage", "SELECT name, age FROM people WHERE age = $1"); err != nil {
		t.Fatal(err)
	}
	for _, age := range []int64{31, 42, 7} {
		var name string
		var got int64
		if err := conn.QueryRow(ctx, "byage", age).Scan(&name, &got); err != nil {
			t.Fatal(err)
		}
		if got != age {
			t.Fatalf("age %d: got %d", age, got)
		}
	}

	// Multiple statements in one simple query.
	res, err := conn.PgConn().Exec(ctx, "SELECT 1; SELECT 'two' AS t; SET application_name = 'x'; SHOW application_name").ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 4 || string(res[1].Rows[0][0]) != "two" || string(res[3].Rows[0][0]) != "x" || res[2].CommandTag.String() != "SET" {
		t.Fatalf("multi-statement results: %+v", res)
	}
	if conn.PgConn().ParameterStatus("application_name") != "x" {
		t.Fatalf("application_name not reported: %q", conn.PgConn().ParameterStatus("application_name"))
	}
	// Empty query.
	if _, err := conn.Exec(ctx, ""); err != nil {
		t.Fatal(err)
	}
	// BEGIN/COMMIT and a transaction with pgx.
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "INSERT INTO people (_id, name, age) VALUES ('d', 'dee', 50)"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	var name string
	if err := conn.QueryRow(ctx, "SELECT name FROM people WHERE _id = 'd'").Scan(&name); err != nil || name != "dee" {
		t.Fatalf("after commit: %q %v", name, err)
	}
}

func TestPgxErrors(t *testing.T) {
	ts := newTestServer(t)
	ts.load(t, "commons", "t", `{"_id": "a", "x": 1}`)
	conn := ts.connect(t)
	ctx := ctx10s(t)
	cases := []struct {
		sql  string
		code string
	}{
		{"SELEC 1", "42601"},
		{"SELECT * FROM nope", "42P01"},
		{"SELECT 1/0", "22012"},
		{"SELECT nosuchfn(1)", "42883"},
		{"UPDATE t SET x = 1", "0A000"},
		{"SELECT 1; SELECT 1/0", "22012"},
	}
	for _, c := range cases {
		for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeSimpleProtocol, pgx.QueryExecModeCacheStatement} {
			if strings.Contains(c.sql, ";") && mode != pgx.QueryExecModeSimpleProtocol {
				continue
			}
			_, err := conn.Exec(ctx, c.sql, mode)
			if got := pgCode(err); got != c.code {
				t.Errorf("%s (%v): code %q (%v), want %s", c.sql, mode, got, err, c.code)
			}
		}
	}
	// The position of a syntax error is reported.
	_, err := conn.Exec(ctx, "SELECT * FROM t WHERE", pgx.QueryExecModeSimpleProtocol)
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Position == 0 {
		t.Errorf("no position in %v", err)
	}
	// The connection still works.
	var one int
	if err := conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatal(err)
	}
}

func TestPgxCancel(t *testing.T) {
	ts := newTestServer(t)
	conn := ts.connect(t)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	// A query that runs for seconds: pgx sends CancelRequest when ctx ends.
	_, err := conn.Exec(ctx, "SELECT count(*) FROM generate_series(1, 3000) a CROSS JOIN generate_series(1, 3000) b CROSS JOIN generate_series(1, 100) c")
	if err == nil {
		t.Fatal("query was not cancelled")
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("cancel took %v", time.Since(start))
	}
	// pgx closes the connection after a context cancel; a new one works,
	// and the server is not busy with the cancelled query.
	conn2 := ts.connect(t)
	var one int
	if err := conn2.QueryRow(context.Background(), "SELECT 1").Scan(&one); err != nil {
		t.Fatal(err)
	}
}

func TestPgxCancelKeepsConnection(t *testing.T) {
	ts := newTestServer(t)
	conn := ts.connect(t)
	pc := conn.PgConn()
	done := make(chan error, 1)
	go func() {
		_, err := pc.Exec(context.Background(), "SELECT count(*) FROM generate_series(1, 3000) a CROSS JOIN generate_series(1, 3000) b CROSS JOIN generate_series(1, 100) c").ReadAll()
		done <- err
	}()
	time.Sleep(200 * time.Millisecond)
	if err := pc.CancelRequest(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if pgCode(err) != "57014" {
			t.Fatalf("got %v, want 57014", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("cancel did not stop the query")
	}
	var one int
	if err := conn.QueryRow(context.Background(), "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("connection after cancel: %v", err)
	}
}

// TestSetTransactionModes: the statements JDBC drivers send for
// setTransactionIsolation and setReadOnly are accepted, and SHOW reports
// the modes as PostgreSQL does (they change nothing: every statement reads
// one snapshot).
func TestSetTransactionModes(t *testing.T) {
	ts := newTestServer(t)
	conn := ts.connect(t)
	ctx := ctx10s(t)
	show := func(name string) string {
		t.Helper()
		var v string
		if err := conn.QueryRow(ctx, "SHOW "+name).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, q := range []string{
		"SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED",
		"SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY",
		"BEGIN",
		"SET TRANSACTION ISOLATION LEVEL SERIALIZABLE",
		"COMMIT",
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for _, name := range []string{"default_transaction_isolation", "transaction_isolation"} {
		if got := show(name); got != "read committed" {
			t.Errorf("%s = %q", name, got)
		}
	}
	if got := show("transaction_read_only"); got != "on" {
		t.Errorf("transaction_read_only = %q", got)
	}
	if _, err := conn.Exec(ctx, "SET TRANSACTION SNAPSHOT '00000003-0000001B-1'"); pgCode(err) != "0A000" {
		t.Errorf("SET TRANSACTION SNAPSHOT: %v", err)
	}
}

// TestPgxIntervals checks intervals on the wire: described as interval,
// in PostgreSQL's binary form (pgx asks for it) and its text form.
func TestPgxIntervals(t *testing.T) {
	ts := newTestServer(t)
	ts.load(t, "commons", "ev", `{"_id": "a", "_event_time": "2024-01-02T03:04:05.5Z"}`)
	conn := ts.connect(t)
	ctx := ctx10s(t)
	const q = "SELECT _event_time - TIMESTAMPTZ '2024-01-01 00:00:00+00', INTERVAL '1 year 2 mons 27 hours' FROM ev"
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeExec, pgx.QueryExecModeSimpleProtocol} {
		var d, iv pgtype.Interval
		if err := conn.QueryRow(ctx, q, mode).Scan(&d, &iv); err != nil {
			t.Fatalf("%v: %v", mode, err)
		}
		if d != (pgtype.Interval{Days: 1, Microseconds: (3*3600+4*60)*1e6 + 5.5e6, Valid: true}) || iv != (pgtype.Interval{Months: 14, Microseconds: 27 * 3600e6, Valid: true}) {
			t.Errorf("%v: got %+v and %+v", mode, d, iv)
		}
	}
	res, err := conn.PgConn().Exec(ctx, q).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if fd := res[0].FieldDescriptions; fd[0].DataTypeOID != 1186 || fd[1].DataTypeOID != 1186 {
		t.Errorf("described as %d, %d, want interval (1186)", fd[0].DataTypeOID, fd[1].DataTypeOID)
	}
	if got := string(res[0].Rows[0][0]) + " | " + string(res[0].Rows[0][1]); got != "1 day 03:04:05.5 | 1 year 2 mons 27:00:00" {
		t.Errorf("text: %q", got)
	}
}

// TestPgxAnyArrayParameter checks `= ANY($1)` with a Go slice, the usual
// way Go applications pass a set of values, in every pgx mode.
func TestPgxAnyArrayParameter(t *testing.T) {
	ts := newTestServer(t)
	ts.load(t, "commons", "t", `{"_id": "1", "x": 5, "g": "a"}`, `{"_id": "2", "x": 7, "g": "b"}`, `{"_id": "3", "x": 10, "g": "c d"}`)
	conn := ts.connect(t)
	ctx := ctx10s(t)
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeCacheDescribe, pgx.QueryExecModeDescribeExec, pgx.QueryExecModeExec, pgx.QueryExecModeSimpleProtocol} {
		ids := func(q string, arg any) string {
			rows, err := conn.Query(ctx, q, mode, arg)
			if err != nil {
				t.Fatalf("%v: %s: %v", mode, q, err)
			}
			got, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				t.Fatalf("%v: %s: %v", mode, q, err)
			}
			return strings.Join(got, ",")
		}
		if got := ids("SELECT _id FROM t WHERE x = ANY($1) ORDER BY _id", []int64{5, 10}); got != "1,3" {
			t.Errorf("%v: x = ANY([5 10]) = %q", mode, got)
		}
		if got := ids("SELECT _id FROM t WHERE g = ANY($1) ORDER BY _id", []string{"b", "c d"}); got != "2,3" {
			t.Errorf("%v: g = ANY([b, c d]) = %q", mode, got)
		}
	}
}

// TestPgxOrderedSetOfText checks that percentile_disc and mode over text
// are described as text in every pgx mode: described as their fraction's
// float8, a prepared statement failed when the text arrived.
func TestPgxOrderedSetOfText(t *testing.T) {
	ts := newTestServer(t)
	ts.load(t, "commons", "os", `{"_id": "a", "s": "x"}`, `{"_id": "b", "s": "y"}`, `{"_id": "c", "s": "y"}`)
	conn := ts.connect(t)
	ctx := ctx10s(t)
	const q = "SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY s), mode() WITHIN GROUP (ORDER BY s) FROM os"
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeExec, pgx.QueryExecModeSimpleProtocol} {
		var pd, mo string
		if err := conn.QueryRow(ctx, q, mode).Scan(&pd, &mo); err != nil {
			t.Fatalf("%v: %v", mode, err)
		}
		if pd != "y" || mo != "y" {
			t.Errorf("%v: got %q and %q, want y and y", mode, pd, mo)
		}
	}
}

// TestPgxPreparedMatchesDescribe runs queries of many shapes as pgx
// prepares them (described before they run): a column described with a
// type its values do not fit fails with 0A000. The shapes are those whose
// result kind the describer works out itself: functions, aggregates,
// set-returning functions, recursion, row comparisons.
func TestPgxPreparedMatchesDescribe(t *testing.T) {
	ts := newTestServer(t)
	ts.load(t, "commons", "pd",
		`{"_id": "a", "i": 1, "f": 1.5, "s": "x", "ts": "2024-01-02T03:04:05Z", "tags": ["p", "q"], "o": {"k": 1}}`,
		`{"_id": "b", "i": 2, "f": 2.5, "s": "y", "ts": "2024-02-02T03:04:05Z", "tags": ["q"], "o": {"k": 2}}`)
	conn := ts.connect(t)
	ctx := ctx10s(t)
	for _, q := range []string{
		"SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY s), percentile_disc(0.5) WITHIN GROUP (ORDER BY i), percentile_cont(0.5) WITHIN GROUP (ORDER BY f) FROM pd",
		"SELECT percentile_cont(ARRAY[0.25, 0.75]) WITHIN GROUP (ORDER BY i), percentile_disc(ARRAY[0.5]) WITHIN GROUP (ORDER BY s) FROM pd",
		"SELECT mode() WITHIN GROUP (ORDER BY s), mode() WITHIN GROUP (ORDER BY i) FROM pd",
		"SELECT to_char(i, '999'), to_char(f, 'FM9.00'), to_char(INTERVAL '3 hours', 'HH24'), to_char(CAST(ts AS timestamp), 'YYYY') FROM pd",
		"SELECT * FROM generate_series(1, 3)",
		"SELECT * FROM generate_series(TIMESTAMP '2024-01-01', TIMESTAMP '2024-01-03', INTERVAL '1 day')",
		"SELECT generate_series(1, 2) AS g",
		"SELECT regexp_matches(s, '(.)') FROM pd",
		"SELECT m[1] FROM pd, regexp_matches(s, '(.)') AS m",
		"WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT n FROM r",
		"WITH RECURSIVE r(n, t) AS (SELECT 1, 'a' UNION ALL SELECT n + 1, t || 'b' FROM r WHERE n < 3) SELECT n, t FROM r",
		"SELECT (i, s) < (2, 'z'), (i, s) IN ((1, 'x'), (2, 'q')), (i, f) = (1, 1.5) FROM pd",
		"SELECT a.s, b.i FROM pd a JOIN pd b USING (_id)",
		"SELECT * FROM pd a NATURAL JOIN pd b",
		"SELECT _event_time - CAST(ts AS timestamp), age(CAST(ts AS timestamp), TIMESTAMP '2020-01-01') FROM pd",
		"SELECT string_to_array(s, ','), regexp_split_to_array(s, ''), array_length(tags, 1), tags[1:1] FROM pd",
		"SELECT o -> 'k', o ->> 'k', json_format(o), typeof(o) FROM pd",
		"SELECT i, sum(f) FROM pd GROUP BY ROLLUP (i)",
		"SELECT format('%s-%s', s, i), quote_literal(s), regexp_count(s, 'x'), substring(s FROM 'x') FROM pd",
		"SELECT count(DISTINCT s), approx_count_distinct(s), array_agg(i), string_agg(s, ',') FROM pd",
		"SELECT lag(i) OVER (ORDER BY i), rank() OVER (ORDER BY s), sum(f) OVER () FROM pd",
	} {
		rows, err := conn.Query(ctx, q, pgx.QueryExecModeCacheStatement)
		if err != nil {
			t.Errorf("%s: %v", q, err)
			continue
		}
		for rows.Next() {
			if _, err := rows.Values(); err != nil {
				t.Errorf("%s: %v", q, err)
				break
			}
		}
		if err := rows.Err(); err != nil {
			t.Errorf("%s: %v", q, err)
		}
		rows.Close()
	}
}
