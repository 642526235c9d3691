package pgwire

import (
	"context"

	"github.com/basaltdb/basalt/sql"
	"github.com/basaltdb/basalt/sql/ast"
	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/basaltdb/basalt/types"
	"github.com/jackc/pgx/v5/pgproto3"
)

// prepared is a statement of the extended protocol (named, or the unnamed
// one that the next Parse replaces).
type prepared struct {
	text string
	stmt ast.Statement // *ast.Empty for an empty query
	copy *copyCmd      // set for COPY … FROM STDIN and COPY … TO STDOUT
	// paramOIDs are the parameter types: those Parse gave, else those
	// inferred from their use, else 0.
	paramOIDs []uint32
	// promised holds the column types a Describe of the statement sent;
	// executions that are not described again send values as these types.
	promised []uint32
}

// portal is a bound statement. Its result is computed by the first
// Describe or Execute and kept, so that Execute can send it in pieces
// (MaxRows, PortalSuspended).
type portal struct {
	ps      *prepared
	params  sql.Params
	formats []int16
	res     *sql.Result
	oids    []uint32 // the types rows are sent as, once decided
	sent    int
	done    bool
}

func (c *conn) parse(m *pgproto3.Parse) bool {
	if m.Name != "" {
		if _, ok := c.stmts[m.Name]; ok {
			return c.extendedError(sqlerr.New("42P05", "prepared statement %q already exists", m.Name), "")
		}
	}
	ps := &prepared{text: m.Query, paramOIDs: append([]uint32(nil), m.ParameterOIDs...)}
	if cp, ok, err := parseCopy(m.Query); ok {
		if err != nil {
			return c.extendedError(err, m.Query)
		}
		ps.copy = cp
	} else {
		stmts, err := c.parseText(m.Query)
		if err != nil {
			return c.extendedError(err, m.Query)
		}
		switch len(stmts) {
		case 0:
			ps.stmt = &ast.Empty{}
		case 1:
			ps.stmt = stmts[0]
		default:
			return c.extendedError(sqlerr.New(sqlerr.Syntax, "cannot insert multiple commands into a prepared statement"), m.Query)
		}
		if n := sql.ParamCount(ps.stmt); n > len(ps.paramOIDs) {
			ps.paramOIDs = append(ps.paramOIDs, make([]uint32, n-len(ps.paramOIDs))...)
		}
		// Parameters the client left untyped get the type their use
		// implies ($1 compared with an int field is int8), as PostgreSQL
		// infers them; the rest stay unspecified (0).
		for i, k := range c.sess.ParamKinds(ps.stmt) {
			if ps.paramOIDs[i] == 0 {
				ps.paramOIDs[i] = paramOID(k)
			}
		}
	}
	c.stmts[m.Name] = ps
	c.be.Send(&pgproto3.ParseComplete{})
	return true
}

func (c *conn) bind(m *pgproto3.Bind) bool {
	ps, ok := c.stmts[m.PreparedStatement]
	if !ok {
		return c.extendedError(sqlerr.New("26000", "prepared statement %q does not exist", m.PreparedStatement), "")
	}
	if m.DestinationPortal != "" {
		if _, ok := c.portals[m.DestinationPortal]; ok {
			return c.extendedError(sqlerr.New("42P03", "portal %q already exists", m.DestinationPortal), "")
		}
	}
	if len(m.Parameters) != len(ps.paramOIDs) {
		return c.extendedError(sqlerr.New("08P01", "bind message supplies %d parameters, but prepared statement %q requires %d", len(m.Parameters), m.PreparedStatement, len(ps.paramOIDs)), "")
	}
	if n := len(m.ParameterFormatCodes); n > 1 && n != len(m.Parameters) {
		return c.extendedError(sqlerr.New("08P01", "bind message has %d parameter formats but %d parameters", n, len(m.Parameters)), "")
	}
	params := sql.Params{Positional: make([]types.Value, len(m.Parameters))}
	for i, b := range m.Parameters {
		v, err := paramValue(b, ps.paramOIDs[i], formatFor(m.ParameterFormatCodes, i))
		if err != nil {
			return c.extendedError(err, "")
		}
		// Bind's buffers are reused by the next message: own the value.
		params.Positional[i] = v.Clone()
	}
	c.portals[m.DestinationPortal] = &portal{ps: ps, params: params, formats: append([]int16(nil), m.ResultFormatCodes...)}
	c.be.Send(&pgproto3.BindComplete{})
	return true
}

