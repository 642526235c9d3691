package sql

import (
	"context"
	"reflect"
	"strings"

	"github.com/basaltdb/basalt/sql/ast"
	"github.com/basaltdb/basalt/sql/fn"
	"github.com/basaltdb/basalt/sql/plan"
	"github.com/basaltdb/basalt/types"
)

// Describe returns the result columns stmt would produce, without running
// it: what the PostgreSQL protocol's Describe of a prepared statement
// answers before any parameter is bound. A SELECT is bound and planned (so
// a missing collection or column reference fails here, as it would at
// execution) and each output column gets the one kind the binder can tell
// statically: the kinds the collection holds at a scanned path, the kind a
// cast, comparison, aggregate or known function yields. A column whose
// kinds are unknown or several is "mixed", one that only nulls can reach
// "null". Parameters the caller has no values for bind as NULL.
//
// Static kinds can go stale: a later write may put a second kind at a path.
// Callers that promised a column type (pgwire) check every value against it.
func (s *Session) Describe(ctx context.Context, stmt ast.Statement, params Params) ([]Column, error) {
	switch st := stmt.(type) {
	case *ast.Select:
		return s.describeSelect(st, params)
	case *ast.Explain:
		return []Column{{Name: "QUERY PLAN", Type: "string"}}, nil
	case *ast.Describe:
		return []Column{{"field", "array"}, {"type", "string"}, {"occurrences", "int"}, {"total", "int"}}, nil
	case *ast.Show:
		return []Column{{Name: st.Name, Type: "string"}}, nil
	}
	return nil, nil
}

// ParamCount returns the number of positional parameters stmt uses: the
// largest $n.
func ParamCount(stmt ast.Statement) int {
	n := 0
	walkAST(reflect.ValueOf(stmt), func(v reflect.Value) {
		if p, ok := v.Interface().(*ast.Param); ok && p != nil && p.Name == "" && p.Index > n {
			n = p.Index
		}
	})
	return n
}

// walkAST calls fn on every pointer reachable from v.
func walkAST(v reflect.Value, fn func(reflect.Value)) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		fn(v)
		walkAST(v.Elem(), fn)
	case reflect.Interface:
		if !v.IsNil() {
			walkAST(v.Elem(), fn)
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(types.Value{}) {
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				walkAST(v.Field(i), fn)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			walkAST(v.Index(i), fn)
		}
	}
}

func (s *Session) describeSelect(sel *ast.Select, params Params) ([]Column, error) {
	if n := ParamCount(sel); len(params.Positional) < n {
		pos := make([]types.Value, n)
		copy(pos, params.Positional)
		for i := len(params.Positional); i < n; i++ {
			pos[i] = types.Null
		}
		params.Positional = pos
	}
	snaps := &snapshots{s: s, open: map[string]*table{}}
	defer snaps.close()
	fctx := s.fnCtx()
	b := plan.NewBinder(snaps, params, fctx)
	q, err := b.Bind(sel)
	if err != nil {
		return nil, err
	}
	t := &typer{kinds: map[plan.ColID]plan.Kinds{}}
	t.node(q.Root)
	cols := make([]Column, len(q.Out))
	for i, c := range q.Out {
		cols[i] = Column{Name: c.Name, Type: kindsType(t.kinds[c.ID])}
	}
	return cols, nil
}

// kindsType names a kind set as Column.Type does.
func kindsType(ks plan.Kinds) string {
	if ks == unknownKinds {
		return "mixed"
	}
	if k, ok := ks.Only(); ok {
		return k.String()
	}
	switch ks &^ plan.KindsOf(types.KindNull, types.KindUndefined) {
	case 0:
		return "null"
	case plan.KindsOf(types.KindInt, types.KindFloat):
		// Numbers of both kinds: JSON does not tell 2 from 2.0.
		return "float"
	}
	return "mixed"
}

// unknownKinds is every kind: nothing is known.
var unknownKinds = plan.Kinds(1<<types.NumKinds - 1)

// typer infers the kinds each column of a plan can hold.
type typer struct {
	kinds map[plan.ColID]plan.Kinds
	// work holds the kinds of a recursive query's working table while its
	// recursive term is typed.
	work map[*plan.WorkTable][]plan.Kinds
}

