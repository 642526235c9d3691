package plan

import (
	"reflect"

	"github.com/basaltdb/basalt/sql/ast"
	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/basaltdb/basalt/types"
)

// expandGroupingSets rewrites a SELECT grouped by grouping sets (ROLLUP,
// CUBE, GROUPING SETS) into the UNION ALL of one SELECT per set, as the
// SQL standard defines them: each groups by its set, and a key of another
// set reads NULL in its select list and HAVING (outside aggregates);
// GROUPING(a, b) is the bitmask of its arguments that the set does not
// group by, the leftmost the highest bit. ORDER BY, LIMIT and OFFSET apply
// to the union: an ORDER BY key is a column of the select list (by name,
// position, or as the same expression).
func expandGroupingSets(sel *ast.Select) (*ast.Select, error) {
	if len(sel.DistinctOn) > 0 {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "DISTINCT ON with GROUPING SETS, ROLLUP or CUBE is not supported")
	}
	// Run as one query per set, a window function would see one set's rows,
	// not the whole result, and a subquery reading the grouped columns
	// would not see them nulled: refused rather than answered wrong.
	if found := findInSelectList(sel, func(v reflect.Value) bool {
		switch x := v.Interface().(type) {
		case *ast.Func:
			return x.Over != nil
		case *ast.Subquery, *ast.Exists, *ast.InSubquery, *ast.ArraySubquery:
			return true
		}
		return false
	}); found {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "window functions and subqueries in the select list or HAVING of a query with GROUPING SETS, ROLLUP or CUBE are not supported")
	}
	// Keys by position or by alias stand for the select-list expression.
	sets := make([][]ast.Expr, len(sel.GroupingSets))
	for i, set := range sel.GroupingSets {
		for _, k := range set {
			if lit, ok := k.(*ast.Literal); ok && lit.Value.Kind() == types.KindInt {
				n := int(lit.Value.Int())
				if n < 1 || n > len(sel.Targets) || sel.Targets[n-1].Star {
					return nil, sqlerr.New(sqlerr.InvalidColumnRef, "GROUP BY position %d is not in select list", n)
				}
				k = sel.Targets[n-1].Expr
			} else if c, ok := k.(*ast.ColumnRef); ok && len(c.Parts) == 1 {
				for _, t := range sel.Targets {
					if t.Alias == c.Parts[0] && t.Expr != nil {
						k = t.Expr
						break
					}
				}
			}
			sets[i] = append(sets[i], k)
		}
	}
	var keys []ast.Expr // every key of every set, once
	for _, set := range sets {
		for _, k := range set {
			if indexAST(keys, k) < 0 {
				keys = append(keys, k)
			}
		}
	}
	if findInSelectList(sel, func(v reflect.Value) bool {
		f, ok := v.Interface().(*ast.Func)
		if !ok || f.Name != "grouping" {
			return false
		}
		for _, a := range f.Args {
			if indexAST(keys, a) < 0 {
				return true
			}
		}
		return len(f.Args) == 0
	}) {
		return nil, errGroupingArgs()
	}
	var u *ast.Select
	for _, set := range sets {
		var absent []ast.Expr
		for _, k := range keys {
			if indexAST(set, k) < 0 {
				absent = append(absent, k)
			}
		}
		rw := func(e ast.Expr) ast.Expr { return groupingRewrite(e, set, absent) }
		br := &ast.Select{
			Distinct: sel.Distinct,
			From:     sel.From,
			Where:    sel.Where,
			GroupBy:  set,
			Windows:  sel.Windows,
			Pos:      sel.Pos,
		}
		for _, t := range sel.Targets {
			if t.Star {
				return nil, sqlerr.New(sqlerr.Grouping, "SELECT * is not allowed with GROUPING SETS, ROLLUP or CUBE")
			}
			if t.Alias == "" {
				// The union takes its names from the first branch, where a
				// nulled key would be named "?column?".
				t.Alias = targetName(t.Expr)
			}
			t.Expr = rw(t.Expr)
			br.Targets = append(br.Targets, t)
		}
		if sel.Having != nil {
			br.Having = rw(sel.Having)
		}
		if len(set) == 0 && br.Having == nil && !hasAggregate(br) {
			// The empty set is one group, even over no rows, aggregates
			// or not: HAVING true makes the branch one.
			br.Having = &ast.Literal{Value: types.Bool(true), Pos: -1}
		}
		if u == nil {
			u = br
			continue
		}
		u = &ast.Select{SetOp: "UNION", SetAll: !sel.Distinct, Left: u, Right: br, Pos: sel.Pos}
	}
	if len(sel.GroupingSets) == 1 {
		u.OrderBy, u.Limit, u.Offset = sel.OrderBy, sel.Limit, sel.Offset
		return u, nil
	}
	if len(sel.GroupingSets) > 1 {
		for _, o := range sel.OrderBy {
			o.Expr = orderKeyOfUnion(sel, o.Expr)
			if o.Expr == nil {
				return nil, sqlerr.New(sqlerr.FeatureNotSupported, "ORDER BY of a query with GROUPING SETS, ROLLUP or CUBE must name a column of its select list")
			}
			u.OrderBy = append(u.OrderBy, o)
		}
		u.Limit, u.Offset = sel.Limit, sel.Offset
	}
	return u, nil
}

