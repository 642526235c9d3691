package plan

import (
	"reflect"
	"strings"

	"github.com/basaltdb/basalt/sql/ast"
)

// unnestAlias names the FROM item a select-list unnest() becomes; the
// space keeps it from meeting any name a query can spell unquoted.
const unnestAlias = " unnest"

// liftUnnest turns a select-list unnest(x), generate_series(…) or
// regexp_matches(…),
// PostgreSQL's set-returning calls, into the lateral FROM item it is
// equivalent to:
//
//	SELECT unnest(x) AS u, y FROM t  →  SELECT " unnest".u, y FROM t, unnest(x) AS " unnest"(u)
//
// Each input row yields a row per element of x, none when x is NULL or
// empty, as PostgreSQL's projection does. Only the simple case is taken:
// one unnest with one argument, at the top of a target, in a SELECT block
// without aggregates, grouping or windows (where PostgreSQL would expand
// after aggregating, or zip several set-returning calls). Other queries
// are returned unchanged and fail as before: unnest is no scalar function.
// sel is not modified (parsed statements are shared through the cache).
func liftUnnest(sel *ast.Select) *ast.Select {
	if sel.SetOp != "" || sel.Values != nil || len(sel.GroupBy) > 0 || sel.Having != nil || len(sel.Windows) > 0 {
		return sel
	}
	at := -1
	for i, t := range sel.Targets {
		f, ok := t.Expr.(*ast.Func)
		if ok && isSRF(f.Name) {
			if at >= 0 || (isUnnest(f.Name) && len(f.Args) != 1) || f.Star || f.Distinct || f.Filter != nil || f.Over != nil || len(f.OrderBy) > 0 {
				return sel
			}
			at = i
		}
	}
	if at < 0 {
		return sel
	}
	for i, t := range sel.Targets {
		// The unnest's argument, and every other target, must hold no
		// other set-returning call, aggregate or window function.
		var x any = t.Expr
		if i == at {
			x = t.Expr.(*ast.Func).Args[0]
		}
		if containsFunc(reflect.ValueOf(x), func(f *ast.Func) bool {
			return isSRF(f.Name) || aggregates[f.Name] || f.Over != nil
		}) {
			return sel
		}
	}
	for _, f := range sel.From {
		if ft, ok := f.(*ast.FuncTable); ok && ft.Alias == unnestAlias {
			return sel
		}
	}
	f := sel.Targets[at].Expr.(*ast.Func)
	name := strings.TrimPrefix(f.Name, "pg_catalog.")
	col := sel.Targets[at].Alias
	if col == "" {
		col = name
	}
	out := *sel
	out.Targets = append([]ast.Target(nil), sel.Targets...)
	out.Targets[at] = ast.Target{Expr: &ast.ColumnRef{Parts: []string{unnestAlias, col}, Pos: f.Pos}, Alias: col, Pos: sel.Targets[at].Pos}
	out.From = append(append([]ast.TableExpr(nil), sel.From...),
		&ast.FuncTable{Func: &ast.Func{Name: name, Args: f.Args, Pos: f.Pos}, Alias: unnestAlias, ColAliases: []string{col}, Lateral: true, Pos: f.Pos})
	return &out
}

// isSRF reports whether name is a set-returning function liftUnnest
// moves from a select list into FROM.
func isSRF(name string) bool {
	switch strings.TrimPrefix(name, "pg_catalog.") {
	case "unnest", "generate_series", "regexp_matches":
		return true
	}
	return false
}

func isUnnest(name string) bool {
	return strings.TrimPrefix(name, "pg_catalog.") == "unnest"
}

// containsFunc reports whether the AST under v holds a call for which
// pred is true. It does not descend into subqueries, which are blocks of
// their own.
func containsFunc(v reflect.Value, pred func(*ast.Func) bool) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return false
		}
		if f, ok := v.Interface().(*ast.Func); ok && pred(f) {
			return true
		}
		if _, ok := v.Interface().(*ast.Select); ok {
			return false
		}
		return containsFunc(v.Elem(), pred)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() && containsFunc(v.Field(i), pred) {
				return true
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			if containsFunc(v.Index(i), pred) {
				return true
			}
		}
	}
	return false
}
