package pgwire

import (
	"encoding/binary"
	"strconv"
	"strings"

	"github.com/basaltdb/basalt/sql"
	"github.com/basaltdb/basalt/sql/ast"
	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/basaltdb/basalt/types"
	"github.com/jackc/pgx/v5/pgproto3"
)

// runCopy runs a COPY in either direction, up to its CommandComplete.
func (c *conn) runCopy(cmd *copyCmd) error {
	if !cmd.to {
		return c.copyIn(cmd)
	}
	n, err := c.copyOut(cmd)
	if err != nil {
		return err
	}
	c.be.Send(&pgproto3.CommandComplete{CommandTag: []byte(copyTag(n))})
	return nil
}

// copyOut runs COPY … TO STDOUT: the rows of the query (COPY (query) TO),
// or of `SELECT cols FROM coll` (all columns, as SELECT * orders them, when
// the COPY names none), sent as CopyOutResponse, a CopyData per row and
// CopyDone; it returns the number of rows. Values are the
// text a simple query sends for them (objects and arrays as JSON), escaped
// for the format: text (backslash escapes, NULL as \N) or csv (quoted when
// needed, NULL as an empty unquoted field), with a header row of the
// column names under HEADER.
//
// The query runs to completion before the first row is sent, as every
// Basalt query does, so an error (a missing collection, a cancel) arrives
// before CopyOutResponse, never in the middle of the data.
func (c *conn) copyOut(cmd *copyCmd) (int64, error) {
	st, err := c.copyOutStatement(cmd)
	if err != nil {
		return 0, err
	}
	res, err := c.exec(st, sql.Params{})
	if err != nil {
		return 0, err
	}
	if len(res.Columns) == 0 {
		return 0, sqlerr.New(sqlerr.FeatureNotSupported, "COPY query must return rows")
	}
	force := make([]bool, len(res.Columns))
	for _, name := range cmd.forceQuote {
		found := false
		for j, col := range res.Columns {
			if name == "*" || col.Name == name {
				force[j], found = true, true
			}
		}
		if !found {
			return 0, sqlerr.New(sqlerr.UndefinedColumn, "FORCE_QUOTE column %q not referenced by COPY", name)
		}
	}
	oids := resultOIDs(res)
	c.be.Send(&pgproto3.CopyOutResponse{OverallFormat: 0, ColumnFormatCodes: make([]uint16, len(res.Columns))})

	w := copyRowWriter{cmd: cmd, single: len(res.Columns) == 1}
	pending := 0
	// send sends b, a CopyData message with room for its length at b[1:5].
	send := func(b []byte) error {
		binary.BigEndian.PutUint32(b[1:], uint32(len(b)-1))
		c.out = b
		c.be.Send(rawMessage(b))
		if pending += len(b); pending >= flushBytes {
			pending = 0
			return c.be.Flush()
		}
		return nil
	}
	if cmd.header {
		b := append(c.out[:0], 'd', 0, 0, 0, 0)
		for j, col := range res.Columns {
			b = w.appendField(b, j, []byte(col.Name), false)
		}
		if err := send(append(b, '\n')); err != nil {
			return 0, err
		}
	}
	var scratch []byte
	for _, row := range res.Rows {
		b := append(c.out[:0], 'd', 0, 0, 0, 0)
		for j, v := range row {
			if k := v.Kind(); k == types.KindNull || k == types.KindUndefined {
				b = w.appendNull(b, j)
				continue
			}
			var ok bool
			if scratch, ok = appendText(scratch[:0], v, oids[j]); !ok {
				s, _ := sql.TextValue(v)
				scratch = append(scratch[:0], s...)
			}
			b = w.appendField(b, j, scratch, force[j])
		}
		if err := send(append(b, '\n')); err != nil {
			return 0, err
		}
	}
	c.be.Send(&pgproto3.CopyDone{})
	return int64(len(res.Rows)), nil
}

// copyOutStatement is the query whose rows a COPY TO sends.
func (c *conn) copyOutStatement(cmd *copyCmd) (ast.Statement, error) {
	text := cmd.query
	if text == "" {
		cols := "*"
		if len(cmd.cols) > 0 {
			quoted := make([]string, len(cmd.cols))
			for j, col := range cmd.cols {
				quoted[j] = quoteName(col)
			}
			cols = strings.Join(quoted, ", ")
		}
		from := quoteName(cmd.coll)
		if cmd.ws != "" {
			from = quoteName(cmd.ws) + "." + from
		}
		text = "SELECT " + cols + " FROM " + from
	}
	stmts, err := c.parseText(text)
	if err != nil {
		return nil, err
	}
	if len(stmts) != 1 {
		return nil, sqlerr.New(sqlerr.Syntax, "COPY takes one query")
	}
	if _, ok := stmts[0].(*ast.Select); !ok {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "COPY (query) TO takes a SELECT or VALUES query")
	}
	return stmts[0], nil
}

// quoteName double-quotes an identifier, so that any name reads as itself.
func quoteName(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// copyRowWriter renders the fields of COPY TO rows in the text or csv
// format, as PostgreSQL's CopyAttributeOutText and CopyAttributeOutCSV do.
type copyRowWriter struct {
	cmd *copyCmd
	// single is set when rows have one column: a CSV value \. is then
	// quoted, so that it does not read as the end-of-data marker.
	single bool
}

func (w *copyRowWriter) appendNull(b []byte, j int) []byte {
	if j > 0 {
		b = append(b, w.cmd.delim)
	}
	return append(b, w.cmd.null...)
}

// appendField appends the field j holding s; force quotes it in csv.
func (w *copyRowWriter) appendField(b []byte, j int, s []byte, force bool) []byte {
	d := w.cmd.delim
	if j > 0 {
		b = append(b, d)
	}
	if w.cmd.format != "csv" {
		return appendCopyText(b, s, d)
	}
	quote := force || string(s) == w.cmd.null || (w.single && string(s) == `\.`)
	if !quote {
		for i := 0; i < len(s); i++ {
			if ch := s[i]; ch == d || ch == '"' || ch == '\n' || ch == '\r' {
				quote = true
				break
			}
		}
	}
	if !quote {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}

// copyEscapes are the letters of the control characters COPY's text
// format writes as backslash escapes.
var copyEscapes = [0x20]byte{'\b': 'b', '\f': 'f', '\n': 'n', '\r': 'r', '\t': 't', '\v': 'v'}

// appendCopyText appends s escaped for COPY's text format: backslash and
// the delimiter preceded by a backslash, control characters as \b \f \n
// \r \t \v.
func appendCopyText(b []byte, s []byte, delim byte) []byte {
	for _, ch := range s {
		if ch < 0x20 && copyEscapes[ch] != 0 {
			b = append(b, '\\', copyEscapes[ch])
			continue
		}
		if ch == '\\' || ch == delim {
			b = append(b, '\\')
		}
		b = append(b, ch)
	}
	return b
}

// copyTag is a COPY's CommandComplete text.
func copyTag(n int64) string { return "COPY " + strconv.FormatInt(n, 10) }
