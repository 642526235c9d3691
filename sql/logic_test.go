package sql

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/internal/sqllogic"
	"github.com/basaltdb/basalt/sql/parse"
	"github.com/basaltdb/basalt/storage"
	"github.com/basaltdb/basalt/types"
)

// TestLogic runs the sqllogictest files of testdata/logic against Basalt
// three times: with the loaded documents in the mutable segment, sealed
// into segment files, and compacted. The answers must not depend on where
// the rows live.
func TestLogic(t *testing.T) {
	for _, mode := range []loadMode{loadMutable, loadSealed, loadCompacted} {
		t.Run(mode.String(), func(t *testing.T) {
			sqllogic.RunDir(t, "testdata/logic/*.test", func(t *testing.T) sqllogic.DB {
				return newLogicDB(t, mode)
			})
		})
	}
}

type loadMode int

const (
	loadMutable loadMode = iota
	loadSealed
	loadCompacted
)

func (m loadMode) String() string { return [...]string{"mutable", "sealed", "compacted"}[m] }

// logicDB runs test records on a Session over an in-memory engine. Besides
// SQL it knows one directive, for loading documents into a collection
// (which it creates when missing), one JSON document per line:
//
//	statement ok
//	LOAD coll
//	{"_id": "a", "x": 1}
//	{"_id": "b", "x": [1, 2]}
//
// A document the engine rejects fails the statement, naming it.
type logicDB struct {
	eng  *storage.Engine
	sess *Session
	mode loadMode
}

func newLogicDB(t *testing.T, mode loadMode) *logicDB {
	eng := openTestEngine(t, 0)
	return &logicDB{eng: eng, sess: NewSession(eng, Limits{}), mode: mode}
}

func (d *logicDB) Engine() string { return sqllogic.EngineBasalt }

func (d *logicDB) Exec(ctx context.Context, text string) error {
	if coll, docs, ok := loadDirective(text); ok {
		return d.load(ctx, coll, docs)
	}
	_, err := d.sess.Query(ctx, text, Params{})
	return err
}

func (d *logicDB) Query(ctx context.Context, text string) ([]string, [][]sqllogic.Cell, error) {
	res, err := d.sess.Query(ctx, text, Params{})
	if err != nil {
		return nil, nil, err
	}
	if err := d.checkDescribe(ctx, text, res); err != nil {
		return nil, nil, err
	}
	cols := make([]string, len(res.Columns))
	for i, c := range res.Columns {
		cols[i] = c.Name
	}
	rows := make([][]sqllogic.Cell, len(res.Rows))
	for i, r := range res.Rows {
		rows[i] = make([]sqllogic.Cell, len(r))
		for j, v := range r {
			text, null := TextValue(v)
			rows[i][j] = sqllogic.Cell{Null: null, Text: text}
		}
	}
	return cols, rows, nil
}

// checkDescribe checks that the columns Describe promises before a query
// runs (what the PostgreSQL protocol tells a client preparing it) hold the
// values the query gave: a value of another kind fails a prepared
// statement on the protocol (0A000, errTypeChanged there).
func (d *logicDB) checkDescribe(ctx context.Context, text string, res *Result) error {
	st, err := parse.ParseOne(text)
	if err != nil {
		return nil // several statements, or a directive: nothing to describe
	}
	cols, err := d.sess.Describe(ctx, st, Params{})
	if err != nil || len(cols) != len(res.Columns) {
		return nil // not a query the protocol describes this way
	}
	for _, r := range res.Rows {
		for j, v := range r {
			if !describedFits(cols[j].Type, v) {
				return fmt.Errorf("Describe says column %q is %s, but the query gave %s %s", cols[j].Name, cols[j].Type, v.Kind(), v.JSON())
			}
		}
	}
	return nil
}

// describedFits reports whether v fits a column described as typ, as the
// PostgreSQL protocol encodes it (server/pgwire appendValue): text and
// jsonb columns take anything, numbers take ints and floats (an int8
// column an integral float), the rest their own kind.
func describedFits(typ string, v types.Value) bool {
	k := v.Kind()
	if k <= types.KindNull {
		return true
	}
	switch typ {
	case "int":
		return k == types.KindInt || (k == types.KindFloat && v.Float() == math.Trunc(v.Float()))
	case "float":
		return k == types.KindInt || k == types.KindFloat
	case "bool":
		return k == types.KindBool
	case "timestamp":
		return k == types.KindTimestamp
	case "interval":
		return k == types.KindInterval
	}
	return true
}

// loadDirective splits "LOAD coll\n{doc}\n{doc}…".
func loadDirective(text string) (coll string, docs []string, ok bool) {
	first, rest, _ := strings.Cut(text, "\n")
	f := strings.Fields(first)
	if len(f) != 2 || !strings.EqualFold(f[0], "LOAD") {
		return "", nil, false
	}
	for _, l := range strings.Split(rest, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			docs = append(docs, l)
		}
	}
	return f[1], docs, true
}

func (d *logicDB) load(ctx context.Context, coll string, docs []string) error {
	if _, err := d.eng.CreateCollection(DefaultWorkspace, catalog.CollectionSpec{Name: coll}); err != nil && !errors.Is(err, catalog.ErrAlreadyExists) {
		return err
	}
	var ops []storage.WriteOp
	for i, text := range docs {
		v, err := types.NewDecoder(types.Limits{}).Decode([]byte(text))
		if err != nil {
			return fmt.Errorf("document %d: %v", i+1, err)
		}
		ops = append(ops, storage.WriteOp{Kind: storage.OpUpsert, Doc: v})
	}
	res, _, err := d.eng.Write(ctx, DefaultWorkspace, coll, ops)
	if err != nil {
		return err
	}
	for i, r := range res {
		if r.Err != nil {
			return fmt.Errorf("document %d: %s", i+1, r.Err.Message)
		}
	}
	if d.mode >= loadSealed {
		if err := d.eng.Flush(ctx, DefaultWorkspace, coll); err != nil {
			return err
		}
	}
	if d.mode == loadCompacted {
		d.eng.RunMaintenance(ctx)
	}
	return nil
}
