package fn

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/basaltdb/basalt/types"
)

func regexFuncs() []*Func {
	return []*Func{
		{Name: "regexp_like", MinArgs: 2, MaxArgs: 3, NullIn: true, Eval: func(_ *Ctx, a []types.Value) (types.Value, error) {
			if err := strArgs("regexp_like", a, "sss"); err != nil {
				return types.Value{}, err
			}
			re, _, err := compileRegex(a[1].Str(), optArg(a, 2))
			if err != nil {
				return types.Value{}, err
			}
			return types.Bool(re.MatchString(a[0].Str())), nil
		}},
		{Name: "regexp_replace", MinArgs: 3, MaxArgs: 4, NullIn: true, Eval: evalRegexpReplace},
		{Name: "regexp_count", MinArgs: 2, MaxArgs: 4, NullIn: true, Eval: evalRegexpCount},
		{Name: "similar_to", MinArgs: 2, MaxArgs: 3, NullIn: true, Eval: evalSimilarTo},
		{Name: "regexp_instr", MinArgs: 2, MaxArgs: 7, NullIn: true, Eval: evalRegexpInstr},
		{Name: "regexp_substr", MinArgs: 2, MaxArgs: 6, NullIn: true, Eval: evalRegexpSubstr},
	}
}

// regexpFrom reads the arguments PostgreSQL 15's regexp_count, _instr and
// _substr share: the string and pattern, the 1-based character to start
// at (argument at), and the flags (argument flagsAt), of which g is
// refused as those functions refuse it. It returns the regexp, s and the
// byte offset of the start.
func regexpFrom(name string, a []types.Value, at, flagsAt int) (*regexp.Regexp, string, int, error) {
	if a[0].Kind() != types.KindString || a[1].Kind() != types.KindString {
		return nil, "", 0, errNoFunction(name, a)
	}
	start := int64(1)
	if at < len(a) {
		if a[at].Kind() != types.KindInt {
			return nil, "", 0, errNoFunction(name, a)
		}
		if start = a[at].Int(); start < 1 {
			return nil, "", 0, sqlerr.New(codeInvalidArgument, "invalid value for parameter \"start\": %d", start)
		}
	}
	flags := ""
	if flagsAt < len(a) {
		if a[flagsAt].Kind() != types.KindString {
			return nil, "", 0, errNoFunction(name, a)
		}
		if flags = a[flagsAt].Str(); strings.ContainsRune(flags, 'g') {
			return nil, "", 0, sqlerr.New(codeInvalidArgument, "%s() does not support the \"global\" option", name)
		}
	}
	re, _, err := compileRegex(a[1].Str(), flags)
	if err != nil {
		return nil, "", 0, err
	}
	s := a[0].Str()
	off := len(s)
	for i := range s { // the byte offset of character start
		if start--; start == 0 {
			off = i
			break
		}
	}
	return re, s, off, nil
}

// intArg returns argument i as an int (def when absent); ok false when it
// is not one.
func intArg(a []types.Value, i int, def int64) (int64, bool) {
	if i >= len(a) {
		return def, true
	}
	if a[i].Kind() != types.KindInt {
		return 0, false
	}
	return a[i].Int(), true
}

// evalRegexpCount is regexp_count(s, pattern [, start [, flags]]): the
// matches in s from character start.
func evalRegexpCount(_ *Ctx, a []types.Value) (types.Value, error) {
	re, s, off, err := regexpFrom("regexp_count", a, 2, 3)
	if err != nil {
		return types.Value{}, err
	}
	return types.Int(int64(len(re.FindAllStringIndex(s[off:], -1)))), nil
}

// nthMatch returns the submatch indexes (in s) of the n-th match from off.
func nthMatch(re *regexp.Regexp, s string, off int, n int64) []int {
	ms := re.FindAllStringSubmatchIndex(s[off:], int(min(n, 1<<20)))
	if n < 1 || int64(len(ms)) < n {
		return nil
	}
	m := ms[n-1]
	for i := range m {
		if m[i] >= 0 {
			m[i] += off
		}
	}
	return m
}