// recursive types a recursive query: its working table holds what the
// non-recursive term gives, then also what the recursive term gives over
// that, until the kinds stop growing.
func (t *typer) recursive(r *plan.RecursiveUnion) {
	t.node(r.Init)
	ks := make([]plan.Kinds, len(r.Out))
	for i, id := range r.Init.Cols() {
		ks[i] = t.kinds[id]
	}
	// The SEARCH and CYCLE columns: the sequence and the path are arrays,
	// the mark holds the clause's two values.
	extra := ks[len(r.Init.Cols()):]
	if r.Search != nil {
		extra[0], extra = plan.KindsOf(types.KindArray), extra[1:]
	}
	if c := r.Cycle; c != nil {
		extra[0] = plan.KindsOf(c.Mark.Kind(), c.Default.Kind())
		extra[1] = plan.KindsOf(types.KindArray)
	}
	if t.work == nil {
		t.work = map[*plan.WorkTable][]plan.Kinds{}
	}
	converged := false
	for range 8 {
		t.work[r.Work] = ks
		t.node(r.Recur)
		next := make([]plan.Kinds, len(ks))
		grew := false
		for i, id := range r.Recur.Cols() {
			next[i] = ks[i] | t.kinds[id]
			grew = grew || next[i] != ks[i]
		}
		ks = next
		if !grew {
			converged = true
			break
		}
	}
	for i, id := range r.Out {
		if !converged {
			ks[i] = unknownKinds
		}
		t.kinds[id] = ks[i]
	}
}

func (t *typer) node(n plan.Node) {
	if r, ok := n.(*plan.RecursiveUnion); ok {
		t.recursive(r)
		return
	}
	for _, in := range n.Inputs() {
		t.node(in)
	}
	switch n := n.(type) {
	case *plan.Scan:
		for _, c := range n.Columns {
			var ks plan.Kinds
			switch {
			case len(c.Children) > 0:
				ks = plan.KindsOf(types.KindObject)
				if c.Leaf {
					ks |= n.Table.PathKinds(c.Path)
				}
			case c.Path == "_id":
				ks = plan.KindsOf(types.KindString)
			case c.Path == "_event_time":
				ks = plan.KindsOf(types.KindTimestamp)
			default:
				ks = n.Table.PathKinds(c.Path)
			}
			t.kinds[c.ID] = ks
		}
	case *plan.Values:
		for i, id := range n.Out {
			var ks plan.Kinds
			for _, r := range n.Rows {
				ks |= t.expr(r[i])
			}
			t.kinds[id] = ks
		}
	case *plan.Project:
		for i, id := range n.Out {
			t.kinds[id] = t.expr(n.Exprs[i])
		}
	case *plan.Aggregate:
		for i, id := range n.KeyCols {
			t.kinds[id] = t.expr(n.Keys[i])
		}
		for _, a := range n.Aggs {
			t.kinds[a.Out] = t.aggregate(a.Name, a.Args, a.OrderBy)
			if (a.Name == "percentile_cont" || a.Name == "percentile_disc") && len(a.Args) == 1 && t.expr(a.Args[0]).Has(types.KindArray) {
				// An array of fractions answers an array.
				t.kinds[a.Out] = plan.KindsOf(types.KindArray, types.KindNull)
			}
		}
	case *plan.Unnest:
		t.kinds[n.Elem] = unknownKinds
		if n.Ordinality {
			t.kinds[n.Ord] = plan.KindsOf(types.KindInt)
		}
		for _, id := range n.Spread {
			t.kinds[id] = unknownKinds
		}
	case *plan.WorkScan:
		for i, id := range n.Out {
			t.kinds[id] = t.work[n.Table][i]
		}
	case *plan.SetOp:
		l, r := n.Left.Cols(), n.Right.Cols()
		for i, id := range n.Out {
			t.kinds[id] = t.kinds[l[i]] | t.kinds[r[i]]
		}
	case *plan.Window:
		for _, f := range n.Funcs {
			switch f.Name {
			case "row_number", "rank", "dense_rank", "ntile":
				t.kinds[f.Out] = plan.KindsOf(types.KindInt)
			case "percent_rank", "cume_dist":
				t.kinds[f.Out] = plan.KindsOf(types.KindFloat)
			case "lag", "lead", "first_value", "last_value", "nth_value":
				if len(f.Args) > 0 {
					t.kinds[f.Out] = t.expr(f.Args[0]) | plan.KindsOf(types.KindNull)
				} else {
					t.kinds[f.Out] = unknownKinds
				}
			default:
				t.kinds[f.Out] = t.aggregate(f.Name, f.Args, nil)
			}
		}
	}
}

