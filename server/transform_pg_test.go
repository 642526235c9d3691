package server

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestPostgresWritesTransformed: INSERT and COPY over the PostgreSQL
// protocol go through a collection's field_mapping_query, as the HTTP
// write API and the Kafka sources do: a plain transformation (rename,
// filter) and a rollup, which must equal the GROUP BY of the raw rows.
func TestPostgresWritesTransformed(t *testing.T) {
	s, err := Start(Config{DataDir: t.TempDir(), HTTPAddr: "127.0.0.1:0", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown()
	base := "http://" + s.HTTPAddr() + "/v1/orgs/self/ws/commons/collections"
	post(t, base, `{"name":"raw"}`)
	post(t, base, `{"name":"clean","field_mapping_query":{"sql":"SELECT *, CAST(v AS int) AS n FROM _input WHERE k <> 'skip'"}}`)
	post(t, base, `{"name":"per_k","field_mapping_query":{"sql":"SELECT k, COUNT(*) AS c, SUM(CAST(v AS int)) AS total FROM _input GROUP BY k"}}`)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, fmt.Sprintf("postgres://u@%s/basalt?sslmode=disable", s.PGAddr()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	csv := "k,v\na,1\nb,2\na,3\nskip,4\n"
	for _, coll := range []string{"raw", "clean", "per_k"} {
		if _, err := conn.PgConn().CopyFrom(ctx, strings.NewReader(csv), "COPY "+coll+" FROM STDIN WITH (FORMAT csv, HEADER)"); err != nil {
			t.Fatalf("COPY into %s: %v", coll, err)
		}
		tag, err := conn.Exec(ctx, "INSERT INTO "+coll+" (k, v) VALUES ('c', '5'), ('a', '6'), ('skip', '7')")
		if err != nil {
			t.Fatalf("INSERT into %s: %v", coll, err)
		}
		want := int64(3)
		if coll == "clean" {
			want = 2 // the WHERE drops 'skip'
		}
		if tag.RowsAffected() != want {
			t.Errorf("INSERT into %s: %d rows, want %d", coll, tag.RowsAffected(), want)
		}
	}
	rows := func(q string) string { t.Helper(); return pgRows(t, ctx, conn, q) }
	if got, want := rows("SELECT k, n FROM clean ORDER BY n"), "a 1\nb 2\na 3\nc 5\na 6\n"; got != want {
		t.Errorf("clean:\n%s\nwant:\n%s", got, want)
	}
	// A row the transformation fails on: COPY rejects it, with a warning
	// naming its line, and writes its neighbours; INSERT writes nothing.
	tag, err := conn.PgConn().CopyFrom(ctx, strings.NewReader("k,v\nd,7\ne,oops\nf,8\n"), "COPY clean FROM STDIN WITH (FORMAT csv, HEADER)")
	if err != nil || tag.RowsAffected() != 2 {
		t.Fatalf("COPY with a bad row: %v, %d rows", err, tag.RowsAffected())
	}
	if _, err := conn.Exec(ctx, "INSERT INTO clean (k, v) VALUES ('g', '9'), ('h', 'oops')"); err == nil || !strings.Contains(err.Error(), "oops") {
		t.Fatalf("INSERT with a bad row: %v", err)
	}
	if got, want := rows("SELECT k FROM clean WHERE n >= 7 ORDER BY k"), "d\nf\n"; got != want {
		t.Errorf("after the bad rows: %q, want %q", got, want)
	}
	raw := rows("SELECT k, count(*), sum(CAST(v AS int)) FROM raw GROUP BY k ORDER BY k")
	if got := rows("SELECT k, c, total FROM per_k ORDER BY k"); got != raw {
		t.Errorf("rollup:\n%s\nraw GROUP BY:\n%s", got, raw)
	}
}
