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
