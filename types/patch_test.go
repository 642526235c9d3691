package types

import (
	"errors"
	"strings"
	"testing"
)

func op(name, path string, val string) PatchOp {
	o := PatchOp{Op: name, Path: path}
	if val != "" {
		v, err := NewDecoder(Limits{}).Decode([]byte(val))
		if err != nil {
			panic(err)
		}
		o.Value = v
	}
	return o
}

func opFrom(name, from, path string) PatchOp { return PatchOp{Op: name, From: from, Path: path} }

type patchCase struct {
	name string
	doc  string
	ops  []PatchOp
	want string // expected document; "" when an error is expected
	// On error: the op index and substrings of the message.
	errIndex int
	errMsg   []string
}

func runPatchCases(t *testing.T, cases []patchCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			docText := []byte(tc.doc)
			doc, err := NewDecoder(Limits{}).Decode(docText)
			if err != nil {
				t.Fatal(err)
			}
			before := doc.JSON()
			got, err := ApplyPatch(doc, tc.ops, 1024)
			if after := doc.JSON(); after != before {
				t.Fatalf("ApplyPatch modified its input: %s -> %s", before, after)
			}
			if tc.want == "" {
				var pe *PatchError
				if !errors.As(err, &pe) {
					t.Fatalf("ApplyPatch = %s, %v; want a *PatchError", got.JSON(), err)
				}
				if pe.Index != tc.errIndex {
					t.Errorf("error at op %d, want %d: %v", pe.Index, tc.errIndex, err)
				}
				for _, m := range tc.errMsg {
					if !strings.Contains(err.Error(), m) {
						t.Errorf("error %q does not mention %q", err, m)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("ApplyPatch: %v", err)
			}
			want := mustDecode(t, tc.want)
			if !Equal(got, want) || !identical(sortedFields(got), sortedFields(want)) {
				t.Fatalf("got %s, want %s", debug(got), debug(want))
			}
		})
	}
}

// sortedFields orders object fields by name, so identical ignores field order
// (which JSON-Patch does not define) but still checks kinds.
func sortedFields(v Value) Value {
	switch v.Kind() {
	case KindArray:
		out := make([]Value, v.Len())
		for i, e := range v.Elems() {
			out[i] = sortedFields(e)
		}
		return Array(out)
	case KindObject:
		out := make([]Field, v.Len())
		for i, f := range v.Fields() {
			out[i] = Field{f.Name, sortedFields(f.Value)}
		}
		for i := 1; i < len(out); i++ {
			for j := i; j > 0 && out[j].Name < out[j-1].Name; j-- {
				out[j], out[j-1] = out[j-1], out[j]
			}
		}
		return Object(out)
	}
	return v
}

