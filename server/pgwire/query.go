package pgwire

import (
	"context"
	"encoding/binary"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/basaltdb/basalt/sql"
	"github.com/basaltdb/basalt/sql/ast"
	"github.com/basaltdb/basalt/sql/parse"
	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/basaltdb/basalt/types"
	"github.com/jackc/pgx/v5/pgproto3"
)

// flushBytes is how much encoded output a connection buffers before it
// writes, so that a large result streams instead of piling up in memory.
const flushBytes = 256 << 10

// simpleQuery answers a Query message: every statement of the text in
// turn, stopping at the first error, then ReadyForQuery.
func (c *conn) simpleQuery(text string) bool {
	c.skipping = false
	if cp, ok, err := parseCopy(text); ok {
		if err == nil {
			err = c.runCopy(cp)
		}
		if err != nil {
			c.failStatement(err, text)
		}
		return c.ready()
	}
	stmts, err := c.parseText(text)
	if err != nil {
		c.failStatement(err, text)
		return c.ready()
	}
	empty := true
	for _, st := range stmts {
		if _, ok := st.(*ast.Empty); ok {
			continue
		}
		empty = false
		res, err := c.exec(st, sql.Params{})
		if err != nil {
			c.failStatement(err, text)
			break
		}
		if len(res.Columns) > 0 {
			oids := resultOIDs(res)
			c.be.Send(rowDescription(res.Columns, oids, nil))
			if _, _, err := c.sendRows(res, oids, nil, 0, 0); err != nil {
				c.failStatement(err, text)
				break
			}
		}
		c.be.Send(&pgproto3.CommandComplete{CommandTag: []byte(commandTag(res))})
	}
	if empty {
		c.be.Send(&pgproto3.EmptyQueryResponse{})
	}
	return c.ready()
}

// failStatement reports a failed statement; inside a transaction block
// the block is now failed.
func (c *conn) failStatement(err error, query string) {
	c.be.Send(errorResponse(err, query))
	if c.tx == 'T' {
		c.tx = 'E'
	}
}

func (c *conn) ready() bool {
	c.be.Send(&pgproto3.ReadyForQuery{TxStatus: c.tx})
	return c.be.Flush() == nil
}

// parseText parses SQL text, after the catalog rewrites that let client
// tools' introspection queries run (see catalog.go).
func (c *conn) parseText(text string) ([]ast.Statement, error) {
	text = rewriteCatalogText(text)
	stmts, err := parse.Parse(text)
	if err != nil {
		return nil, err
	}
	for i, st := range stmts {
		if stmts[i], err = c.rewriteCatalog(st); err != nil {
			return nil, err
		}
	}
	return stmts, nil
}

// exec runs one statement. Transaction control and the session settings
// the protocol owns are handled here; everything else goes to the session,
// under a context that CancelRequest, shutdown and statement_timeout end.
func (c *conn) exec(stmt ast.Statement, params sql.Params) (res *sql.Result, err error) {
	if t, ok := stmt.(*ast.Transaction); ok {
		return c.transaction(t), nil
	}
	if c.tx == 'E' {
		return nil, sqlerr.New("25P02", "current transaction is aborted, commands ignored until end of transaction block")
	}
	switch st := stmt.(type) {
	case *ast.Set:
		if err := c.set(st); err != nil {
			return nil, err
		}
	case *ast.Show:
		return c.show(st), nil
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	c.mu.Lock()
	if c.shutting {
		c.mu.Unlock()
		return nil, sqlerr.New("57P01", "%s", errShutdown)
	}
	c.running = cancel
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.running = nil
		c.mu.Unlock()
	}()
	if t := c.timeout(); t > 0 {
		var stop context.CancelFunc
		ctx, stop = context.WithTimeout(ctx, t)
		defer stop()
	}
	defer func() {
		if p := recover(); p != nil {
			c.log.Error("panic in statement", "panic", p)
			res, err = nil, sqlerr.New(sqlerr.Internal, "internal error: %v", p)
		}
	}()
	res, err = c.sess.Statement(ctx, stmt, params)
	if err != nil && ctx.Err() != nil {
		err = interrupted(ctx)
	}
	return res, err
}

// interrupted names why a statement's context ended.
func interrupted(ctx context.Context) error {
	cause := context.Cause(ctx)
	switch {
	case errors.Is(cause, errShutdown):
		return sqlerr.New("57P01", "%s", errShutdown)
	case errors.Is(cause, context.DeadlineExceeded):
		return &sqlerr.Error{Code: sqlerr.QueryCanceled, Message: "canceling statement due to statement timeout", Timeout: true}
	}
	return sqlerr.New(sqlerr.QueryCanceled, "%s", errCancelRequest)
}