func (t *typer) aggregate(name string, args []plan.Expr, order []plan.SortKey) plan.Kinds {
	arg := unknownKinds
	if len(args) > 0 {
		arg = t.expr(args[0])
	}
	switch name {
	case "percentile_disc", "mode":
		// Ordered-set aggregates answer a value of their WITHIN GROUP
		// expression, not of their fraction.
		if len(order) > 0 {
			return t.expr(order[0].Expr) | plan.KindsOf(types.KindNull)
		}
		return unknownKinds
	case "count", "count_if", "approx_count_distinct":
		return plan.KindsOf(types.KindInt)
	case "sum":
		if k, ok := arg.Only(); ok && k == types.KindInt {
			return plan.KindsOf(types.KindInt, types.KindNull)
		}
		return numberOrInterval(arg)
	case "avg":
		return numberOrInterval(arg)
	case "stddev", "stddev_samp", "stddev_pop", "variance", "var_samp", "var_pop":
		return plan.KindsOf(types.KindFloat, types.KindNull)
	case "min", "max", "any_value", "arbitrary":
		return arg | plan.KindsOf(types.KindNull)
	case "percentile_cont":
		if len(order) > 0 {
			return numberOrInterval(t.expr(order[0].Expr))
		}
		return plan.KindsOf(types.KindFloat, types.KindNull)
	case "approx_percentile":
		return plan.KindsOf(types.KindFloat, types.KindNull)
	case "bool_and", "bool_or", "every":
		return plan.KindsOf(types.KindBool, types.KindNull)
	case "corr", "covar_pop", "covar_samp", "regr_slope", "regr_intercept", "regr_r2",
		"regr_avgx", "regr_avgy", "regr_sxx", "regr_syy", "regr_sxy":
		return plan.KindsOf(types.KindFloat, types.KindNull)
	case "regr_count":
		return plan.KindsOf(types.KindInt)
	case "bit_and", "bit_or", "bit_xor":
		return plan.KindsOf(types.KindInt, types.KindNull)
	case "string_agg":
		return plan.KindsOf(types.KindString, types.KindNull)
	case "array_agg":
		return plan.KindsOf(types.KindArray, types.KindNull)
	}
	return unknownKinds
}

// numberOrInterval is the result of an aggregate that averages or adds
// its argument's values (sum, avg, percentile_cont): a float, or an
// interval over intervals; either when the argument may be both and is
// not simply unknown.
func numberOrInterval(arg plan.Kinds) plan.Kinds {
	if arg == unknownKinds || !arg.Has(types.KindInterval) {
		// Unknown is a number here, as before intervals were values:
		// documents never hold one.
		return plan.KindsOf(types.KindFloat, types.KindNull)
	}
	if k, ok := arg.Only(); ok && k == types.KindInterval {
		return plan.KindsOf(types.KindInterval, types.KindNull)
	}
	return plan.KindsOf(types.KindFloat, types.KindInterval, types.KindNull)
}

