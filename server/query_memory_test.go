package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// TestQueryMemoryBudget checks that --query-memory-bytes bounds a statement
// on both protocols: over it, SQLSTATE 53200, and the connection and the
// server go on.
func TestQueryMemoryBudget(t *testing.T) {
	s, err := Start(Config{DataDir: t.TempDir(), HTTPAddr: "127.0.0.1:0", Logger: slog.New(slog.DiscardHandler), QueryMemoryBytes: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown()
	base := "http://" + s.HTTPAddr() + "/v1/orgs/self"
	if code := httpJSON(t, "POST", base+"/ws/commons/collections", `{"name":"t"}`, nil); code != 200 {
		t.Fatalf("create collection: %d", code)
	}
	if code := httpJSON(t, "POST", base+"/ws/commons/collections/t/docs", `{"data":[{"_id":"a","x":1},{"_id":"b","x":2}]}`, nil); code != 200 {
		t.Fatalf("write: %d", code)
	}
	const heavy = "SELECT x, g FROM t CROSS JOIN generate_series(1, 100000) AS g ORDER BY g DESC, x"

	var qe struct {
		Type     string `json:"type"`
		SQLState string `json:"sqlstate"`
		Message  string `json:"message"`
	}
	code := httpJSON(t, "POST", base+"/queries", fmt.Sprintf(`{"sql":{"query":%q}}`, heavy), &qe)
	if code != 400 || qe.SQLState != "53200" || !strings.Contains(qe.Message, "memory") {
		t.Errorf("HTTP over budget: %d %+v, want 400 with SQLSTATE 53200", code, qe)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, fmt.Sprintf("postgres://u@%s/basalt?sslmode=disable", s.PGAddr()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, heavy)
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "53200" {
		t.Errorf("PostgreSQL over budget: %v, want SQLSTATE 53200", err)
	}
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil || n != 2 {
		t.Errorf("same connection after the error: %d, %v", n, err)
	}
	var sum int
	if err := conn.QueryRow(ctx, "SELECT sum(x) FROM t", pgx.QueryExecModeSimpleProtocol).Scan(&sum); err != nil || sum != 3 {
		t.Errorf("simple protocol after the error: %d, %v", sum, err)
	}
}
