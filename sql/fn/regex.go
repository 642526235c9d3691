package fn

import (
	"regexp"
	"strings"

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
	}
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