// timeout is statement_timeout (milliseconds, 0 none), else the server's.
func (c *conn) timeout() time.Duration {
	if v, ok := c.sess.Settings["statement_timeout"]; ok {
		if d, ok := parseDurationMS(v); ok {
			return d
		}
	}
	return c.srv.cfg.Limits.Timeout
}

// parseDurationMS reads a PostgreSQL time setting: a bare number is
// milliseconds; units ms, s, min, h are accepted.
func parseDurationMS(v string) (time.Duration, bool) {
	v = strings.TrimSpace(strings.Trim(v, "'"))
	units := []struct {
		suffix string
		d      time.Duration
	}{{"ms", time.Millisecond}, {"min", time.Minute}, {"s", time.Second}, {"h", time.Hour}}
	mult := time.Millisecond
	for _, u := range units {
		if strings.HasSuffix(v, u.suffix) {
			v, mult = strings.TrimSpace(strings.TrimSuffix(v, u.suffix)), u.d
			break
		}
	}
	n, err := strconv.ParseFloat(v, 64)
	if err != nil || n < 0 {
		return 0, false
	}
	return time.Duration(n * float64(mult)), true
}

// transaction accepts BEGIN, COMMIT and ROLLBACK for clients that wrap
// statements in them. Basalt applies every write when its statement runs,
// so a block only tracks the status ReadyForQuery reports: COMMIT of a
// failed block answers ROLLBACK, as PostgreSQL does, but nothing is undone.
func (c *conn) transaction(t *ast.Transaction) *sql.Result {
	tag := t.Op
	switch t.Op {
	case "BEGIN":
		if c.tx == 'I' {
			c.tx = 'T'
		}
	case "COMMIT":
		if c.tx == 'E' {
			tag = "ROLLBACK"
		}
		c.tx = 'I'
	case "ROLLBACK":
		c.tx = 'I'
	}
	if c.tx == 'I' {
		// SET TRANSACTION lasts until the block ends.
		for _, name := range []string{"transaction_isolation", "transaction_read_only", "transaction_deferrable"} {
			if v, ok := c.sess.Settings["default_"+name]; ok {
				c.sess.Settings[name] = v
			}
		}
	}
	return &sql.Result{Tag: tag}
}

// reported are the settings PostgreSQL reports with ParameterStatus when
// they change, by lower-case name.
var reported = map[string]string{
	"application_name": "application_name", "client_encoding": "client_encoding",
	"datestyle": "DateStyle", "timezone": "TimeZone", "intervalstyle": "IntervalStyle",
	"standard_conforming_strings": "standard_conforming_strings", "is_superuser": "is_superuser",
	"session_authorization": "session_authorization",
}

// set checks the settings whose values Basalt depends on, before the
// session records them, and applies search_path.
func (c *conn) set(st *ast.Set) error {
	name := strings.ToLower(st.Name)
	val := ""
	for i, v := range st.Value {
		if i > 0 {
			val += ", "
		}
		switch v := v.(type) {
		case *ast.Literal:
			if v.Value.Kind() == types.KindString {
				val += v.Value.Str()
			} else {
				val += v.Value.JSON()
			}
		case *ast.ColumnRef:
			val += strings.Join(v.Parts, ".")
		}
	}
	switch name {
	case "client_encoding":
		if st.Value != nil && !strings.EqualFold(strings.ReplaceAll(val, "-", ""), "utf8") && !strings.EqualFold(val, "unicode") {
			return sqlerr.New("22023", "client_encoding %q is not supported: Basalt speaks UTF8 only", val)
		}
	case "search_path":
		c.sess.Workspace = ""
		for _, s := range strings.Split(val, ",") {
			s = strings.Trim(strings.TrimSpace(s), `"`)
			if _, err := c.srv.cfg.Engine.Catalog().Workspace(s); err == nil {
				c.sess.Workspace = s
				break
			}
		}
	case "default_transaction_isolation", "default_transaction_read_only", "default_transaction_deferrable":
		// Outside a transaction block every statement is a transaction of
		// its own, which starts with the session's defaults (SET SESSION
		// CHARACTERISTICS): SHOW transaction_isolation reports them.
		if st.Value != nil {
			c.sess.Settings[strings.TrimPrefix(name, "default_")] = val
		}
	case "statement_timeout":
		if _, ok := parseDurationMS(val); !ok && st.Value != nil {
			return sqlerr.New("22023", "invalid value for parameter \"statement_timeout\": %q", val)
		}
	}
	if pname, ok := reported[name]; ok {
		if st.Value == nil {
			val = c.defaultSetting(pname)
		}
		c.be.Send(&pgproto3.ParameterStatus{Name: pname, Value: val})
	}
	return nil
}