// evalRegexpInstr is regexp_instr(s, pattern [, start [, n [, endoption
// [, flags [, subexpr]]]]]): the 1-based character position where the n-th
// match (or its subexpr-th group) begins, or just after it ends with
// endoption 1; 0 when there is none.
func evalRegexpInstr(_ *Ctx, a []types.Value) (types.Value, error) {
	re, s, off, err := regexpFrom("regexp_instr", a, 2, 5)
	if err != nil {
		return types.Value{}, err
	}
	n, ok1 := intArg(a, 3, 1)
	end, ok2 := intArg(a, 4, 0)
	sub, ok3 := intArg(a, 6, 0)
	if !ok1 || !ok2 || !ok3 {
		return types.Value{}, errNoFunction("regexp_instr", a)
	}
	m := nthMatch(re, s, off, n)
	if m == nil || sub < 0 || 2*sub+1 >= int64(len(m)) || m[2*sub] < 0 {
		return types.Int(0), nil
	}
	pos := m[2*sub]
	if end != 0 {
		pos = m[2*sub+1]
	}
	return types.Int(int64(utf8.RuneCountInString(s[:pos])) + 1), nil
}

// evalRegexpSubstr is regexp_substr(s, pattern [, start [, n [, flags [,
// subexpr]]]]): the n-th match (or its subexpr-th group), NULL when there
// is none.
func evalRegexpSubstr(_ *Ctx, a []types.Value) (types.Value, error) {
	re, s, off, err := regexpFrom("regexp_substr", a, 2, 4)
	if err != nil {
		return types.Value{}, err
	}
	n, ok1 := intArg(a, 3, 1)
	sub, ok2 := intArg(a, 5, 0)
	if !ok1 || !ok2 {
		return types.Value{}, errNoFunction("regexp_substr", a)
	}
	m := nthMatch(re, s, off, n)
	if m == nil || sub < 0 || 2*sub+1 >= int64(len(m)) || m[2*sub] < 0 {
		return types.Null, nil
	}
	return types.String(s[m[2*sub]:m[2*sub+1]]), nil
}

// substringRegex is substring(s FROM pattern): the part of s the pattern
// matches first, or its first parenthesized group when it has one; NULL
// when nothing matches.
func substringRegex(s, pattern string) (types.Value, error) {
	re, _, err := compileRegex(pattern, "")
	if err != nil {
		return types.Value{}, err
	}
	m := re.FindStringSubmatchIndex(s)
	switch {
	case m == nil:
		return types.Null, nil
	case len(m) >= 4:
		if m[2] < 0 {
			return types.Null, nil
		}
		return types.String(s[m[2]:m[3]]), nil
	}
	return types.String(s[m[0]:m[1]]), nil
}

func optArg(a []types.Value, i int) string {
	if i < len(a) {
		return a[i].Str()
	}
	return ""
}

// compileRegex compiles a PostgreSQL regular expression with its flags: g
// (global, reported to the caller), i and c (case), n or m (newline
// sensitive: . stops at newlines, ^ and $ match at them) and s (the default,
// not newline sensitive). The syntax is Go's RE2, which covers the common
// ground of PostgreSQL's ARE but has no back-references or look-around; a
// pattern it cannot compile is 2201B.
func compileRegex(pattern, flags string) (re *regexp.Regexp, global bool, err error) {
	icase, newline := false, false
	for _, f := range flags {
		switch f {
		case 'g':
			global = true
		case 'i':
			icase = true
		case 'c':
			icase = false
		case 'n', 'm':
			newline = true
		case 's':
			newline = false
		default:
			return nil, false, sqlerr.New(codeInvalidArgument, "invalid regular expression option: %q", string(f))
		}
	}
	prefix := "(?s)"
	if newline {
		prefix = "(?m)"
	}
	if icase {
		prefix += "(?i)"
	}
	re, err = regexp.Compile(prefix + pattern)
	if err != nil {
		return nil, false, sqlerr.New(sqlerr.InvalidRegex, "invalid regular expression: %v", err)
	}
	return re, global, nil
}

// evalRegexpReplace is REGEXP_REPLACE(s, pattern, replacement[, flags]):
// the first match is replaced, every match with flag g. In the replacement
// \1 to \9 stand for groups, \& for the whole match and \\ for a backslash.
func evalRegexpReplace(_ *Ctx, a []types.Value) (types.Value, error) {
	if err := strArgs("regexp_replace", a, "ssss"); err != nil {
		return types.Value{}, err
	}
	re, global, err := compileRegex(a[1].Str(), optArg(a, 3))
	if err != nil {
		return types.Value{}, err
	}
	s, repl := a[0].Str(), a[2].Str()
	n := 1
	if global {
		n = -1
	}
	matches := re.FindAllStringSubmatchIndex(s, n)
	if len(matches) == 0 {
		return a[0], nil
	}
	var b strings.Builder
	last := 0
	for _, m := range matches {
		b.WriteString(s[last:m[0]])
		expandRepl(&b, repl, s, m)
		last = m[1]
		if b.Len() > maxStringBytes {
			return types.Value{}, errTooLong()
		}
	}
	b.WriteString(s[last:])
	return types.String(b.String()), nil
}

