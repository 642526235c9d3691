package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/chzyer/readline"
	"github.com/spf13/cobra"
)

// sqlShell runs SQL against a running server's query API and prints the
// answers.
type sqlShell struct {
	apiClient
	format string
	timing bool
	out    io.Writer
	errOut io.Writer
}

// queryAnswer is the part of POST /queries' answer the shell prints.
type queryAnswer struct {
	Results      []map[string]json.RawMessage `json:"results"`
	ColumnFields []struct {
		Name string `json:"name"`
		Type string `json:"type"`
	} `json:"column_fields"`
}

func sqlCmd() *cobra.Command {
	sh := &sqlShell{apiClient: apiClient{http: &http.Client{}}}
	var commands []string
	cmd := &cobra.Command{
		Use:   "sql",
		Short: "Run SQL against a running server: -c, a script on stdin, or an interactive shell",
		Long: `Run SQL against a running server's query API (--url or $BASALT_URL, the
key --api-key or $BASALT_API_KEY).

  basalt sql -c 'SELECT kind, count(*) FROM shop.events GROUP BY 1'
  basalt sql < script.sql            statements separated by ';'
  basalt sql                         an interactive shell on a terminal

With -c or a script, the first failing statement stops the run with its
error (line and column in the script) and a non-zero exit status. In the
shell, a statement runs once a ';' ends it; \timing toggles the elapsed
time, \q (or Ctrl-D) quits; history is kept in ~/.basalt_history.
In tables, NULL is a null and an empty cell a field the row does not have.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sh.resolve(cmd)
			switch sh.format {
			case "table", "json", "csv":
			default:
				return fmt.Errorf("--format %q: want table, json or csv", sh.format)
			}
			sh.out, sh.errOut = cmd.OutOrStdout(), cmd.ErrOrStderr()
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			if len(commands) > 0 {
				for _, c := range commands {
					if err := sh.runScript(ctx, c); err != nil {
						return err
					}
				}
				return nil
			}
			in := cmd.InOrStdin()
			if f, ok := in.(*os.File); ok && isTerminal(f) {
				return sh.interactive(ctx)
			}
			b, err := io.ReadAll(in)
			if err != nil {
				return fmt.Errorf("read SQL from stdin: %w", err)
			}
			return sh.runScript(ctx, string(b))
		},
	}
	f := cmd.Flags()
	sh.addFlags(f)
	f.StringArrayVarP(&commands, "command", "c", nil, "SQL to run (repeatable; statements separated by ';')")
	f.StringVar(&sh.format, "format", "table", "output: table, json (a JSON object per row) or csv")
	return cmd
}

// isTerminal reports whether f is a character device: a terminal, for a
// standard stream.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// errStatement is returned once a statement's error has been printed.
var errStatement = errors.New("a statement failed")

// runScript runs the statements of a script in order, stopping at the first
// that fails. Backslash commands (\timing) are honoured on lines of their
// own between statements.
func (sh *sqlShell) runScript(ctx context.Context, script string) error {
	for _, st := range splitSQL(script) {
		text := st.text
		if meta, ok := strings.CutPrefix(text, `\`); ok {
			// A backslash command and what follows it on its line; the rest
			// of the "statement" is SQL again.
			first, rest, _ := strings.Cut(meta, "\n")
			if sh.meta(first) {
				return nil
			}
			if text = strings.TrimSpace(rest); text == "" {
				continue
			}
			st.line++
			st.col = 1
		}
		if err := sh.run(ctx, stmt{text: text, line: st.line, col: st.col}); err != nil {
			return err
		}
	}
	return nil
}

// meta runs a backslash command; it reports whether the shell should quit.
func (sh *sqlShell) meta(c string) (quit bool) {
	switch f := strings.Fields(c); {
	case len(f) == 0:
	case f[0] == "q" || f[0] == "quit":
		return true
	case f[0] == "timing":
		sh.timing = !sh.timing
		if len(f) > 1 {
			sh.timing = f[1] == "on"
		}
		state := "off"
		if sh.timing {
			state = "on"
		}
		fmt.Fprintf(sh.errOut, "Timing is %s.\n", state)
	case f[0] == "?" || f[0] == "h" || f[0] == "help":
		fmt.Fprintln(sh.errOut, `\q          quit (or Ctrl-D)
\timing     toggle the elapsed time of each statement
statements run once a ';' ends them; Ctrl-C clears what was typed`)
	default:
		fmt.Fprintf(sh.errOut, "unknown command \\%s: try \\?\n", f[0])
	}
	return false
}

// run sends one statement and prints its answer, or its error with the
// line and column within the script.
func (sh *sqlShell) run(ctx context.Context, st stmt) error {
	start := time.Now()
	var ans queryAnswer
	_, err := sh.do(ctx, "POST", "/v1/orgs/self/queries", map[string]any{"sql": map[string]any{"query": st.text}}, &ans)
	elapsed := time.Since(start)
	if err != nil {
		var ae *apiError
		if !errors.As(err, &ae) || ae.Message == "" {
			return err
		}
		msg := "ERROR: " + ae.Message
		if ae.Line != nil && ae.Column != nil {
			line, col := *ae.Line, *ae.Column
			if line == 1 {
				col += st.col - 1
			}
			line += st.line - 1
			msg += fmt.Sprintf(" (line %d, column %d)", line, col)
		}
		if ae.Type != "" && ae.Type != "QUERY_ERROR" {
			msg += " [" + ae.Type + "]"
		}
		fmt.Fprintln(sh.errOut, msg)
		sh.printTiming(elapsed)
		return errStatement
	}
	if err := sh.print(&ans); err != nil {
		return err
	}
	sh.printTiming(elapsed)
	return nil
}

func (sh *sqlShell) printTiming(elapsed time.Duration) {
	if sh.timing {
		fmt.Fprintf(sh.errOut, "Time: %.3f ms\n", float64(elapsed.Microseconds())/1000)
	}
}

// interactive is the shell on a terminal: readline editing and history.
func (sh *sqlShell) interactive(ctx context.Context) error {
	hist := ""
	if home, err := os.UserHomeDir(); err == nil {
		hist = filepath.Join(home, ".basalt_history")
	}
	rl, err := readline.NewEx(&readline.Config{
		Prompt:                 "basalt> ",
		HistoryFile:            hist,
		DisableAutoSaveHistory: true,
		HistorySearchFold:      true,
		InterruptPrompt:        "^C",
		EOFPrompt:              `\q`,
	})
	if err != nil {
		return err
	}
	defer rl.Close()
	fmt.Fprintf(sh.errOut, "basalt sql on %s: statements end with ';', \\? for help, \\q to quit\n", sh.url)
	return sh.loop(ctx, rl)
}

// lineReader is what the shell's loop needs of a line editor.
type lineReader interface {
	Readline() (string, error)
	SetPrompt(string)
	SaveHistory(string) error
}

// loop reads lines until a ';' completes a statement, runs it, and goes on;
// errors are printed and the shell carries on.
func (sh *sqlShell) loop(ctx context.Context, rl lineReader) error {
	var buf strings.Builder
	for {
		if buf.Len() == 0 {
			rl.SetPrompt("basalt> ")
		} else {
			rl.SetPrompt("     -> ")
		}
		line, err := rl.Readline()
		if errors.Is(err, readline.ErrInterrupt) {
			buf.Reset()
			continue
		}
		if err != nil { // io.EOF: Ctrl-D
			return nil
		}
		if buf.Len() == 0 {
			t := strings.TrimSpace(line)
			if t == "" {
				continue
			}
			if meta, ok := strings.CutPrefix(t, `\`); ok {
				rl.SaveHistory(t)
				if sh.meta(meta) {
					return nil
				}
				continue
			}
			if t == "quit" || t == "exit" {
				return nil
			}
		}
		if buf.Len() > 0 {
			buf.WriteByte('\n')
		}
		buf.WriteString(line)
		if !complete(buf.String()) {
			continue
		}
		script := buf.String()
		buf.Reset()
		rl.SaveHistory(strings.Join(strings.Fields(script), " "))
		// Ctrl-C while a statement runs cancels it (the server cancels a
		// query whose client goes away), not the shell.
		qctx, stop := signal.NotifyContext(ctx, os.Interrupt)
		for _, st := range splitSQL(script) {
			err := sh.run(qctx, st)
			switch {
			case err == nil:
				continue
			case errors.Is(err, context.Canceled):
				fmt.Fprintln(sh.errOut, "ERROR: cancelled")
			case err != errStatement:
				fmt.Fprintln(sh.errOut, "ERROR:", err)
			}
			break
		}
		stop()
	}
}

// print writes a query's answer in the chosen format. Columns come in the
// server's order (column_fields).
func (sh *sqlShell) print(ans *queryAnswer) error {
	cols := make([]string, len(ans.ColumnFields))
	for i, c := range ans.ColumnFields {
		cols[i] = c.Name
	}
	w := bufio.NewWriter(sh.out)
	switch sh.format {
	case "json":
		writeJSONRows(w, cols, ans.Results)
	case "csv":
		if err := writeCSVRows(w, cols, ans.Results); err != nil {
			return err
		}
	default:
		if len(cols) == 0 && len(ans.Results) == 0 {
			fmt.Fprintln(w, "OK")
		} else {
			writeTable(w, cols, ans.Results)
		}
	}
	return w.Flush()
}
