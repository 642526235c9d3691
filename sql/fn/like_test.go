package fn

import "testing"

func TestLike(t *testing.T) {
	for _, c := range []struct {
		s, pattern, escape string
		icase              bool
		want               bool
		code               string
	}{
		{s: "abc", pattern: "abc", escape: `\`, want: true},
		{s: "abc", pattern: "ab", escape: `\`, want: false},
		{s: "abc", pattern: "a%", escape: `\`, want: true},
		{s: "abc", pattern: "%c", escape: `\`, want: true},
		{s: "abc", pattern: "%b%", escape: `\`, want: true},
		{s: "abc", pattern: "%d%", escape: `\`, want: false},
		{s: "ab", pattern: "a_", escape: `\`, want: true},
		{s: "a", pattern: "a_", escape: `\`, want: false},
		{s: "héllo", pattern: "h_llo", escape: `\`, want: true},
		{s: "abc", pattern: "a%c%", escape: `\`, want: true},
		{s: "abcbc", pattern: "%bc", escape: `\`, want: true},
		{s: "aXbXc", pattern: "a%b%c", escape: `\`, want: true},
		{s: "aXbXd", pattern: "a%b%c", escape: `\`, want: false},
		{s: "", pattern: "%", escape: `\`, want: true},
		{s: "", pattern: "", escape: `\`, want: true},
		{s: "x", pattern: "", escape: `\`, want: false},
		{s: "a_c", pattern: `a\_c`, escape: `\`, want: true},
		{s: "abc", pattern: `a\_c`, escape: `\`, want: false},
		{s: "50%", pattern: `50!%`, escape: `!`, want: true},
		{s: `a\c`, pattern: `a\c`, escape: "", want: true}, // ESCAPE '' disables escaping
		{s: "ABC", pattern: "a%", escape: `\`, icase: true, want: true},
		{s: "É", pattern: "é", escape: `\`, icase: true, want: true},
		{s: "ABC", pattern: "a%", escape: `\`, want: false},
		{s: "a", pattern: `a\`, escape: `\`, code: "22025"},
		{s: "a", pattern: "a", escape: "ab", code: "22025"},
	} {
		got, err := Like(c.s, c.pattern, c.escape, c.icase)
		if code := errCode(err); code != c.code {
			t.Errorf("%q LIKE %q: error %q, want %q", c.s, c.pattern, code, c.code)
			continue
		}
		if got != c.want {
			t.Errorf("%q LIKE %q (icase %v) = %v, want %v", c.s, c.pattern, c.icase, got, c.want)
		}
	}
}

func BenchmarkLike(b *testing.B) {
	m, err := CompileLike("%foo%bar%", `\`, false)
	if err != nil {
		b.Fatal(err)
	}
	s := "some long string with foo in the middle and bar near the end"
	b.ReportAllocs()
	for range b.N {
		m.Match(s)
	}
}
