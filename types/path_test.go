package types

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

func TestParsePath(t *testing.T) {
	for _, tc := range []struct {
		in    string
		want  Path
		canon string
	}{
		{"a", Path{{Name: "a"}}, "a"},
		{"user.device.os", FieldPath("user", "device", "os"), "user.device.os"},
		{"tags[1]", Path{{Name: "tags"}, {Index: 1, IsIndex: true}}, "tags[1]"},
		{"items[*].qty", Path{{Name: "items"}, {Wildcard: true}, {Name: "qty"}}, "items[*].qty"},
		{"m[2][*][3].x", Path{{Name: "m"}, {Index: 2, IsIndex: true}, {Wildcard: true}, {Index: 3, IsIndex: true}, {Name: "x"}}, "m[2][*][3].x"},
		{`x."a.b"`, FieldPath("x", "a.b"), `x."a.b"`},
		{`"say ""hi"""`, FieldPath(`say "hi"`), `"say ""hi"""`},
		{`"a[1]"[1]`, Path{{Name: "a[1]"}, {Index: 1, IsIndex: true}}, `"a[1]"[1]`},
		{`"plain"`, FieldPath("plain"), "plain"},
		{`""`, FieldPath(""), `""`},
		{"a-b.c d", FieldPath("a-b", "c d"), `"a-b"."c d"`},
		{"_x9.é", FieldPath("_x9", "é"), `_x9."é"`},
		{"9a", FieldPath("9a"), `"9a"`},
	} {
		p, err := ParsePath(tc.in)
		if err != nil {
			t.Errorf("ParsePath(%q): %v", tc.in, err)
			continue
		}
		if !reflect.DeepEqual(p, tc.want) {
			t.Errorf("ParsePath(%q) = %#v, want %#v", tc.in, p, tc.want)
		}
		if got := p.String(); got != tc.canon {
			t.Errorf("ParsePath(%q).String() = %q, want %q", tc.in, got, tc.canon)
		}
	}
}

func TestParsePathErrors(t *testing.T) {
	for _, in := range []string{
		"", ".", "a.", ".a", "a..b", "[1]", "[*]", "a[0]", "a[-1]", "a[x]", "a[]", "a[1", `"a`, `"a"b`,
		`a"b"`, "a[1]b", `"a""`, "a.[1]", "a.[*].b", "a[1].",
	} {
		if p, err := ParsePath(in); err == nil {
			t.Errorf("ParsePath(%q) = %#v, want an error", in, p)
		}
	}
}

func randPath(r *rand.Rand) Path {
	p := Path{{Name: randPathName(r)}}
	for range r.IntN(5) {
		switch r.IntN(4) {
		case 0:
			p = append(p, PathElem{Index: 1 + r.IntN(1000), IsIndex: true})
		case 1:
			p = append(p, PathElem{Wildcard: true})
		default:
			p = append(p, PathElem{Name: randPathName(r)})
		}
	}
	return p
}

func randPathName(r *rand.Rand) string {
	const alphabet = `ab_Z09."[]*. -é`
	runes := []rune(alphabet)
	var b strings.Builder
	for range r.IntN(6) {
		b.WriteRune(runes[r.IntN(len(runes))])
	}
	return b.String()
}

func TestPathRoundTrip(t *testing.T) {
	r := newRand(t)
	for range 20000 {
		p := randPath(r)
		s := p.String()
		q, err := ParsePath(s)
		if err != nil {
			t.Fatalf("ParsePath(%q) of %#v: %v", s, p, err)
		}
		if !reflect.DeepEqual(p, q) {
			t.Fatalf("round trip of %q:\n got %#v\nwant %#v", s, q, p)
		}
		if q.String() != s {
			t.Fatalf("canonical text not stable: %q vs %q", q.String(), s)
		}
	}
}

func TestPathEval(t *testing.T) {
	doc := mustDecode(t, `{"a":{"b":[10,{"c":"x"}]},"d.e":1,"n":null}`)
	for _, tc := range []struct {
		path string
		want string
	}{
		{"a.b[1]", "10"},
		{"a.b[2].c", `"x"`},
		{"a.b[3]", "undefined"},
		{`"d.e"`, "1"},
		{"d.e", "undefined"},
		{"n", "null"},
		{"n.x", "undefined"},
		{"a.b[*]", "undefined"},
		{"a[1]", "undefined"},
		{"a.b.c", "undefined"},
	} {
		p, err := ParsePath(tc.path)
		if err != nil {
			t.Fatal(err)
		}
		v := p.Eval(doc)
		got := v.JSON()
		if v.IsUndefined() {
			got = "undefined"
		}
		if got != tc.want {
			t.Errorf("Eval(%s) = %s, want %s", tc.path, got, tc.want)
		}
	}
}

type leaf struct {
	path string
	val  string
}

func collectFlatten(doc Value) []leaf {
	var out []leaf
	Flatten(doc, nil, func(path []byte, v Value) {
		out = append(out, leaf{string(path), v.JSON()})
	})
	return out
}

