package server

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestTransformCacheShared: the HTTP write API, SQL INSERT and COPY over
// the PostgreSQL protocol and a file source share one cache of compiled
// field mapping queries. A collection is compiled once whatever path writes
// to it, and one dropped and created again under the same name with
// another query is transformed by the new query on every path.
func TestTransformCacheShared(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.ndjson")
	if err := os.WriteFile(in, []byte(`{"_id":"file1","v":1}`+"\n"+`{"_id":"file2","v":2}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Start(Config{DataDir: t.TempDir(), HTTPAddr: "127.0.0.1:0", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown()
	base := "http://" + s.HTTPAddr() + "/v1/orgs/self"
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, fmt.Sprintf("postgres://u@%s/basalt?sslmode=disable", s.PGAddr()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)

	// via names the query that stored a document; w is computed only by
	// the second one.
	queries := []string{
		`SELECT *, 'q1' AS via FROM _input`,
		`SELECT *, 'q2' AS via, v * 10 AS w FROM _input`,
	}
	for round, q := range queries {
		if round > 0 {
			if code := httpJSON(t, "DELETE", base+"/ws/commons/collections/c", "", nil); code != 200 {
				t.Fatalf("drop: HTTP %d", code)
			}
		}
		body := fmt.Sprintf(`{"name":"c","field_mapping_query":{"sql":%q},"sources":[{"file":{"path":%q},"format_params":{"json":true}}]}`, q, in)
		if code := httpJSON(t, "POST", base+"/ws/commons/collections", body, nil); code != 200 {
			t.Fatalf("create with %s: HTTP %d", q, code)
		}
		// The three paths, one after the other.
		if code := httpJSON(t, "POST", base+"/ws/commons/collections/c/docs", `{"data":[{"_id":"http","v":3}]}`, nil); code != 200 {
			t.Fatalf("HTTP write: %d", code)
		}
		if _, err := conn.Exec(ctx, "INSERT INTO c (_id, v) VALUES ('insert', 4)"); err != nil {
			t.Fatalf("INSERT: %v", err)
		}
		if _, err := conn.PgConn().CopyFrom(ctx, strings.NewReader("_id,v\ncopy,5\n"), "COPY c FROM STDIN WITH (FORMAT csv, HEADER)"); err != nil {
			t.Fatalf("COPY: %v", err)
		}
		want := fmt.Sprintf("copy q%[1]d\nfile1 q%[1]d\nfile2 q%[1]d\nhttp q%[1]d\ninsert q%[1]d\n", round+1)
		var got string
		deadline := time.Now().Add(20 * time.Second)
		for {
			got = pgRows(t, ctx, conn, "SELECT _id, via FROM c ORDER BY _id")
			if got == want || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if got != want {
			t.Fatalf("round %d (%s): documents and the query that stored them:\n%s\nwant:\n%s", round+1, q, got, want)
		}
		if round > 0 {
			// v is an int from JSON and CSV alike only where the source
			// said so; w exists only where the second query ran.
			if got := pgRows(t, ctx, conn, "SELECT count(*) FROM c WHERE w IS NOT NULL"); got != "5\n" {
				t.Fatalf("documents with w after the recreate: %s, want 5", got)
			}
		}
		// Every path compiled the collection's query through the server's
		// one cache, once.
		if n := s.transforms.Compiles(); n != int64(round+1) {
			t.Fatalf("after round %d the shared cache compiled %d queries, want %d (one per collection)", round+1, n, round+1)
		}
	}
}

// pgRows runs q and renders its rows one per line.
func pgRows(t *testing.T, ctx context.Context, conn *pgx.Conn, q string) string {
	t.Helper()
	r, err := conn.Query(ctx, q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	var b strings.Builder
	for r.Next() {
		vals, err := r.Values()
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintln(&b, vals...)
	}
	if err := r.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return b.String()
}

// TestRollupStarHidesMeta: a rollup keeps its aggregate states under
// _meta.rollup, but `SELECT *` shows only the user's fields over HTTP and
// over the PostgreSQL protocol, as does the catalog client tools read;
// named, _meta is still there, and the rollup still folds.
func TestRollupStarHidesMeta(t *testing.T) {
	s, err := Start(Config{DataDir: t.TempDir(), HTTPAddr: "127.0.0.1:0", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown()
	base := "http://" + s.HTTPAddr() + "/v1/orgs/self"
	body := `{"name":"per_k","field_mapping_query":{"sql":"SELECT k, COUNT(*) AS n, AVG(v) AS mean, APPROX_COUNT_DISTINCT(u) AS users FROM _input GROUP BY k"}}`
	if code := httpJSON(t, "POST", base+"/ws/commons/collections", body, nil); code != 200 {
		t.Fatalf("create: HTTP %d", code)
	}
	write := func(docs string) {
		t.Helper()
		if code := httpJSON(t, "POST", base+"/ws/commons/collections/per_k/docs", `{"data":[`+docs+`]}`, nil); code != 200 {
			t.Fatalf("write: HTTP %d", code)
		}
	}
	write(`{"k":"a","v":1,"u":"x"},{"k":"a","v":2,"u":"y"},{"k":"b","v":5,"u":"x"}`)
	write(`{"k":"a","v":6,"u":"x"}`)

	var q struct {
		Results      []map[string]any `json:"results"`
		ColumnFields []struct {
			Name string `json:"name"`
		} `json:"column_fields"`
	}
	if code := httpJSON(t, "POST", base+"/queries", `{"sql":{"query":"SELECT * FROM per_k ORDER BY k"}}`, &q); code != 200 || len(q.Results) != 2 {
		t.Fatalf("HTTP SELECT *: %d %+v", code, q)
	}
	for _, r := range q.Results {
		if _, ok := r["_meta"]; ok {
			t.Errorf("HTTP SELECT * shows _meta: %v", r)
		}
	}
	for _, c := range q.ColumnFields {
		if c.Name == "_meta" {
			t.Errorf("HTTP SELECT * has a _meta column: %+v", q.ColumnFields)
		}
	}
	if a := q.Results[0]; fmt.Sprintf("%v %v %v %v", a["k"], a["n"], a["mean"], a["users"]) != "a 3 3 2" {
		t.Errorf("group a: %v", a)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, fmt.Sprintf("postgres://u@%s/basalt?sslmode=disable", s.PGAddr()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, "SELECT * FROM per_k ORDER BY k")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range rows.FieldDescriptions() {
		names = append(names, f.Name)
	}
	rows.Close()
	if got := strings.Join(names, ","); got != "_id,_event_time,k,mean,n,users" {
		t.Errorf("pgwire SELECT * columns: %s", got)
	}
	if got := pgRows(t, ctx, conn, "SELECT column_name FROM information_schema.columns WHERE table_name = 'per_k' ORDER BY column_name"); strings.Contains(got, "_meta") {
		t.Errorf("information_schema.columns shows _meta:\n%s", got)
	}
	// Named, the states are there (AVG keeps a sum and a count).
	if got := pgRows(t, ctx, conn, "SELECT k FROM per_k WHERE _meta.rollup IS NOT NULL ORDER BY k"); got != "a\nb\n" {
		t.Errorf("_meta.rollup named: %q", got)
	}
	// And the rollup still folds into the same documents.
	write(`{"k":"b","v":7,"u":"z"}`)
	if got := pgRows(t, ctx, conn, "SELECT k, n, mean, users FROM per_k ORDER BY k"); got != "a 3 3 2\nb 2 6 2\n" {
		t.Errorf("after another fold:\n%s", got)
	}
}
