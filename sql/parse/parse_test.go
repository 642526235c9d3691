package parse

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/basaltdb/basalt/sql/sqlerr"
)

// TestParse runs the golden files of testdata/: `parse` prints every
// statement of the input, `expr` the expression ParseExpr returns, and both
// print an error as its code, line, column and message. Regenerate with
// go test ./sql/parse/ -rewrite and review the diff.
func TestParse(t *testing.T) {
	files, err := filepath.Glob("testdata/*")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range files {
		if info, err := os.Stat(path); err != nil || info.IsDir() {
			continue
		}
		t.Run(filepath.Base(path), func(t *testing.T) { runGolden(t, path, runCase) })
	}
}

func runCase(t *testing.T, cmd, input string) string {
	switch cmd {
	case "parse":
		stmts, err := Parse(input)
		if err != nil {
			return formatError(t, err)
		}
		var b strings.Builder
		for _, s := range stmts {
			b.WriteString(format(s))
		}
		return b.String()
	case "parse-one":
		s, err := ParseOne(input)
		if err != nil {
			return formatError(t, err)
		}
		return format(s)
	case "expr":
		e, err := ParseExpr(input)
		if err != nil {
			return formatError(t, err)
		}
		return format(e)
	}
	t.Fatalf("unknown command %q", cmd)
	return ""
}

func formatError(t *testing.T, err error) string {
	var e *sqlerr.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *sqlerr.Error", err, err)
	}
	if e.Line > 0 {
		return fmt.Sprintf("error %s at %d:%d: %s\n", e.Code, e.Line, e.Column, e.Message)
	}
	return fmt.Sprintf("error %s: %s\n", e.Code, e.Message)
}
