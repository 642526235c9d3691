package sqllogic

import (
	"context"
	"errors"

	"github.com/basaltdb/basalt/sql/sqlerr"
)

// Engine names as DB.Engine reports them and skipif/onlyif lines name them.
const (
	EngineBasalt     = "basalt"
	EnginePostgreSQL = "postgresql"
)

// DB is a database a test file runs against. RunFile calls it from one
// goroutine, one statement at a time, in file order; state (tables, session
// settings) carries over from record to record.
type DB interface {
	// Exec runs sql, which may hold several statements, and discards any
	// rows. An error should carry a SQLSTATE that SQLState can find.
	Exec(ctx context.Context, sql string) error
	// Query runs sql and returns the column names and rows of its result
	// (of the last statement that returns rows, when sql holds several).
	// Each row has one Cell per column, in PostgreSQL's text format.
	// The caller owns the returned slices.
	Query(ctx context.Context, sql string) (columns []string, rows [][]Cell, err error)
	// Engine names the engine for skipif and onlyif: EngineBasalt or
	// EnginePostgreSQL.
	Engine() string
}

// Cell is one value of a result row.
type Cell struct {
	// Null marks SQL NULL; Text is then empty.
	Null bool
	// Text is the value in PostgreSQL's text output format.
	Text string
}

// SQLState returns the SQLSTATE code err carries, "" when none: Basalt's
// *sqlerr.Error code, or the code of an error with a SQLState method (as
// pgx's *pgconn.PgError has), found anywhere in err's chain.
func SQLState(err error) string {
	var se *sqlerr.Error
	if errors.As(err, &se) {
		return se.Code
	}
	var st interface{ SQLState() string }
	if errors.As(err, &st) {
		return st.SQLState()
	}
	return ""
}