func expandRepl(b *strings.Builder, repl, s string, m []int) {
	for i := 0; i < len(repl); i++ {
		c := repl[i]
		if c != '\\' || i+1 == len(repl) {
			b.WriteByte(c)
			continue
		}
		next := repl[i+1]
		switch {
		case next >= '1' && next <= '9':
			g := int(next - '0')
			if 2*g+1 < len(m) && m[2*g] >= 0 {
				b.WriteString(s[m[2*g]:m[2*g+1]])
			}
			i++
		case next == '&':
			b.WriteString(s[m[0]:m[1]])
			i++
		case next == '\\':
			b.WriteByte('\\')
			i++
		default:
			b.WriteByte('\\')
		}
	}
}

// evalSimilarTo is s SIMILAR TO pattern [ESCAPE e]: the SQL standard's
// regular expressions, matched against the whole string.
func evalSimilarTo(_ *Ctx, a []types.Value) (types.Value, error) {
	if err := strArgs("similar_to", a, "sss"); err != nil {
		return types.Value{}, err
	}
	esc := "\\"
	if len(a) == 3 {
		esc = a[2].Str()
	}
	pattern, err := similarToRegex(a[1].Str(), esc)
	if err != nil {
		return types.Value{}, err
	}
	re, _, err := compileRegex(pattern, "")
	if err != nil {
		return types.Value{}, err
	}
	return types.Bool(re.MatchString(a[0].Str())), nil
}

// similarToRegex translates a SIMILAR TO pattern to a regular expression
// anchored at both ends: % is .*, _ is ., the escape character makes the
// next one literal, bracket expressions and | * + ? {m,n} ( ) keep their
// meaning, and every other character (. ^ $ among them) is literal.
func similarToRegex(p, esc string) (string, error) {
	if len([]rune(esc)) > 1 {
		return "", sqlerr.New(codeInvalidEscape, "invalid escape string: %q", esc)
	}
	var escape rune = -1
	for _, r := range esc {
		escape = r
	}
	var b strings.Builder
	b.WriteString("^(?:")
	rs := []rune(p)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == escape:
			if i+1 == len(rs) {
				return "", sqlerr.New(codeInvalidEscape, "invalid escape string: a pattern must not end with the escape character")
			}
			i++
			b.WriteString(regexp.QuoteMeta(string(rs[i])))
		case r == '%':
			b.WriteString(".*")
		case r == '_':
			b.WriteString(".")
		case r == '[':
			// A bracket expression, as written, up to its closing ].
			j := i + 1
			if j < len(rs) && rs[j] == '^' {
				j++
			}
			if j < len(rs) && rs[j] == ']' {
				j++
			}
			for j < len(rs) && rs[j] != ']' {
				j++
			}
			if j == len(rs) {
				return "", sqlerr.New(sqlerr.InvalidRegex, "invalid regular expression: brackets [] not balanced")
			}
			b.WriteString(string(rs[i : j+1]))
			i = j
		case strings.ContainsRune("|*+?{}()", r):
			b.WriteRune(r)
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString(")$")
	return b.String(), nil
}

// RegexpMatches is PostgreSQL's set-returning regexp_matches(s, pattern
// [, flags]) as an array of its rows: each a text array of the match's
// capture groups (the whole match when the pattern has none; a group that
// took no part is NULL), one row for the first match, or one per match
// with flag g; none without a match or for a NULL argument.
func RegexpMatches(a []types.Value) (types.Value, error) {
	for _, v := range a {
		if isNull(v) {
			return types.Array(nil), nil
		}
	}
	if err := strArgs("regexp_matches", a, "sss"); err != nil {
		return types.Value{}, err
	}
	re, global, err := compileRegex(a[1].Str(), optArg(a, 2))
	if err != nil {
		return types.Value{}, err
	}
	s := a[0].Str()
	n := 1
	if global {
		n = -1
	}
	var rows []types.Value
	for _, m := range re.FindAllStringSubmatchIndex(s, n) {
		var row []types.Value
		if len(m) == 2 {
			row = []types.Value{types.String(s[m[0]:m[1]])}
		}
		for g := 2; g < len(m); g += 2 {
			if m[g] < 0 {
				row = append(row, types.Null)
			} else {
				row = append(row, types.String(s[m[g]:m[g+1]]))
			}
		}
		rows = append(rows, types.Array(row))
	}
	return types.Array(rows), nil
}
