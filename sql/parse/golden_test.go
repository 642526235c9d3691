package parse

import (
	"flag"
	"os"
	"strings"
	"testing"
)

// rewriteGolden regenerates the expected outputs of golden files. The
// format is datadriven's (github.com/cockroachdb/datadriven), which this
// package cannot import without adding its dependencies to go.mod:
//
//	# comment
//	command
//	input, any number of lines
//	----
//	expected output, up to a blank line
var rewriteGolden = flag.Bool("rewrite", false, "rewrite the expected output of golden files")

// goldenCase is one case of a golden file.
type goldenCase struct {
	cmd, input, want string
	line             int
}

// runGolden runs every case of the file at path through run and compares
// the outputs, or writes them back with -rewrite.
func runGolden(t *testing.T, path string, run func(t *testing.T, cmd, input string) string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	var out strings.Builder
	for i := 0; i < len(lines); {
		l := lines[i]
		if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "#") {
			out.WriteString(l + "\n")
			i++
			continue
		}
		c := goldenCase{cmd: strings.TrimSpace(l), line: i + 1}
		i++
		var input []string
		for i < len(lines) && lines[i] != "----" {
			input = append(input, lines[i])
			i++
		}
		if i == len(lines) {
			t.Fatalf("%s:%d: case without ----", path, c.line)
		}
		i++
		var want []string
		for i < len(lines) && lines[i] != "" {
			want = append(want, lines[i])
			i++
		}
		c.input = strings.Join(input, "\n")
		c.want = strings.Join(want, "\n")
		got := strings.TrimRight(run(t, c.cmd, c.input), "\n")
		if got != c.want && !*rewriteGolden {
			t.Errorf("%s:%d: %s\n%s\n----\ngot:\n%s\nwant:\n%s", path, c.line, c.cmd, c.input, got, c.want)
		}
		out.WriteString(c.cmd + "\n")
		if c.input != "" {
			out.WriteString(c.input + "\n")
		}
		out.WriteString("----\n")
		if got != "" {
			out.WriteString(got + "\n")
		}
	}
	if *rewriteGolden {
		text := strings.TrimRight(out.String(), "\n") + "\n"
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
