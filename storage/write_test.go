package storage

import (
	"testing"

	"github.com/basaltdb/basalt/types"
)

// TestNormalizeID maps _id values, as a document's JSON spells them, to
// their string form: an integer literal out of the int64 range keeps its
// exact digits, and equal numbers within it name one document.
func TestNormalizeID(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`"100"`, "100"},
		{`100`, "100"},
		{`1e2`, "100"},
		{`100.0`, "100"},
		{`-7`, "-7"},
		{`1.5`, "1.5"},
		{`9223372036854775807`, "9223372036854775807"},
		{`-9223372036854775808`, "-9223372036854775808"},
		{`9223372036854775808`, "9223372036854775808"},
		{`12345678901234567890`, "12345678901234567890"},
		{`12345678901234567891`, "12345678901234567891"},
		{`-12345678901234567890`, "-12345678901234567890"},
		{`18446744073709551615`, "18446744073709551615"},
		{`123456789012345678901234567890`, "123456789012345678901234567890"},
		// Past int64 with a fraction or an exponent: the float's form,
		// as before.
		{`1e19`, "1e+19"},
		{`12345678901234567890.0`, "1.2345678901234567e+19"},
		{`"12345678901234567890"`, "12345678901234567890"},
	} {
		v, err := types.NewDecoder(types.Limits{}).Decode([]byte(tc.in))
		if err != nil {
			t.Fatal(err)
		}
		if got, err := NormalizeID(v); err != nil || got != tc.want {
			t.Errorf("NormalizeID(%s) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{`""`, `null`, `true`, `[1]`, `{}`} {
		v, err := types.NewDecoder(types.Limits{}).Decode([]byte(in))
		if err != nil {
			t.Fatal(err)
		}
		if got, err := NormalizeID(v); err == nil {
			t.Errorf("NormalizeID(%s) = %q, want an error", in, got)
		}
	}
}
