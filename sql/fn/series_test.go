package fn

import (
	"testing"

	"github.com/basaltdb/basalt/types"
)

func TestGenerateSeries(t *testing.T) {
	iv := func(x string) types.Value {
		v, err := Cast(s(x), TypeInterval)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		args []types.Value
		want types.Value
		code string
	}{
		{args: []types.Value{i(1), i(3)}, want: arr(i(1), i(2), i(3))},
		{args: []types.Value{i(10), i(1), i(-4)}, want: arr(i(10), i(6), i(2))},
		{args: []types.Value{i(3), i(1)}, want: arr()},
		{args: []types.Value{i(1), null}, want: arr()},
		{args: []types.Value{i(9223372036854775806), i(9223372036854775807), i(5)}, want: arr(i(9223372036854775806))},
		{args: []types.Value{i(1), f(2), f(0.5)}, want: arr(f(1), f(1.5), f(2))},
		{args: []types.Value{ts("2024-01-31T00:00:00Z"), ts("2024-03-31T00:00:00Z"), iv("1 month")},
			want: arr(ts("2024-01-31T00:00:00Z"), ts("2024-02-29T00:00:00Z"), ts("2024-03-29T00:00:00Z"))},
		{args: []types.Value{ts("2024-01-02T00:00:00Z"), s("2024-01-01 12:00"), s("-6 hours")},
			want: arr(ts("2024-01-02T00:00:00Z"), ts("2024-01-01T18:00:00Z"), ts("2024-01-01T12:00:00Z"))},
		{args: []types.Value{i(1), i(2), i(0)}, code: "22023"},
		{args: []types.Value{f(1), f(2), f(0)}, code: "22023"},
		{args: []types.Value{ts("2024-01-01T00:00:00Z"), ts("2024-01-02T00:00:00Z"), iv("0 days")}, code: "22023"},
		{args: []types.Value{ts("2024-01-01T00:00:00Z"), ts("2024-01-02T00:00:00Z")}, code: "42883"},
		{args: []types.Value{s("a"), s("b")}, code: "42883"},
	}
	for _, c := range cases {
		got, err := GenerateSeries(c.args)
		if c.code != "" {
			if errCode(err) != c.code {
				t.Errorf("generate_series%v: %v, want %s", c.args, err, c.code)
			}
			continue
		}
		if err != nil || !same(got, c.want) {
			t.Errorf("generate_series%v = %v, %v; want %v", c.args, got, err, c.want)
		}
	}
}