// funcKinds are the kinds of functions whose result kind does not depend
// on their arguments.
var funcKinds = map[string]types.Kind{
	"lower": types.KindString, "upper": types.KindString, "concat": types.KindString,
	"concat_ws": types.KindString, "substr": types.KindString, "substring": types.KindString,
	"replace": types.KindString, "trim": types.KindString, "btrim": types.KindString,
	"ltrim": types.KindString, "rtrim": types.KindString, "lpad": types.KindString,
	"rpad": types.KindString, "left": types.KindString, "right": types.KindString,
	"md5": types.KindString, "initcap": types.KindString, "repeat": types.KindString,
	"reverse": types.KindString, "split_part": types.KindString, "to_hex": types.KindString,
	"translate": types.KindString, "chr": types.KindString, "typeof": types.KindString, "pg_typeof": types.KindString,
	"version": types.KindString, "gen_random_uuid": types.KindString, "uuid": types.KindString,
	"format_iso8601": types.KindString, "array_to_string": types.KindString,
	"array_join": types.KindString, "regexp_replace": types.KindString, "json_format": types.KindString,
	"length": types.KindInt, "char_length": types.KindInt, "character_length": types.KindInt,
	"octet_length": types.KindInt, "strpos": types.KindInt, "position": types.KindInt,
	"ascii": types.KindInt, "array_length": types.KindInt, "cardinality": types.KindInt,
	"array_position": types.KindInt, "unix_seconds": types.KindInt, "unix_millis": types.KindInt,
	"unix_micros": types.KindInt, "int8and": types.KindInt, "int8or": types.KindInt, "int8xor": types.KindInt,
	"int8shl": types.KindInt, "int8shr": types.KindInt,
	"starts_with": types.KindBool, "ends_with": types.KindBool, "regexp_like": types.KindBool,
	"array_contains": types.KindBool, "array_contains_all": types.KindBool, "array_contained": types.KindBool,
	"array_overlap": types.KindBool, "json_typeof": types.KindString, "jsonb_typeof": types.KindString,
	"json_array_length": types.KindInt, "jsonb_array_length": types.KindInt, "gcd": types.KindInt, "lcm": types.KindInt,
	"int8not": types.KindInt, "json_exists": types.KindBool, "json_exists_any": types.KindBool, "json_exists_all": types.KindBool,
	"make_interval": types.KindInterval, "make_date": types.KindTimestamp, "make_timestamp": types.KindTimestamp,
	"make_timestamptz": types.KindTimestamp, "width_bucket": types.KindInt, "factorial": types.KindInt, "overlay": types.KindString,
	"json_build_object": types.KindObject, "jsonb_build_object": types.KindObject,
	"json_build_array": types.KindArray, "jsonb_build_array": types.KindArray,
	"random": types.KindFloat, "pi": types.KindFloat, "sqrt": types.KindFloat, "cbrt": types.KindFloat,
	"exp": types.KindFloat, "ln": types.KindFloat, "log": types.KindFloat, "log10": types.KindFloat,
	"sin": types.KindFloat, "cos": types.KindFloat, "tan": types.KindFloat, "asin": types.KindFloat,
	"acos": types.KindFloat, "atan": types.KindFloat, "atan2": types.KindFloat, "degrees": types.KindFloat,
	"radians": types.KindFloat, "power": types.KindFloat, "pow": types.KindFloat,
	"date_part": types.KindFloat, "extract": types.KindFloat,
	"date_trunc": types.KindTimestamp, "time_bucket": types.KindTimestamp, "date_bin": types.KindTimestamp,
	"now": types.KindTimestamp, "current_timestamp": types.KindTimestamp, "current_date": types.KindTimestamp,
	"to_timestamp": types.KindTimestamp, "to_date": types.KindTimestamp, "timestamp_seconds": types.KindTimestamp,
	"timestamp_millis": types.KindTimestamp, "timestamp_micros": types.KindTimestamp,
	"parse_timestamp_iso8601": types.KindTimestamp,
	"array_append":            types.KindArray, "array_prepend": types.KindArray, "array_cat": types.KindArray,
	"array_distinct": types.KindArray, "array_remove": types.KindArray,
}

// numericSameFuncs return the kind of their first argument when it is a
// number (abs(int) is an int).
var numericSameFuncs = map[string]bool{"abs": true, "sign": true, "ceil": true, "ceiling": true, "floor": true, "round": true, "trunc": true, "mod": true, "greatest": true, "least": true}