// TestPatchRFC6902 runs the examples of RFC 6902 Appendix A that apply
// (A.11 and A.13 are about parsing patch JSON, which PatchOp does not do).
func TestPatchRFC6902(t *testing.T) {
	runPatchCases(t, []patchCase{
		{name: "A.1 add object member", doc: `{"foo":"bar"}`,
			ops:  []PatchOp{op("add", "/baz", `"qux"`)},
			want: `{"baz":"qux","foo":"bar"}`},
		{name: "A.2 add array element", doc: `{"foo":["bar","baz"]}`,
			ops:  []PatchOp{op("add", "/foo/1", `"qux"`)},
			want: `{"foo":["bar","qux","baz"]}`},
		{name: "A.3 remove object member", doc: `{"baz":"qux","foo":"bar"}`,
			ops:  []PatchOp{op("remove", "/baz", "")},
			want: `{"foo":"bar"}`},
		{name: "A.4 remove array element", doc: `{"foo":["bar","qux","baz"]}`,
			ops:  []PatchOp{op("remove", "/foo/1", "")},
			want: `{"foo":["bar","baz"]}`},
		{name: "A.5 replace", doc: `{"baz":"qux","foo":"bar"}`,
			ops:  []PatchOp{op("replace", "/baz", `"boo"`)},
			want: `{"baz":"boo","foo":"bar"}`},
		{name: "A.6 move value", doc: `{"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}}`,
			ops:  []PatchOp{opFrom("move", "/foo/waldo", "/qux/thud")},
			want: `{"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}}`},
		{name: "A.7 move array element", doc: `{"foo":["all","grass","cows","eat"]}`,
			ops:  []PatchOp{opFrom("move", "/foo/1", "/foo/3")},
			want: `{"foo":["all","cows","eat","grass"]}`},
		{name: "A.8 test success", doc: `{"baz":"qux","foo":["a",2,"c"]}`,
			ops:  []PatchOp{op("test", "/baz", `"qux"`), op("test", "/foo/1", `2`)},
			want: `{"baz":"qux","foo":["a",2,"c"]}`},
		{name: "A.9 test error", doc: `{"baz":"qux"}`,
			ops:      []PatchOp{op("test", "/baz", `"bar"`)},
			errIndex: 0, errMsg: []string{"operation 0 (test)", "/baz"}},
		{name: "A.10 add nested member object", doc: `{"foo":"bar"}`,
			ops:  []PatchOp{op("add", "/child", `{"grandchild":{}}`)},
			want: `{"foo":"bar","child":{"grandchild":{}}}`},
		{name: "A.12 add to nonexistent target", doc: `{"foo":"bar"}`,
			ops:      []PatchOp{op("add", "/baz/bat", `"qux"`)},
			errIndex: 0, errMsg: []string{"/baz"}},
		{name: "A.14 escape ordering", doc: `{"/":9,"~1":10}`,
			ops:  []PatchOp{op("test", "/~01", `10`)},
			want: `{"/":9,"~1":10}`},
		{name: "A.15 strings and numbers", doc: `{"/":9,"~1":10}`,
			ops:      []PatchOp{op("test", "/~01", `"10"`)},
			errIndex: 0, errMsg: []string{"not \"10\""}},
		{name: "A.16 add array value", doc: `{"foo":["bar"]}`,
			ops:  []PatchOp{op("add", "/foo/-", `["abc","def"]`)},
			want: `{"foo":["bar",["abc","def"]]}`},
		// Section 4 details.
		{name: "add replaces an existing member", doc: `{"a":1}`,
			ops: []PatchOp{op("add", "/a", `2`)}, want: `{"a":2}`},
		{name: "add at array end index", doc: `{"a":[1]}`,
			ops: []PatchOp{op("add", "/a/1", `2`)}, want: `{"a":[1,2]}`},
		{name: "add past array end", doc: `{"a":[1]}`,
			ops: []PatchOp{op("add", "/a/2", `2`)}, errIndex: 0, errMsg: []string{"out of range"}},
		{name: "add leading-zero index", doc: `{"a":[1,2]}`,
			ops: []PatchOp{op("add", "/a/01", `2`)}, errIndex: 0, errMsg: []string{"invalid array index"}},
		{name: "remove missing", doc: `{"a":{"b":1}}`,
			ops: []PatchOp{op("test", "/a/b", "1"), op("remove", "/a/c", "")}, errIndex: 1, errMsg: []string{"operation 1 (remove)", "/a/c does not exist"}},
		{name: "remove past array end", doc: `{"a":[1]}`,
			ops: []PatchOp{op("remove", "/a/1", "")}, errIndex: 0, errMsg: []string{"out of range"}},
		{name: "remove dash", doc: `{"a":[1]}`,
			ops: []PatchOp{op("remove", "/a/-", "")}, errIndex: 0, errMsg: []string{"'-'"}},
		{name: "replace missing", doc: `{"a":1}`,
			ops: []PatchOp{op("replace", "/b", "2")}, errIndex: 0, errMsg: []string{"/b does not exist"}},
		{name: "replace in array", doc: `{"a":[1,2]}`,
			ops: []PatchOp{op("replace", "/a/0", `"x"`)}, want: `{"a":["x",2]}`},
		{name: "copy", doc: `{"a":{"b":[1]},"c":{}}`,
			ops: []PatchOp{opFrom("copy", "/a/b", "/c/d")}, want: `{"a":{"b":[1]},"c":{"d":[1]}}`},
		{name: "copy missing from", doc: `{"a":1}`,
			ops: []PatchOp{opFrom("copy", "/x/y", "/b")}, errIndex: 0, errMsg: []string{"from", "/x does not exist"}},
		{name: "move into own child", doc: `{"a":{"b":{}}}`,
			ops: []PatchOp{opFrom("move", "/a", "/a/b/c")}, errIndex: 0, errMsg: []string{"own child"}},
		{name: "move to itself", doc: `{"a":1,"b":2}`,
			ops: []PatchOp{opFrom("move", "/a", "/a")}, want: `{"a":1,"b":2}`},
		{name: "move to sibling prefix name", doc: `{"a":{"x":1},"ab":{}}`,
			ops: []PatchOp{opFrom("move", "/a", "/ab/a")}, want: `{"ab":{"a":{"x":1}}}`},
		{name: "test object any order", doc: `{"a":{"x":1,"y":[1.0]}}`,
			ops: []PatchOp{op("test", "/a", `{"y":[1],"x":1.0}`)}, want: `{"a":{"x":1,"y":[1.0]}}`},
		{name: "empty path", doc: `{"a":1}`,
			ops: []PatchOp{op("replace", "", "{}")}, errIndex: 0, errMsg: []string{"must not be empty"}},
		{name: "path without slash", doc: `{"a":1}`,
			ops: []PatchOp{op("remove", "a", "")}, errIndex: 0, errMsg: []string{"must start with '/'"}},
		{name: "bad tilde", doc: `{"a":1}`,
			ops: []PatchOp{op("remove", "/a~2", "")}, errIndex: 0, errMsg: []string{"'~'"}},
		{name: "unknown op", doc: `{"a":1}`,
			ops: []PatchOp{op("test", "/a", "1"), op("frobnicate", "/a", "1")}, errIndex: 1, errMsg: []string{`"frobnicate"`}},
		{name: "add without value", doc: `{"a":1}`,
			ops: []PatchOp{op("add", "/b", "")}, errIndex: 0, errMsg: []string{"missing value"}},
		{name: "add empty field name", doc: `{"a":1}`,
			ops: []PatchOp{op("add", "/", "1")}, errIndex: 0, errMsg: []string{"must not be empty"}},
		{name: "add control char field name", doc: `{"a":1}`,
			ops: []PatchOp{op("add", "/a\x01", "1")}, errIndex: 0, errMsg: []string{"control character"}},
		{name: "add under a scalar", doc: `{"a":1}`,
			ops: []PatchOp{op("add", "/a/b", "1")}, errIndex: 0, errMsg: []string{"/a"}},
		{name: "ops apply in sequence", doc: `{}`,
			ops:  []PatchOp{op("add", "/a", "[]"), op("add", "/a/-", "1"), op("add", "/a/0", "0"), opFrom("copy", "/a", "/b"), op("remove", "/a/1", "")},
			want: `{"a":[0],"b":[0,1]}`},
		{name: "all or nothing", doc: `{"a":1}`,
			ops: []PatchOp{op("add", "/b", "2"), op("remove", "/zzz", "")}, errIndex: 1, errMsg: []string{"/zzz"}},
	})
}