// targetName is the name PostgreSQL gives an unaliased select-list item
// that is a column or a function call ("" for others, named as usual).
func targetName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.ColumnRef:
		return e.Parts[len(e.Parts)-1]
	case *ast.FieldAccess:
		return e.Name
	case *ast.Func:
		return e.Name
	}
	return ""
}

// orderKeyOfUnion maps an ORDER BY key of the grouped query to one of the
// union: a position or a name stays; an expression of the select list
// becomes its position; anything else is nil.
func orderKeyOfUnion(sel *ast.Select, e ast.Expr) ast.Expr {
	switch x := e.(type) {
	case *ast.Literal:
		if x.Value.Kind() == types.KindInt {
			return e
		}
	case *ast.ColumnRef:
		if len(x.Parts) == 1 {
			for _, t := range sel.Targets {
				if t.Alias == x.Parts[0] {
					return e
				}
			}
		}
	}
	for i, t := range sel.Targets {
		if equalAST(t.Expr, e) {
			return &ast.Literal{Value: types.Int(int64(i + 1)), Pos: ast.ExprPos(e)}
		}
	}
	if c, ok := e.(*ast.ColumnRef); ok && len(c.Parts) == 1 {
		return e // a name the union may know
	}
	return nil
}

// hasAggregate reports whether a branch's select list or HAVING calls an
// aggregate (outside windows and subqueries).
func hasAggregate(sel *ast.Select) bool {
	return findInSelectList(sel, func(v reflect.Value) bool {
		f, ok := v.Interface().(*ast.Func)
		return ok && aggregates[f.Name] && f.Over == nil
	})
}

// findInSelectList reports whether match holds for a node of the select
// list or HAVING of sel, subqueries' own queries left out.
func findInSelectList(sel *ast.Select, match func(reflect.Value) bool) bool {
	found := false
	visit := func(e ast.Expr) {
		walkAST(reflect.ValueOf(e), func(v reflect.Value) bool {
			if found {
				return false
			}
			if _, ok := v.Interface().(*ast.Select); ok {
				return false
			}
			found = match(v)
			return !found
		})
	}
	for _, t := range sel.Targets {
		visit(t.Expr)
	}
	visit(sel.Having)
	return found
}

// groupingRewrite copies e with the keys absent from the set nulled and
// GROUPING(…) worked out, leaving aggregates' arguments and subqueries as
// they are.
func groupingRewrite(e ast.Expr, set, absent []ast.Expr) ast.Expr {
	if e == nil {
		return nil
	}
	if f, ok := e.(*ast.Func); ok {
		if f.Name == "grouping" && f.Over == nil {
			var mask int64
			for _, a := range f.Args {
				mask <<= 1
				if indexAST(set, a) < 0 {
					mask |= 1
				}
			}
			return &ast.Literal{Value: types.Int(mask), Pos: f.Pos}
		}
		if aggregates[f.Name] && f.Over == nil {
			return e
		}
	}
	if indexAST(absent, e) >= 0 {
		return &ast.Literal{Value: types.Null, Pos: ast.ExprPos(e)}
	}
	switch e.(type) {
	case *ast.Subquery, *ast.Exists, *ast.InSubquery, *ast.ArraySubquery:
		return e
	}
	return mapChildren(e, func(c ast.Expr) ast.Expr { return groupingRewrite(c, set, absent) })
}

// mapChildren returns a copy of the node e whose child expressions
// (fields of type ast.Expr, []ast.Expr, and the expressions of the structs
// and slices of structs it holds, such as CASE's WHENs and window
// definitions) are replaced by f of them.
func mapChildren(e ast.Expr, f func(ast.Expr) ast.Expr) ast.Expr {
	v := reflect.ValueOf(e)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return e
	}
	cp := reflect.New(v.Elem().Type())
	cp.Elem().Set(v.Elem())
	mapFields(cp.Elem(), f)
	return cp.Interface().(ast.Expr)
}

