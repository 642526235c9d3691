package parse

import (
	"reflect"
	"strings"
	"unicode"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/basaltdb/basalt/sql/ast"
	"github.com/basaltdb/basalt/types"
)

// translator turns pg_query's tree into Basalt's AST. Locations in the tree
// are offsets into the rewritten text; pos maps them back.
type translator struct {
	rw   *rewrite
	skip int // bytes of prefix added by ParseExpr
}

// pos maps a pg_query location to an AST position in the caller's text.
func (tr *translator) pos(loc int32) int {
	if loc < 0 {
		return -1
	}
	return max(tr.rw.toOrig(int(loc))-tr.skip, -1)
}

// errPos maps a pg_query location to an offset for posError.
func (tr *translator) errPos(loc int32) int {
	if loc < 0 {
		return -1
	}
	return tr.rw.toOrig(int(loc))
}

// unsupported returns a 0A000 error naming what, at location loc.
func (tr *translator) unsupported(loc int32, what string) error {
	return unsupportedAt(tr.errPos(loc), "%s is not supported", what)
}

func (tr *translator) rawStmt(raw *pg_query.RawStmt) (ast.Statement, error) {
	start := int(raw.StmtLocation)
	end := len(tr.rw.text)
	if raw.StmtLen > 0 {
		end = start + int(raw.StmtLen)
	}
	for off, d := range tr.rw.describes {
		if off >= start && off < end {
			if _, ok := raw.Stmt.GetNode().(*pg_query.Node_VariableShowStmt); ok {
				d.Table.Pos -= tr.skip
				return d, nil
			}
		}
	}
	return tr.stmt(raw.Stmt, int32(start))
}

// stmt translates a statement node; loc is where it starts, for errors.
func (tr *translator) stmt(n *pg_query.Node, loc int32) (ast.Statement, error) {
	switch n := n.GetNode().(type) {
	case *pg_query.Node_SelectStmt:
		return tr.selectStmt(n.SelectStmt)
	case *pg_query.Node_InsertStmt:
		return tr.insert(n.InsertStmt, loc)
	case *pg_query.Node_ExplainStmt:
		return tr.explain(n.ExplainStmt, loc)
	case *pg_query.Node_VariableSetStmt:
		return tr.set(n.VariableSetStmt, loc)
	case *pg_query.Node_VariableShowStmt:
		return &ast.Show{Name: n.VariableShowStmt.Name}, nil
	case *pg_query.Node_TransactionStmt:
		return tr.transaction(n.TransactionStmt)
	case nil:
		return &ast.Empty{}, nil
	default:
		return nil, tr.unsupported(tr.firstToken(loc), statementKind(n))
	}
}

// firstToken returns the location of the first token at or after loc,
// skipping the whitespace a RawStmt's location includes.
func (tr *translator) firstToken(loc int32) int32 {
	orig := tr.rw.toOrig(int(loc))
	for _, tok := range tr.rw.tokens {
		if int(tok.Start) >= orig {
			return int32(tr.rw.toNew(int(tok.Start)))
		}
	}
	return loc
}

// statementKinds names statements whose node type does not spell them.
var statementKinds = map[string]string{
	"CreateStmt":         "CREATE TABLE",
	"IndexStmt":          "CREATE INDEX",
	"ViewStmt":           "CREATE VIEW",
	"CreateTableAsStmt":  "CREATE TABLE AS",
	"CreateSchemaStmt":   "CREATE SCHEMA",
	"CreateFunctionStmt": "CREATE FUNCTION",
	"RuleStmt":           "CREATE RULE",
	"DropStmt":           "DROP",
	"VacuumStmt":         "VACUUM",
	"DeclareCursorStmt":  "DECLARE",
	"ClosePortalStmt":    "CLOSE",
	"FetchStmt":          "FETCH",
	"DeallocateStmt":     "DEALLOCATE",
	"DoStmt":             "DO",
}