func TestPatchIncrement(t *testing.T) {
	runPatchCases(t, []patchCase{
		{name: "int+int", doc: `{"n":1}`, ops: []PatchOp{op("increment", "/n", "41")}, want: `{"n":42}`},
		{name: "int+negative", doc: `{"n":1}`, ops: []PatchOp{op("increment", "/n", "-3")}, want: `{"n":-2}`},
		{name: "int+float", doc: `{"n":1}`, ops: []PatchOp{op("increment", "/n", "0.5")}, want: `{"n":1.5}`},
		{name: "float+int", doc: `{"n":1.5}`, ops: []PatchOp{op("increment", "/n", "1")}, want: `{"n":2.5}`},
		{name: "int+integral float stays float", doc: `{"n":1}`, ops: []PatchOp{op("increment", "/n", "1.0")}, want: `{"n":2.0}`},
		{name: "overflow", doc: `{"n":9223372036854775807}`, ops: []PatchOp{op("increment", "/n", "1")},
			errIndex: 0, errMsg: []string{"overflow", "/n"}},
		{name: "negative overflow", doc: `{"n":-9223372036854775808}`, ops: []PatchOp{op("increment", "/n", "-1")},
			errIndex: 0, errMsg: []string{"overflow"}},
		{name: "no overflow at the edge", doc: `{"n":9223372036854775806}`, ops: []PatchOp{op("increment", "/n", "1")},
			want: `{"n":9223372036854775807}`},
		{name: "float overflow", doc: `{"n":1.7976931348623157e308}`, ops: []PatchOp{op("increment", "/n", "1.7976931348623157e308")},
			errIndex: 0, errMsg: []string{"overflow"}},
		{name: "absent creates", doc: `{"a":{}}`, ops: []PatchOp{op("increment", "/a/n", "5")}, want: `{"a":{"n":5}}`},
		{name: "absent parent", doc: `{}`, ops: []PatchOp{op("increment", "/a/n", "5")}, errIndex: 0, errMsg: []string{"/a"}},
		{name: "in array", doc: `{"a":[1,2]}`, ops: []PatchOp{op("increment", "/a/1", "5")}, want: `{"a":[1,7]}`},
		{name: "non-numeric target", doc: `{"s":"x"}`, ops: []PatchOp{op("increment", "/s", "1")},
			errIndex: 0, errMsg: []string{"cannot increment a string", "/s"}},
		{name: "null target", doc: `{"s":null}`, ops: []PatchOp{op("increment", "/s", "1")},
			errIndex: 0, errMsg: []string{"cannot increment a null"}},
		{name: "non-numeric value", doc: `{"n":1}`, ops: []PatchOp{op("test", "/n", "1"), op("increment", "/n", `"1"`)},
			errIndex: 1, errMsg: []string{"operation 1 (increment)", "must be a number"}},
		{name: "case-insensitive", doc: `{"n":1,"m":{}}`,
			ops:  []PatchOp{op("INCREMENT", "/n", "1"), op("Add", "/x", "1"), op("rEmOvE", "/m", ""), op("TEST", "/x", "1")},
			want: `{"n":2,"x":1}`},
	})
	// The error names the op in lower case whatever case it was given in.
	_, err := ApplyPatch(mustDecode(t, `{}`), []PatchOp{op("Remove", "/q", "")}, 0)
	if err == nil || !strings.Contains(err.Error(), "(remove)") {
		t.Fatalf("error %v should name the op", err)
	}
}

