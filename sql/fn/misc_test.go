package fn

import (
	"regexp"
	"testing"
)

func TestMiscFuncs(t *testing.T) {
	runFnCases(t, []fnCase{
		{name: "version", want: s(Version)},
		{name: "nullif", args: vals(i(1), i(1)), want: null},
		{name: "nullif", args: vals(i(1), i(2)), want: i(1)},
		{name: "nullif", args: vals(i(1), f(1)), want: null},
		{name: "nullif", args: vals(null, i(1)), want: null},
		{name: "nullif", args: vals(i(1), null), want: i(1)},
		{name: "nullif", args: vals(s("1"), i(1)), want: s("1")},
		{name: "coalesce", args: vals(undef, null, i(2), i(3)), want: i(2)},
		{name: "coalesce", args: vals(null, undef), want: null},
	})
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	for _, name := range []string{"gen_random_uuid", "uuid"} {
		fn, _ := Lookup(name)
		a, _ := fn.Call(testCtx, nil)
		b, _ := fn.Call(testCtx, nil)
		if !uuid.MatchString(a.Str()) || a.Str() == b.Str() {
			t.Errorf("%s() = %q, %q", name, a.Str(), b.Str())
		}
	}
	if !regexp.MustCompile(`^PostgreSQL \d+\.\d+ `).MatchString(Version) {
		t.Errorf("Version %q does not start the way clients parse it", Version)
	}
}