func (t *typer) expr(e plan.Expr) plan.Kinds {
	null := plan.KindsOf(types.KindNull)
	boolean := plan.KindsOf(types.KindBool, types.KindNull)
	switch e := e.(type) {
	case *plan.ColRef:
		if ks, ok := t.kinds[e.ID]; ok {
			return ks
		}
		return unknownKinds
	case *plan.Const:
		return plan.KindsOf(e.V.Kind())
	case *plan.Call:
		if k, ok := funcKinds[e.Fn.Name]; ok {
			return plan.KindsOf(k) | null
		}
		if numericSameFuncs[e.Fn.Name] && len(e.Args) > 0 {
			ks := t.expr(e.Args[0])
			for _, a := range e.Args[1:] {
				ks |= t.expr(a)
			}
			return ks
		}
		if e.Fn.Name == "coalesce" || e.Fn.Name == "nullif" {
			if len(e.Args) > 0 {
				return t.expr(e.Args[0]) | null
			}
		}
		return unknownKinds
	case *plan.Arith:
		l, r := t.expr(e.L), t.expr(e.R)
		lk, lok := l.Only()
		rk, rok := r.Only()
		ts, iv := types.KindTimestamp, types.KindInterval
		switch {
		case !lok || !rok:
		case lk == types.KindInt && rk == types.KindInt:
			return plan.KindsOf(types.KindInt) | null
		case lk.IsNumeric() && rk.IsNumeric():
			return plan.KindsOf(types.KindFloat) | null
		case lk == ts && rk == ts && e.Op == '-',
			lk == iv && rk == iv && (e.Op == '+' || e.Op == '-'),
			lk == iv && rk.IsNumeric() && (e.Op == '*' || e.Op == '/'),
			lk.IsNumeric() && rk == iv && e.Op == '*':
			return plan.KindsOf(iv) | null
		case lk == ts && rk == iv && (e.Op == '+' || e.Op == '-'), lk == iv && rk == ts && e.Op == '+',
			lk == ts && rk == types.KindInt && (e.Op == '+' || e.Op == '-'), lk == types.KindInt && rk == ts && e.Op == '+':
			return plan.KindsOf(ts) | null
		}
		return unknownKinds
	case *plan.Neg:
		return t.expr(e.X)
	case *plan.Cmp, *plan.Logic, *plan.Not, *plan.IsDistinct, *plan.In, *plan.Like, *plan.Regex, *plan.AnyCmp:
		return boolean
	case *plan.IsTest:
		return plan.KindsOf(types.KindBool)
	case *plan.Concat:
		l, r := t.expr(e.L), t.expr(e.R)
		if l.Has(types.KindArray) || r.Has(types.KindArray) {
			return unknownKinds
		}
		return plan.KindsOf(types.KindString) | null
	case *plan.Case:
		ks := null
		if e.Else != nil {
			ks = t.expr(e.Else)
		}
		for _, w := range e.Whens {
			ks |= t.expr(w.Then)
		}
		return ks
	case *plan.Cast:
		typ, _ := fn.NormalizeType(e.Type)
		switch typ {
		case fn.TypeTimestamp, fn.TypeDate:
			return plan.KindsOf(types.KindTimestamp) | null
		case fn.TypeInt:
			return plan.KindsOf(types.KindInt) | null
		case fn.TypeFloat:
			return plan.KindsOf(types.KindFloat) | null
		case fn.TypeBool:
			return plan.KindsOf(types.KindBool) | null
		case fn.TypeString:
			return plan.KindsOf(types.KindString) | null
		case fn.TypeArray:
			return plan.KindsOf(types.KindArray) | null
		case fn.TypeInterval:
			return plan.KindsOf(types.KindInterval) | null
		}
		return unknownKinds
	case *plan.Coalesce:
		var ks plan.Kinds
		for _, a := range e.Args {
			ks |= t.expr(a)
		}
		return ks
	case *plan.ArrayOf:
		return plan.KindsOf(types.KindArray)
	case *plan.IntervalAdd:
		if k, ok := t.expr(e.X).Only(); ok && k == types.KindInterval {
			return plan.KindsOf(k) | null
		}
		return plan.KindsOf(types.KindTimestamp) | null
	case *plan.SubqueryExpr:
		switch e.Kind {
		case "exists", "in":
			return boolean
		case "array", "rows":
			return plan.KindsOf(types.KindArray)
		case "scalar":
			t.node(e.Plan)
			if cols := e.Plan.Cols(); len(cols) > 0 {
				return t.kinds[cols[0]] | null
			}
		}
	}
	return unknownKinds
}