func TestPatchFieldNameLimit(t *testing.T) {
	doc := mustDecode(t, `{}`)
	if _, err := ApplyPatch(doc, []PatchOp{op("add", "/abcde", "1")}, 4); err == nil {
		t.Fatal("a field name over maxNameBytes was accepted")
	}
	if _, err := ApplyPatch(doc, []PatchOp{op("add", "/abcd", "1")}, 4); err != nil {
		t.Fatal(err)
	}
}

func TestParsePointer(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		ok   bool
	}{
		{"", nil, true},
		{"/", []string{""}, true},
		{"/a/b", []string{"a", "b"}, true},
		{"/a~1b/~0~1", []string{"a/b", "~/"}, true},
		{"/~01", []string{"~1"}, true},
		{"//", []string{"", ""}, true},
		{"a", nil, false},
		{"/~", nil, false},
		{"/~x", nil, false},
	} {
		got, err := ParsePointer(tc.in)
		if (err == nil) != tc.ok || strings.Join(got, "|") != strings.Join(tc.want, "|") || len(got) != len(tc.want) {
			t.Errorf("ParsePointer(%q) = %q, %v", tc.in, got, err)
		}
		// escapePointer is ParsePointer's inverse.
		if tc.ok && pointerOf(got) != tc.in {
			t.Errorf("pointerOf(%q) = %q, want %q", got, pointerOf(got), tc.in)
		}
	}
}
