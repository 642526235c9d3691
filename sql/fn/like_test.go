package fn

import (
	"math/rand/v2"
	"strings"
	"testing"
)

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

// TestLikeMatchesRunes compares the matcher with matching over the
// strings' characters, as it matched before it walked bytes, on random
// patterns and strings (multi-byte characters, invalid bytes, ILIKE).
func TestLikeMatchesRunes(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	pick := func(alphabet []string, n int) string {
		var b strings.Builder
		for range n {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		return b.String()
	}
	strs := []string{"a", "b", "é", "É", "\xff", "\uFFFD", "A"}
	pats := append([]string{"%", "_", "%", "\\_"}, strs...)
	for range 20000 {
		s, p := pick(strs, rng.IntN(8)), pick(pats, rng.IntN(6))
		icase := rng.IntN(4) == 0
		m, err := CompileLike(p, `\`, icase)
		if err != nil {
			continue
		}
		if got, want := m.Match(s), likeRunes(m, s); got != want {
			t.Fatalf("%q LIKE %q (icase %v) = %v, matching characters says %v", s, p, icase, got, want)
		}
	}
}

// likeRunes is LikeMatcher's general matching over the characters of s.
func likeRunes(m *LikeMatcher, s string) bool {
	rs := []rune(s)
	for i, r := range rs {
		rs[i] = m.fold(r)
	}
	toks := m.toks
	si, ti := 0, 0
	starT, starS := -1, 0
	for si < len(rs) {
		if ti < len(toks) {
			switch t := toks[ti]; t.kind {
			case '%':
				starT, starS = ti, si
				ti++
				continue
			case '_':
				si++
				ti++
				continue
			default:
				if t.r == rs[si] {
					si++
					ti++
					continue
				}
			}
		}
		if starT < 0 {
			return false
		}
		starS++
		si, ti = starS, starT+1
	}
	for ti < len(toks) && toks[ti].kind == '%' {
		ti++
	}
	return ti == len(toks)
}

func BenchmarkLikeURL(b *testing.B) {
	m, err := CompileLike("%utm_source=google%", `\`, false)
	if err != nil {
		b.Fatal(err)
	}
	urls := []string{
		"https://shop.example.com/checkout/pro-laptop?utm_source=google&utm_medium=cpc&utm_campaign=retargeting_q3",
		"https://shop.example.com/news/red-kids?utm_source=twitter&utm_medium=social&utm_campaign=spring_sale",
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		m.Match(urls[i%2])
	}
}