var exprType = reflect.TypeOf((*ast.Expr)(nil)).Elem()

func mapFields(s reflect.Value, f func(ast.Expr) ast.Expr) {
	for i := 0; i < s.NumField(); i++ {
		fv := s.Field(i)
		if !fv.CanSet() {
			continue
		}
		mapValue(fv, f)
	}
}

func mapValue(fv reflect.Value, f func(ast.Expr) ast.Expr) {
	switch {
	case fv.Type() == exprType:
		if !fv.IsNil() {
			fv.Set(reflect.ValueOf(f(fv.Interface().(ast.Expr))))
		}
	case fv.Kind() == reflect.Slice && fv.Type().Elem() == exprType:
		if fv.IsNil() {
			return
		}
		out := reflect.MakeSlice(fv.Type(), fv.Len(), fv.Len())
		for j := 0; j < fv.Len(); j++ {
			if x := fv.Index(j); !x.IsNil() {
				out.Index(j).Set(reflect.ValueOf(f(x.Interface().(ast.Expr))))
			}
		}
		fv.Set(out)
	case fv.Kind() == reflect.Slice && fv.Type().Elem().Kind() == reflect.Struct:
		if fv.IsNil() {
			return
		}
		out := reflect.MakeSlice(fv.Type(), fv.Len(), fv.Len())
		reflect.Copy(out, fv)
		for j := 0; j < out.Len(); j++ {
			mapFields(out.Index(j), f)
		}
		fv.Set(out)
	case fv.Kind() == reflect.Pointer && !fv.IsNil() && fv.Elem().Kind() == reflect.Struct && fv.Type() != reflect.TypeOf((*ast.Select)(nil)):
		if fv.Type().Implements(exprType) {
			return // an expression field of a concrete type: none today
		}
		cp := reflect.New(fv.Elem().Type())
		cp.Elem().Set(fv.Elem())
		mapFields(cp.Elem(), f)
		fv.Set(cp)
	}
}

// indexAST returns the position in list of an expression equal to e (as
// written, positions aside), or -1.
func indexAST(list []ast.Expr, e ast.Expr) int {
	for i, x := range list {
		if equalAST(x, e) {
			return i
		}
	}
	return -1
}

// equalAST reports whether two expressions are written alike: the same
// nodes with the same values, wherever they stand in the text.
func equalAST(a, b ast.Expr) bool {
	return equalValue(reflect.ValueOf(a), reflect.ValueOf(b))
}

var valueType = reflect.TypeOf(types.Value{})

func equalValue(a, b reflect.Value) bool {
	if a.IsValid() != b.IsValid() {
		return false
	}
	if !a.IsValid() {
		return true
	}
	if a.Type() != b.Type() {
		return false
	}
	switch a.Kind() {
	case reflect.Interface, reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return equalValue(a.Elem(), b.Elem())
	case reflect.Struct:
		if a.Type() == valueType {
			return types.Compare(a.Interface().(types.Value), b.Interface().(types.Value)) == 0 &&
				a.Interface().(types.Value).Kind() == b.Interface().(types.Value).Kind()
		}
		for i := 0; i < a.NumField(); i++ {
			if a.Type().Field(i).Name == "Pos" || !a.Type().Field(i).IsExported() {
				continue
			}
			if !equalValue(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	case reflect.Slice:
		if a.Len() != b.Len() {
			return false
		}
		for i := 0; i < a.Len(); i++ {
			if !equalValue(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	}
	return a.Interface() == b.Interface()
}

// walkAST calls f on v and, while f says so, on what it points to and
// holds.
func walkAST(v reflect.Value, f func(reflect.Value) bool) {
	if !v.IsValid() {
		return
	}
	switch v.Kind() {
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return
		}
		if v.CanInterface() && !f(v) {
			return
		}
		walkAST(v.Elem(), f)
	case reflect.Struct:
		if v.Type() == valueType {
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				walkAST(v.Field(i), f)
			}
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			walkAST(v.Index(i), f)
		}
	}
}

// callsGrouping reports whether the select list or HAVING calls
// GROUPING(…).
func callsGrouping(sel *ast.Select) bool {
	return findInSelectList(sel, func(v reflect.Value) bool {
		f, ok := v.Interface().(*ast.Func)
		return ok && f.Name == "grouping"
	})
}

// errGroupingArgs is PostgreSQL's error for GROUPING() of what the query
// does not group by.
func errGroupingArgs() error {
	return sqlerr.New(sqlerr.Grouping, "arguments to GROUPING must be grouping expressions of the associated query level")
}