// ParamKinds infers the kind of each positional parameter of stmt from
// where it is used, as PostgreSQL infers parameter types: compared with a
// field ($1 = age), a BETWEEN or IN over one, cast ($1::int), in LIMIT or
// OFFSET, matched by LIKE, or inserted into a field (INSERT INTO t (age)
// VALUES ($1), as PostgreSQL types it by the target column; drivers such as
// node-postgres send every parameter as untyped text, which would otherwise
// store the number 51 as the string "51"). A field's kinds come from the collection
// (one kind, or ints and floats together as "float"). The result has one
// entry per parameter, "" where nothing tells: the caller then takes the
// value as it comes (a text parameter stays a string, which the binder
// casts when compared with a typed field).
func (s *Session) ParamKinds(stmt ast.Statement) []string {
	n := ParamCount(stmt)
	if n == 0 {
		return nil
	}
	out := make([]string, n)
	snaps := &snapshots{s: s, open: map[string]*table{}}
	defer snaps.close()
	// FROM items by the names a column reference may qualify them with.
	tables := map[string]plan.Table{}
	var order []plan.Table
	walkAST(reflect.ValueOf(stmt), func(v reflect.Value) {
		tn, ok := v.Interface().(*ast.TableName)
		if !ok {
			return
		}
		t, err := snaps.Table(tn.Schema, tn.Name)
		if err != nil {
			return
		}
		order = append(order, t)
		tables[tn.Name] = t
		if tn.Alias != "" {
			tables[tn.Alias] = t
		}
	})
	colKinds := func(ref *ast.ColumnRef) plan.Kinds {
		parts := ref.Parts
		cands := order
		if len(parts) > 1 {
			if t, ok := tables[parts[0]]; ok {
				cands, parts = []plan.Table{t}, parts[1:]
			}
		}
		path := strings.Join(parts, ".")
		switch path {
		case "_id":
			return plan.KindsOf(types.KindString)
		case "_event_time":
			return plan.KindsOf(types.KindTimestamp)
		}
		for _, t := range cands {
			if ks := t.PathKinds(path); ks != 0 {
				return ks
			}
		}
		return 0
	}
	var kindOf func(e ast.Expr) string
	kindOf = func(e ast.Expr) string {
		switch e := e.(type) {
		case *ast.ColumnRef:
			return paramKind(colKinds(e))
		case *ast.Literal:
			return paramKind(plan.KindsOf(e.Value.Kind()))
		case *ast.Cast:
			return castKind(e.Type)
		case *ast.Func:
			if k, ok := funcKinds[e.Name]; ok {
				return k.String()
			}
		case *ast.Unary:
			return kindOf(e.X)
		}
		return ""
	}
	set := func(e ast.Expr, kind string) {
		if p, ok := e.(*ast.Param); ok && p.Name == "" && p.Index >= 1 && p.Index <= n && kind != "" && out[p.Index-1] == "" {
			out[p.Index-1] = kind
		}
	}
	walkAST(reflect.ValueOf(stmt), func(v reflect.Value) {
		switch e := v.Interface().(type) {
		case *ast.Binary:
			switch e.Op {
			case "=", "<>", "!=", "<", "<=", ">", ">=":
				set(e.L, kindOf(e.R))
				set(e.R, kindOf(e.L))
			}
		case *ast.IsDistinct:
			set(e.L, kindOf(e.R))
			set(e.R, kindOf(e.L))
		case *ast.Between:
			k := kindOf(e.X)
			set(e.Lo, k)
			set(e.Hi, k)
			set(e.X, kindOf(e.Lo))
		case *ast.InList:
			k := kindOf(e.X)
			for _, x := range e.List {
				set(x, k)
			}
		case *ast.Like:
			set(e.Pattern, "string")
			set(e.X, "string")
		case *ast.Cast:
			set(e.X, castKind(e.Type))
		case *ast.Select:
			set(e.Limit, "int")
			set(e.Offset, "int")
		case *ast.Insert:
			if e.Query == nil || e.Table == nil {
				return
			}
			for _, row := range e.Query.Values {
				for j, x := range row {
					if j < len(e.Columns) {
						set(x, paramKind(colKinds(&ast.ColumnRef{Parts: []string{e.Table.Name, e.Columns[j]}})))
					}
				}
			}
		}
	})
	return out
}

func paramKind(ks plan.Kinds) string {
	if ks == 0 {
		return ""
	}
	switch t := kindsType(ks); t {
	case "int", "float", "bool", "string", "timestamp":
		return t
	}
	return ""
}

func castKind(typ string) string {
	switch t, _ := fn.NormalizeType(typ); t {
	case fn.TypeInt:
		return "int"
	case fn.TypeFloat:
		return "float"
	case fn.TypeBool:
		return "bool"
	case fn.TypeString:
		return "string"
	case fn.TypeTimestamp, fn.TypeDate:
		return "timestamp"
	}
	return ""
}