func TestFlatten(t *testing.T) {
	doc := mustDecode(t, `{
		"a": 1,
		"b": {"c": "x", "d": {"e": true}},
		"f": [1, {"g": 2}, [3]],
		"h": {},
		"i.j": null,
		"k": {"l": {}, "m": []},
		"say \"hi\"": {"0": 0}
	}`)
	want := []leaf{
		{"a", "1"},
		{"b.c", `"x"`},
		{"b.d.e", "true"},
		{"f", `[1,{"g":2},[3]]`},
		{"h", "{}"},
		{`"i.j"`, "null"},
		{"k.l", "{}"},
		{"k.m", "[]"},
		{`"say ""hi"""."0"`, "0"},
	}
	got := collectFlatten(doc)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Flatten:\n got %q\nwant %q", got, want)
	}
	// Every leaf path parses back and evaluates to its leaf.
	for _, l := range got {
		p, err := ParsePath(l.path)
		if err != nil {
			t.Fatalf("leaf path %q: %v", l.path, err)
		}
		if v := p.Eval(doc).JSON(); v != l.val {
			t.Fatalf("Eval(%s) = %s, want %s", l.path, v, l.val)
		}
	}
	if got := collectFlatten(mustDecode(t, `[1,2]`)); len(got) != 0 {
		t.Fatalf("Flatten of a non-object: %q", got)
	}
}

func TestFlattenRandomLeavesEvaluate(t *testing.T) {
	r := newRand(t)
	for range 2000 {
		doc := fixNames(randObject(r, 5, 1+r.IntN(5), genOpts{JSONSafe: true}))
		n := 0
		Flatten(doc, []byte{}, func(path []byte, v Value) {
			n++
			p, err := ParsePath(string(path))
			if err != nil {
				t.Fatalf("leaf path %q: %v", path, err)
			}
			if w := p.Eval(doc); !identical(v, w) {
				t.Fatalf("Eval(%s) = %s, leaf %s", path, debug(w), debug(v))
			}
			if v.Kind() == KindObject && v.Len() > 0 {
				t.Fatalf("non-empty object %s as a leaf", debug(v))
			}
		})
		if want := countLeaves(doc); n != want {
			t.Fatalf("%d leaves, want %d in %s", n, want, debug(doc))
		}
	}
}

func countLeaves(v Value) int {
	n := 0
	for _, f := range v.Fields() {
		if f.Value.Kind() == KindObject && f.Value.Len() > 0 {
			n += countLeaves(f.Value)
		} else {
			n++
		}
	}
	return n
}

func collectTerms(path string, v Value) []leaf {
	var out []leaf
	IndexTerms([]byte(path), v, func(p []byte, v Value) {
		out = append(out, leaf{string(p), v.JSON()})
	})
	return out
}

func TestIndexTerms(t *testing.T) {
	for _, tc := range []struct {
		path, doc string
		want      []leaf
	}{
		{"n", `5`, []leaf{{"n", "5"}}},
		{"n", `null`, []leaf{{"n", "null"}}},
		{"e", `{}`, nil},
		{"e", `[]`, nil},
		{"tags", `["a","b",1]`, []leaf{{"tags[*]", `"a"`}, {"tags[*]", `"b"`}, {"tags[*]", "1"}}},
		{"items", `[{"qty":1,"sku":"x"},{"qty":2},{}]`, []leaf{
			{"items[*].qty", "1"}, {"items[*].sku", `"x"`}, {"items[*].qty", "2"},
		}},
		{"a", `[1,{"b":{"c":2}},"z"]`, []leaf{{"a[*]", "1"}, {"a[*].b.c", "2"}, {"a[*]", `"z"`}}},
		{"m", `[[1,2],[3,[4]],5]`, []leaf{
			{"m[*][*]", "1"}, {"m[*][*]", "2"}, {"m[*][*]", "3"}, {"m[*][*][*]", "4"}, {"m[*]", "5"},
		}},
		{"m", `[[{"x":1}]]`, []leaf{{"m[*][*].x", "1"}}},
		{"o", `[{"l":[1,{"y":2}]}]`, []leaf{{"o[*].l[*]", "1"}, {"o[*].l[*].y", "2"}}},
		{"o", `[{"a.b":1}]`, []leaf{{`o[*]."a.b"`, "1"}}},
		{`x."a b"`, `[{"c":1}]`, []leaf{{`x."a b"[*].c`, "1"}}},
	} {
		got := collectTerms(tc.path, mustDecode(t, tc.doc))
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("IndexTerms(%s, %s):\n got %q\nwant %q", tc.path, tc.doc, got, tc.want)
		}
	}
}

// TestIndexTermsPathsParse checks that every term path IndexTerms produces is
// a valid path that names the values it indexes.
func TestIndexTermsPathsParse(t *testing.T) {
	r := newRand(t)
	for range 2000 {
		doc := fixNames(randObject(r, 5, 1+r.IntN(5), genOpts{JSONSafe: true}))
		Flatten(doc, nil, func(path []byte, v Value) {
			base := string(path)
			IndexTerms(path, v, func(p []byte, e Value) {
				if !e.Kind().IsScalar() {
					t.Fatalf("IndexTerms gave a non-scalar %s at %s", debug(e), p)
				}
				if _, err := ParsePath(string(p)); err != nil {
					t.Fatalf("term path %q: %v", p, err)
				}
				if !strings.HasPrefix(string(p), base) {
					t.Fatalf("term path %q outside leaf %q", p, base)
				}
			})
			if string(path) != base {
				t.Fatalf("IndexTerms modified the leaf path: %q -> %q", base, path)
			}
		})
	}
}

func ExampleIndexTerms() {
	doc, _ := NewDecoder(Limits{}).Decode([]byte(`{"tags":["a","b"],"items":[{"qty":3}]}`))
	Flatten(doc, nil, func(path []byte, v Value) {
		IndexTerms(path, v, func(p []byte, v Value) { fmt.Printf("%s = %s\n", p, v) })
	})
	// Output:
	// tags[*] = "a"
	// tags[*] = "b"
	// items[*].qty = 3
}
