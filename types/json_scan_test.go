package types

import (
	"strings"
	"testing"
)

func TestScalarMember(t *testing.T) {
	deep := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	for _, tc := range []struct {
		in   string
		want string // the member's JSON, or "" when not found
	}{
		{`{"_id":"a"}`, `"a"`},
		{` { "_id" : "a" , "x" : 1 } `, `"a"`},
		{`{"x":1,"_id":"a"}`, `"a"`},
		{`{"_id":7}`, `7`},
		{`{"_id":-7.5e1}`, `-75.0`},
		{`{"_i\u0064":"escaped name"}`, `"escaped name"`},
		{`{"_id":"esc\"aped"}`, `"esc\"aped"`},
		{`{"":1,"_id":"a"}`, `"a"`},
		{"{\"bad\xffname\":1,\"_id\":\"a\"}", `"a"`},
		{`{"_id":"a","x":` + deep + `}`, `"a"`},
		{`{"x":` + deep + `,"_id":"a"}`, `"a"`},
		{`{"x":{"_id":"inner"},"_id":"a"}`, `"a"`},
		{`{"x":"\"_id\":\"fake\""}`, ``},
		{`{"x":{"_id":"inner"}}`, ``},
		{`{"_id":"a","_id":"b"}`, ``},
		{`{"_id":null}`, ``},
		{`{"_id":true}`, ``},
		{`{"_id":[1]}`, ``},
		{`{"_id":{"a":1}}`, ``},
		{"{\"_id\":\"\xff\"}", ``},
		{`{"_id":1e999}`, ``},
		{`{"_id":12abc}`, ``},
		{`{"_id":01}`, ``},
		{`{}`, ``},
		{`[{"_id":"a"}]`, ``},
		{`"_id"`, ``},
		{``, ``},
		{`{"_id":"a"`, ``},
		{`{"_id":"a",}`, ``},
		{`{"_id" "a"}`, ``},
		{`{"_id":"a"} x`, ``},
	} {
		v, ok := ScalarMember([]byte(tc.in), "_id")
		got := ""
		if ok {
			got = v.JSON()
		}
		if got != tc.want {
			in := tc.in
			if len(in) > 60 {
				in = in[:60] + "…"
			}
			t.Errorf("ScalarMember(%q) = %s, %v; want %q", in, got, ok, tc.want)
		}
	}
}

// FuzzScalarMember: ScalarMember never panics, and on every object the
// decoder accepts it finds exactly the member Get finds, when that is a
// string or a number.
func FuzzScalarMember(f *testing.F) {
	for _, s := range []string{
		`{"_id":"a","x":[1,{"_id":2}]}`, `{"x":1,"_id":-1.5e3}`, `{"_i\u0064":"e"}`,
		`{"_id":"a","_id":"b"}`, `{"":1,"_id":"a"}`, `{"_id":12345678901234567890}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, ok := ScalarMember(b, "_id")
		v, err := NewDecoder(Limits{}).Decode(b)
		if err != nil || v.Kind() != KindObject {
			return
		}
		want := v.Get("_id")
		switch want.Kind() {
		case KindString, KindInt, KindFloat:
			if !ok || !identical(got, want) {
				t.Fatalf("ScalarMember(%q) = %s, %v; want %s", b, debug(got), ok, debug(want))
			}
		default:
			if ok {
				t.Fatalf("ScalarMember(%q) = %s; want none (the member is %s)", b, debug(got), debug(want))
			}
		}
	})
}