func (c *conn) describe(m *pgproto3.Describe) bool {
	switch m.ObjectType {
	case 'S':
		ps, ok := c.stmts[m.Name]
		if !ok {
			return c.extendedError(sqlerr.New("26000", "prepared statement %q does not exist", m.Name), "")
		}
		// A parameter whose type nothing tells is described as 0
		// (unspecified): drivers then send it as its own type's text, which
		// Basalt reads as a string (pgx, for one, cannot send an int as
		// text(25)).
		c.be.Send(&pgproto3.ParameterDescription{ParameterOIDs: ps.paramOIDs})
		if ps.copy != nil {
			c.be.Send(&pgproto3.NoData{})
			return true
		}
		cols, err := c.sess.Describe(context.Background(), ps.stmt, sql.Params{})
		if err != nil {
			return c.extendedError(err, ps.text)
		}
		if len(cols) == 0 {
			c.be.Send(&pgproto3.NoData{})
			return true
		}
		ps.promised = make([]uint32, len(cols))
		for i, col := range cols {
			ps.promised[i] = columnOID(col.Type)
		}
		c.rememberCopyTypes(ps.stmt, ps.promised)
		c.be.Send(rowDescription(cols, ps.promised, nil))
		return true
	case 'P':
		p, ok := c.portals[m.Name]
		if !ok {
			return c.extendedError(sqlerr.New("34000", "portal %q does not exist", m.Name), "")
		}
		if p.ps.copy != nil {
			c.be.Send(&pgproto3.NoData{})
			return true
		}
		// Execute now and keep the result: its row description is then
		// exact, whatever kinds the documents hold.
		if err := c.run(p); err != nil {
			return c.extendedError(err, p.ps.text)
		}
		if len(p.res.Columns) == 0 {
			c.be.Send(&pgproto3.NoData{})
			return true
		}
		if p.oids == nil {
			p.oids = resultOIDs(p.res)
		}
		// Drivers keep the description of a statement's portal as the
		// statement's own: pgjdbc, past its prepareThreshold, binds and
		// executes a named statement without describing it again and
		// decodes the rows (binary ones too) as the first portal was
		// described. Later executions send values as these types, or fail
		// with errTypeChanged, never as types the client was not told.
		p.ps.promised = p.oids
		c.be.Send(rowDescription(p.res.Columns, p.oids, p.formats))
		return true
	}
	return c.extendedError(sqlerr.New("08P01", "invalid DESCRIBE message subtype %d", m.ObjectType), "")
}

// run computes a portal's result once.
func (c *conn) run(p *portal) error {
	if p.res != nil {
		return nil
	}
	res, err := c.exec(p.ps.stmt, p.params)
	if err != nil {
		return err
	}
	p.res = res
	return nil
}

func (c *conn) execute(m *pgproto3.Execute) bool {
	p, ok := c.portals[m.Portal]
	if !ok {
		return c.extendedError(sqlerr.New("34000", "portal %q does not exist", m.Portal), "")
	}
	if p.ps.copy != nil {
		if err := c.runCopy(p.ps.copy); err != nil {
			return c.extendedError(err, p.ps.text)
		}
		return true
	}
	if _, ok := p.ps.stmt.(*ast.Empty); ok {
		c.be.Send(&pgproto3.EmptyQueryResponse{})
		return true
	}
	if p.done {
		// PostgreSQL answers an exhausted portal with an empty completion.
		c.be.Send(&pgproto3.CommandComplete{CommandTag: []byte(commandTag(&sql.Result{Tag: p.res.Tag}))})
		return true
	}
	if err := c.run(p); err != nil {
		return c.extendedError(err, p.ps.text)
	}
	if len(p.res.Columns) > 0 {
		if p.oids == nil {
			// Not described as a portal: the statement's Describe, if any,
			// promised the types the client decodes with.
			p.oids = p.ps.promised
			if len(p.oids) != len(p.res.Columns) {
				p.oids = resultOIDs(p.res)
			}
		}
		next, more, err := c.sendRows(p.res, p.oids, p.formats, p.sent, int(m.MaxRows))
		p.sent = next
		if err != nil {
			return c.extendedError(err, p.ps.text)
		}
		if more {
			c.be.Send(&pgproto3.PortalSuspended{})
			return true
		}
	}
	p.done = true
	c.be.Send(&pgproto3.CommandComplete{CommandTag: []byte(commandTag(p.res))})
	return true
}

func (c *conn) close(m *pgproto3.Close) bool {
	switch m.ObjectType {
	case 'S':
		delete(c.stmts, m.Name)
	case 'P':
		delete(c.portals, m.Name)
	default:
		return c.extendedError(sqlerr.New("08P01", "invalid CLOSE message subtype %d", m.ObjectType), "")
	}
	c.be.Send(&pgproto3.CloseComplete{})
	return true
}

// paramOID is the type a parameter of an inferred kind is described as.
func paramOID(kind string) uint32 {
	switch kind {
	case "int":
		return oidInt8
	case "float":
		return oidFloat8
	case "bool":
		return oidBool
	case "string":
		return oidText
	case "timestamp":
		return oidTimestamptz
	}
	return 0
}