func (c *conn) defaultSetting(name string) string {
	for _, s := range c.initialSettings(nil) {
		if s.name == name {
			return s.value
		}
	}
	return ""
}

// show answers SHOW from the session's settings, then the defaults.
func (c *conn) show(st *ast.Show) *sql.Result {
	name := strings.ToLower(st.Name)
	if name == "all" {
		res := &sql.Result{Tag: "SHOW", Columns: []sql.Column{{Name: "name", Type: "string"}, {Name: "setting", Type: "string"}, {Name: "description", Type: "string"}}}
		for _, s := range c.initialSettings(nil) {
			v, ok := c.sess.Settings[strings.ToLower(s.name)]
			if !ok {
				v = s.value
			}
			res.Rows = append(res.Rows, []types.Value{types.String(s.name), types.String(v), types.String("")})
		}
		return res
	}
	v, ok := c.sess.Settings[name]
	if name == "search_path" {
		v, ok = c.schema(), true
	}
	if !ok {
		v = c.defaultSetting(st.Name)
		for _, s := range c.initialSettings(nil) {
			if strings.EqualFold(s.name, name) {
				v = s.value
			}
		}
	}
	return &sql.Result{Tag: "SHOW", Columns: []sql.Column{{Name: name, Type: "string"}}, Rows: [][]types.Value{{types.String(v)}}}
}

// commandTag is the CommandComplete text of a result.
func commandTag(res *sql.Result) string {
	switch res.Tag {
	case "SELECT", "DESCRIBE":
		return "SELECT " + strconv.Itoa(len(res.Rows))
	case "INSERT":
		return "INSERT 0 " + strconv.FormatInt(res.RowsAffected, 10)
	case "EMPTY":
		return ""
	}
	return res.Tag
}

// rowDescription describes result columns sent as oids in formats.
func rowDescription(cols []sql.Column, oids []uint32, formats []int16) *pgproto3.RowDescription {
	fields := make([]pgproto3.FieldDescription, len(cols))
	for i, col := range cols {
		fields[i] = pgproto3.FieldDescription{
			Name:         []byte(col.Name),
			DataTypeOID:  oids[i],
			DataTypeSize: typeLen(oids[i]),
			TypeModifier: -1,
			Format:       formatFor(formats, i),
		}
	}
	return &pgproto3.RowDescription{Fields: fields}
}

// formatFor is the format of column i under Bind's result format codes:
// none means text, one applies to all.
func formatFor(formats []int16, i int) int16 {
	switch len(formats) {
	case 0:
		return 0
	case 1:
		return formats[0]
	}
	if i < len(formats) {
		return formats[i]
	}
	return 0
}

// rawMessage is a backend message encoded already (a DataRow), so that
// rows are encoded straight into bytes without a [][]byte per row.
type rawMessage []byte

func (m rawMessage) Encode(dst []byte) ([]byte, error) { return append(dst, m...), nil }
func (rawMessage) Decode([]byte) error                 { return errors.New("pgwire: rawMessage is send-only") }
func (rawMessage) Backend()                            {}

// sendRows sends rows [from, from+max) of res (max 0: all) as DataRows.
// It returns the next row to send and whether rows remain.
func (c *conn) sendRows(res *sql.Result, oids []uint32, formats []int16, from, max int) (next int, more bool, err error) {
	end := len(res.Rows)
	if max > 0 && from+max < end {
		end = from + max
	}
	pending := 0
	for i := from; i < end; i++ {
		row := res.Rows[i]
		b := append(c.out[:0], 'D', 0, 0, 0, 0)
		b = binary.BigEndian.AppendUint16(b, uint16(len(row)))
		for j, v := range row {
			var ok bool
			if b, ok = appendValue(b, v, oids[j], formatFor(formats, j)); !ok {
				c.out = b
				return i, false, errTypeChanged(res.Columns[j].Name, oids[j], v)
			}
		}
		binary.BigEndian.PutUint32(b[1:], uint32(len(b)-1))
		c.out = b
		c.be.Send(rawMessage(b))
		if pending += len(b); pending >= flushBytes {
			if err := c.be.Flush(); err != nil {
				return i + 1, false, err
			}
			pending = 0
		}
	}
	// As PostgreSQL does, a portal that sent MaxRows rows is suspended even
	// when none remain; the next Execute completes it.
	return end, end < len(res.Rows) || (max > 0 && end-from == max), nil
}
