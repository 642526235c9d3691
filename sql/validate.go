package sql

import (
	"context"
	"reflect"
	"strconv"

	"github.com/basaltdb/basalt/sql/ast"
	"github.com/basaltdb/basalt/sql/parse"
	"github.com/basaltdb/basalt/sql/plan"
	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/basaltdb/basalt/types"
)

// Validation is what parsing and binding a statement found, without
// running it.
type Validation struct {
	// Collections the statement reads or writes, "ws.name", in the order
	// the binder met them.
	Collections []string
	// Parameters the statement uses: named ones by name (without the
	// colon), then positional ones as "$1", "$2", … in order of first use.
	Parameters []string
}

// Validate parses and binds one statement, as Rockset's query validation
// does: syntax, collections, functions and types are checked; nothing is
// executed. A parameter without a value in params binds as NULL, so that a
// statement can be checked before its values are known.
func (s *Session) Validate(ctx context.Context, text string, params Params) (*Validation, error) {
	stmt, err := parse.ParseOne(text)
	if err != nil {
		return nil, locate(err, text)
	}
	v := &Validation{Parameters: paramNames(stmt)}
	filled := Params{Positional: params.Positional, Named: map[string]types.Value{}}
	for k, val := range params.Named {
		filled.Named[k] = val
	}
	for _, name := range v.Parameters {
		if len(name) > 1 && name[0] == '$' {
			if n, err := strconv.Atoi(name[1:]); err == nil {
				for len(filled.Positional) < n {
					filled.Positional = append(filled.Positional, types.Null)
				}
			}
			continue
		}
		if _, ok := filled.Named[name]; !ok {
			filled.Named[name] = types.Null
		}
	}
	if err := s.bind(ctx, stmt, filled, v); err != nil {
		return nil, locate(err, text)
	}
	return v, nil
}

func (s *Session) bind(ctx context.Context, stmt ast.Statement, params Params, v *Validation) error {
	switch st := stmt.(type) {
	case *ast.Select:
		snaps := &snapshots{s: s, open: map[string]*table{}}
		defer snaps.close()
		b := plan.NewBinder(snaps, params, s.fnCtx())
		if _, err := b.Bind(st); err != nil {
			return err
		}
		v.Collections = append(v.Collections, dedupe(b.Collections)...)
	case *ast.Explain:
		return s.bind(ctx, st.Stmt, params, v)
	case *ast.Insert:
		if err := s.bind(ctx, st.Query, params, v); err != nil {
			return err
		}
		ws := st.Table.Schema
		if ws == "" {
			ws = DefaultWorkspace
		}
		snaps := &snapshots{s: s, open: map[string]*table{}}
		defer snaps.close()
		if _, err := snaps.Table(ws, st.Table.Name); err != nil {
			return err
		}
		v.Collections = dedupe(append(v.Collections, ws+"."+st.Table.Name))
	case *ast.Describe:
		snaps := &snapshots{s: s, open: map[string]*table{}}
		defer snaps.close()
		t, err := snaps.Table(st.Table.Schema, st.Table.Name)
		if err != nil {
			return err
		}
		v.Collections = append(v.Collections, t.Workspace()+"."+t.Name())
	case *ast.Set, *ast.Show, *ast.Transaction, *ast.Empty:
	default:
		return sqlerr.New(sqlerr.FeatureNotSupported, "statement %T is not supported", stmt)
	}
	return nil
}

// paramNames lists the parameters a statement uses: named ones first, in
// order of first use, then positional ones by number.
func paramNames(stmt ast.Statement) []string {
	var named []string
	seen := map[string]bool{}
	maxPos := 0
	posSeen := map[int]bool{}
	walkParams(reflect.ValueOf(stmt), func(p *ast.Param) {
		if p.Name != "" {
			if !seen[p.Name] {
				seen[p.Name] = true
				named = append(named, p.Name)
			}
			return
		}
		posSeen[p.Index] = true
		maxPos = max(maxPos, p.Index)
	})
	for i := 1; i <= maxPos; i++ {
		if posSeen[i] {
			named = append(named, "$"+strconv.Itoa(i))
		}
	}
	return named
}

var (
	paramType = reflect.TypeOf((*ast.Param)(nil))
	valueType = reflect.TypeOf(types.Value{})
)

// walkParams calls f for every parameter in an AST. The AST is a tree of
// pointers, slices and interfaces with no cycles; walking it by reflection
// keeps this in step with every node type the parser produces, where a
// hand-written walk would silently miss new ones. Literal values hold no
// parameters and are skipped.
func walkParams(v reflect.Value, f func(*ast.Param)) {
	switch v.Kind() {
	case reflect.Interface:
		if !v.IsNil() {
			walkParams(v.Elem(), f)
		}
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		if v.Type() == paramType {
			f(v.Interface().(*ast.Param))
			return
		}
		walkParams(v.Elem(), f)
	case reflect.Struct:
		if v.Type() == valueType {
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				walkParams(v.Field(i), f)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			walkParams(v.Index(i), f)
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			walkParams(it.Value(), f)
		}
	}
}