// statementKind names the SQL statement a pg_query node stands for, for
// error messages: "UPDATE", "CREATE TABLE", "ALTER TABLE".
func statementKind(n any) string {
	name := reflect.TypeOf(n).Elem().Name() // Node_UpdateStmt
	name = strings.TrimPrefix(name, "Node_")
	if k, ok := statementKinds[name]; ok {
		return k
	}
	name = strings.TrimSuffix(name, "Stmt")
	var b strings.Builder
	for i, r := range name {
		if i > 0 && unicode.IsUpper(r) {
			b.WriteByte(' ')
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String()
}

func (tr *translator) insert(n *pg_query.InsertStmt, loc int32) (ast.Statement, error) {
	switch {
	case n.OnConflictClause != nil:
		return nil, tr.unsupported(n.OnConflictClause.Location, "ON CONFLICT")
	case len(n.ReturningList) > 0:
		return nil, tr.unsupported(tr.firstToken(loc), "INSERT … RETURNING")
	case n.SelectStmt == nil:
		return nil, tr.unsupported(tr.firstToken(loc), "INSERT … DEFAULT VALUES")
	case n.Override != pg_query.OverridingKind_OVERRIDING_NOT_SET && n.Override != pg_query.OverridingKind_OVERRIDING_KIND_UNDEFINED:
		return nil, tr.unsupported(tr.firstToken(loc), "OVERRIDING")
	}
	table, err := tr.rangeVar(n.Relation)
	if err != nil {
		return nil, err
	}
	ins := &ast.Insert{Table: table}
	for _, c := range n.Cols {
		rt := c.GetResTarget()
		if rt == nil {
			return nil, tr.unsupported(tr.firstToken(loc), "this INSERT column list")
		}
		if len(rt.Indirection) > 0 {
			return nil, tr.unsupported(rt.Location, "assigning to a subfield or element in INSERT")
		}
		ins.Columns = append(ins.Columns, rt.Name)
	}
	sel := n.SelectStmt.GetSelectStmt()
	if sel == nil {
		return nil, tr.unsupported(tr.firstToken(loc), "this INSERT source")
	}
	q, err := tr.selectStmt(sel)
	if err != nil {
		return nil, err
	}
	if n.WithClause != nil {
		if q.With != nil {
			return nil, tr.unsupported(n.WithClause.Location, "WITH on both INSERT and its query")
		}
		if q.With, err = tr.with(n.WithClause); err != nil {
			return nil, err
		}
	}
	ins.Query = q
	return ins, nil
}

func (tr *translator) explain(n *pg_query.ExplainStmt, loc int32) (ast.Statement, error) {
	ex := &ast.Explain{}
	for _, o := range n.Options {
		d := o.GetDefElem()
		if d == nil || d.Defname != "analyze" {
			name := "this EXPLAIN option"
			if d != nil {
				name = "EXPLAIN option " + strings.ToUpper(d.Defname)
			}
			return nil, tr.unsupported(d.GetLocation(), name)
		}
		on, ok := defElemBool(d)
		if !ok {
			return nil, syntaxErrorAt(tr.errPos(d.ArgLocation), "EXPLAIN option ANALYZE requires a Boolean value")
		}
		ex.Analyze = on
	}
	inner, err := tr.stmt(n.Query, loc)
	if err != nil {
		return nil, err
	}
	ex.Stmt = inner
	return ex, nil
}

// defElemBool returns the value of a Boolean option: no argument means true.
func defElemBool(d *pg_query.DefElem) (bool, bool) {
	switch a := d.Arg.GetNode().(type) {
	case nil:
		return true, true
	case *pg_query.Node_Boolean:
		return a.Boolean.Boolval, true
	case *pg_query.Node_Integer:
		return a.Integer.Ival != 0, true
	case *pg_query.Node_String_:
		switch strings.ToLower(a.String_.Sval) {
		case "true", "on", "yes", "1":
			return true, true
		case "false", "off", "no", "0":
			return false, true
		}
	}
	return false, false
}

func (tr *translator) set(n *pg_query.VariableSetStmt, loc int32) (ast.Statement, error) {
	s := &ast.Set{Name: n.Name, Local: n.IsLocal}
	switch n.Kind {
	case pg_query.VariableSetKind_VAR_SET_VALUE:
		for _, a := range n.Args {
			e, err := tr.expr(a)
			if err != nil {
				return nil, err
			}
			s.Value = append(s.Value, e)
		}
	case pg_query.VariableSetKind_VAR_SET_DEFAULT, pg_query.VariableSetKind_VAR_RESET:
	case pg_query.VariableSetKind_VAR_RESET_ALL:
		s.Name = "all"
	case pg_query.VariableSetKind_VAR_SET_MULTI:
		return tr.setTransaction(n, loc)
	default:
		what := "SET " + strings.ToUpper(n.Name)
		if n.Kind == pg_query.VariableSetKind_VAR_SET_CURRENT {
			what = "SET … FROM CURRENT"
		}
		return nil, tr.unsupported(tr.firstToken(loc), what)
	}
	return s, nil
}

// setTransaction reads SET TRANSACTION and SET SESSION CHARACTERISTICS AS
// TRANSACTION, which JDBC drivers send for setTransactionIsolation and
// setReadOnly. Every Basalt statement reads one snapshot whatever the
// mode, so the mode is only recorded, as the setting PostgreSQL would
// change (transaction_isolation, or default_transaction_isolation for the
// session; likewise *_read_only and *_deferrable), for SHOW to report. A
// statement that sets several modes records the isolation level, else the
// first mode.
func (tr *translator) setTransaction(n *pg_query.VariableSetStmt, loc int32) (ast.Statement, error) {
	prefix := ""
	switch strings.ToUpper(n.Name) {
	case "TRANSACTION":
	case "SESSION CHARACTERISTICS":
		prefix = "default_"
	default:
		return nil, tr.unsupported(tr.firstToken(loc), "SET "+strings.ToUpper(n.Name))
	}
	var chosen *pg_query.DefElem
	for _, a := range n.Args {
		d := a.GetDefElem()
		if d == nil {
			continue
		}
		if chosen == nil || d.Defname == "transaction_isolation" {
			chosen = d
		}
	}
	if chosen == nil {
		return nil, tr.unsupported(tr.firstToken(loc), "SET "+strings.ToUpper(n.Name))
	}
	s := &ast.Set{Name: prefix + chosen.Defname}
	if c := chosen.Arg.GetAConst(); c != nil {
		switch {
		case c.GetSval() != nil:
			s.Value = []ast.Expr{&ast.Literal{Value: types.String(c.GetSval().Sval), Pos: -1}}
		case c.GetIval() != nil:
			v := "off"
			if c.GetIval().Ival != 0 {
				v = "on"
			}
			s.Value = []ast.Expr{&ast.Literal{Value: types.String(v), Pos: -1}}
		}
	}
	if s.Value == nil {
		return nil, tr.unsupported(tr.firstToken(loc), "SET "+strings.ToUpper(n.Name))
	}
	return s, nil
}

func (tr *translator) transaction(n *pg_query.TransactionStmt) (ast.Statement, error) {
	var op string
	switch n.Kind {
	case pg_query.TransactionStmtKind_TRANS_STMT_BEGIN, pg_query.TransactionStmtKind_TRANS_STMT_START:
		op = "BEGIN"
	case pg_query.TransactionStmtKind_TRANS_STMT_COMMIT:
		op = "COMMIT"
	case pg_query.TransactionStmtKind_TRANS_STMT_ROLLBACK:
		op = "ROLLBACK"
	case pg_query.TransactionStmtKind_TRANS_STMT_SAVEPOINT:
		return nil, tr.unsupported(n.Location, "SAVEPOINT")
	case pg_query.TransactionStmtKind_TRANS_STMT_RELEASE:
		return nil, tr.unsupported(n.Location, "RELEASE SAVEPOINT")
	case pg_query.TransactionStmtKind_TRANS_STMT_ROLLBACK_TO:
		return nil, tr.unsupported(n.Location, "ROLLBACK TO SAVEPOINT")
	default:
		return nil, tr.unsupported(n.Location, "two-phase commit")
	}
	if n.Chain {
		return nil, tr.unsupported(n.Location, "AND CHAIN")
	}
	// Transaction modes (ISOLATION LEVEL, READ ONLY) are accepted and
	// ignored: every Basalt query reads one snapshot.
	return &ast.Transaction{Op: op}, nil
}
