package sql

import (
	"testing"

	"github.com/basaltdb/basalt/types"
)

// TestTextValue checks PostgreSQL's text format of each kind, as psql and
// the sqllogic files see values.
func TestTextValue(t *testing.T) {
	ts := types.Timestamp(1704103200_500000) // 2024-01-01T10:00:00.5Z
	cases := []struct {
		v    types.Value
		text string
		null bool
	}{
		{types.Null, "", true},
		{types.Undefined, "", true},
		{types.Bool(true), "t", false},
		{types.Bool(false), "f", false},
		{types.Int(-42), "-42", false},
		{types.Float(2.5), "2.5", false},
		{types.Float(1e20), "1e+20", false},
		{types.Float(0.0001), "0.0001", false},
		{types.String(""), "", false},
		{ts, "2024-01-01 10:00:00.5+00", false},
		{types.Timestamp(1704103200_000000), "2024-01-01 10:00:00+00", false},
		{types.Array([]types.Value{types.Int(1), types.String("a")}), `[1,"a"]`, false},
	}
	for _, c := range cases {
		text, null := TextValue(c.v)
		if text != c.text || null != c.null {
			t.Errorf("%s: %q null=%v, want %q null=%v", c.v.JSON(), text, null, c.text, c.null)
		}
	}
}
