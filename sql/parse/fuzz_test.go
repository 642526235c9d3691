package parse

import (
	"errors"
	"testing"

	"github.com/basaltdb/basalt/sql/sqlerr"
)

// FuzzParse checks that the rewrite and the translation never panic, that
// every error is a *sqlerr.Error and that error positions and rewritten
// positions stay inside the text.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"SELECT :a, x IS NOT UNDEFINED, TRY_CAST(y AS int) FROM ws.c WHERE a[1:2] = ARRAY[:b]",
		"DESCRIBE ws.coll; SELECT 1",
		"SELECT ':x' -- :y\n/* IS UNDEFINED */",
		"SELECT a:b, :1, ::, :",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		for _, parse := range []func(string) error{
			func(s string) error { _, err := Parse(s); return err },
			func(s string) error { _, err := ParseExpr(s); return err },
		} {
			err := parse(text)
			if err == nil {
				continue
			}
			var e *sqlerr.Error
			if !errors.As(err, &e) {
				t.Fatalf("%q: error %v is a %T", text, err, err)
			}
		}
		rw, err := newRewrite(text)
		if err != nil {
			return
		}
		for off := 0; off <= len(rw.text); off++ {
			if o := rw.toOrig(off); o < 0 || o > len(text) {
				t.Fatalf("%q: offset %d maps to %d", text, off, o)
			}
		}
	})
}
