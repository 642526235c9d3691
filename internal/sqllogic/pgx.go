package sqllogic

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// PGX adapts a pgx connection as a DB with engine "postgresql". It runs SQL
// with the simple query protocol, so several statements may share a record
// and values come back in PostgreSQL's own text format, untouched by pgx's
// type decoding. The connection must not be used by anyone else meanwhile.
func PGX(conn *pgx.Conn) DB {
	return pgxDB{conn: conn}
}

type pgxDB struct {
	conn *pgx.Conn
}

func (d pgxDB) Engine() string { return EnginePostgreSQL }

func (d pgxDB) Exec(ctx context.Context, sql string) error {
	_, err := d.conn.PgConn().Exec(ctx, sql).ReadAll()
	return err
}

func (d pgxDB) Query(ctx context.Context, sql string) ([]string, [][]Cell, error) {
	var columns []string
	var rows [][]Cell
	mrr := d.conn.PgConn().Exec(ctx, sql)
	for mrr.NextResult() {
		rr := mrr.ResultReader()
		// A statement that returns rows is described (RowDescription) even
		// when it returns none; the descriptions' memory is reused by the
		// next result, so copy the names now.
		var names []string
		if fds := rr.FieldDescriptions(); len(fds) > 0 {
			names = make([]string, len(fds))
			for i, fd := range fds {
				names[i] = fd.Name
			}
		}
		var rs [][]Cell
		for rr.NextRow() {
			vals := rr.Values() // valid until the next NextRow
			row := make([]Cell, len(vals))
			for i, v := range vals {
				if v == nil {
					row[i] = Cell{Null: true}
				} else {
					row[i] = Cell{Text: string(v)}
				}
			}
			rs = append(rs, row)
		}
		if _, err := rr.Close(); err != nil {
			_ = mrr.Close()
			return nil, nil, err
		}
		if names != nil {
			columns, rows = names, rs
		}
	}
	if err := mrr.Close(); err != nil {
		return nil, nil, err
	}
	return columns, rows, nil
}
