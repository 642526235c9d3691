package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"
)

// maxBatchBytes bounds a request's documents, well under the server's
// default 64 MiB body limit; a batch is sent at --batch documents or at
// this size, whichever comes first.
const maxBatchBytes = 8 << 20

// maxErrorLines is how many offending positions the summary lists per
// error message, and maxErrorMessages how many distinct messages.
const (
	maxErrorLines    = 5
	maxErrorMessages = 20
)

// loader posts the documents of files to a collection in batches.
type loader struct {
	apiClient
	ws, coll string
	format   string
	batch    int
	create   bool
	errOut   io.Writer
	progress bool

	total int64        // bytes of all files, or -1 when one is a stream
	read  atomic.Int64 // bytes read so far
	file  atomic.Value // the file being read, for the progress line

	mu      sync.Mutex
	written int64
	failed  int64
	fatal   []string // what stopped a file
	errs    map[string]*errGroup
}

// errGroup is the documents that failed with one message.
type errGroup struct {
	n     int64
	where []string
	first int // order of appearance
}

// docBatch is documents on their way to the server, with where each came
// from ("file:line").
type docBatch struct {
	docs  [][]byte
	where []string
	size  int
}

func loadCmd() *cobra.Command {
	ld := &loader{apiClient: apiClient{http: &http.Client{}}}
	var target string
	cmd := &cobra.Command{
		Use:   "load FILE... --collection WS.COLL",
		Short: "Load NDJSON, JSON or CSV files into a collection of a running server",
		Long: `Load documents into a collection through the documents API of a running
server (--url or $BASALT_URL, the key --api-key or $BASALT_API_KEY). FILE is
a path, or - for stdin.

Formats (--format auto chooses by extension, else by the first byte):
  ndjson  one document per line (.ndjson, .jsonl)
  json    an array of documents, or documents one after another (.json)
  csv     a header row names the fields (.csv); integers and floats become
          numbers (a zero-led 007 stays a string), true/false booleans,
          empty cells null, everything else strings, as COPY does

A document that fails is counted and its neighbours are written; the
summary lists the errors by message with the first offending lines, and
the exit status is non-zero if any document failed.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ld.resolve(cmd)
			ws, coll, ok := strings.Cut(target, ".")
			if !ok {
				ws, coll = "commons", target
			}
			if ws == "" || coll == "" || strings.Contains(coll, ".") {
				return fmt.Errorf("--collection %q: want WORKSPACE.COLLECTION", target)
			}
			ld.ws, ld.coll = ws, coll
			switch ld.format {
			case "auto", "ndjson", "json", "csv":
			default:
				return fmt.Errorf("--format %q: want auto, ndjson, json or csv", ld.format)
			}
			if ld.batch < 1 {
				return fmt.Errorf("--batch %d: want at least 1", ld.batch)
			}
			ld.errOut = cmd.ErrOrStderr()
			if f, ok := ld.errOut.(*os.File); ok {
				ld.progress = isTerminal(f)
			}
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
			defer stop()
			return ld.run(ctx, cmd.InOrStdin(), args)
		},
	}
	f := cmd.Flags()
	ld.addFlags(f)
	f.StringVar(&target, "collection", "", "the collection to load into: WORKSPACE.COLLECTION (a bare name is in commons)")
	f.StringVar(&ld.format, "format", "auto", "auto, ndjson, json or csv")
	f.IntVar(&ld.batch, "batch", 1000, "documents per request")
	f.BoolVar(&ld.create, "create", false, "create the collection (and its workspace) if missing")
	_ = cmd.MarkFlagRequired("collection")
	return cmd
}

func (ld *loader) run(ctx context.Context, stdin io.Reader, files []string) error {
	if err := ld.ensureCollection(ctx); err != nil {
		return err
	}
	ld.total = 0
	for _, name := range files {
		if name == "-" {
			ld.total = -1
			break
		}
		st, err := os.Stat(name)
		if err != nil {
			return err
		}
		if st.IsDir() {
			return fmt.Errorf("%s is a directory", name)
		}
		ld.total += st.Size()
	}
	ld.errs = map[string]*errGroup{}
	start := time.Now()

	// One batch is posted while the next is read.
	batches := make(chan *docBatch, 1)
	var postErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		for b := range batches {
			if postErr != nil {
				continue // drain
			}
			postErr = ld.post(ctx, b.docs, b.where)
		}
	}()
	stopProgress := ld.startProgress(start)

	var readErr error
	for _, name := range files {
		if err := ld.loadFile(ctx, stdin, name, batches); err != nil {
			readErr = err
			break
		}
	}
	close(batches)
	<-done
	stopProgress()
	if readErr == nil {
		readErr = postErr
	}
	ld.summary(time.Since(start))
	if readErr != nil {
		return readErr
	}
	if ld.failed > 0 || len(ld.fatal) > 0 {
		if ld.failed == 0 {
			return errors.New("not every file could be read")
		}
		return fmt.Errorf("%s failed to load", plural(ld.failed, "document"))
	}
	return nil
}

// ensureCollection checks that the collection exists, creating it (and its
// workspace) with --create.
func (ld *loader) ensureCollection(ctx context.Context) error {
	wsPath := "/v1/orgs/self/ws/" + url.PathEscape(ld.ws)
	_, err := ld.do(ctx, "GET", wsPath+"/collections/"+url.PathEscape(ld.coll), nil, nil)
	var ae *apiError
	if err == nil || !errors.As(err, &ae) || ae.Status != http.StatusNotFound {
		return err
	}
	if !ld.create {
		return fmt.Errorf("collection %s.%s does not exist (--create creates it)", ld.ws, ld.coll)
	}
	exists := func(err error) bool {
		return errors.As(err, &ae) && ae.Status == http.StatusConflict
	}
	if _, err := ld.do(ctx, "POST", "/v1/orgs/self/ws", map[string]string{"name": ld.ws}, nil); err != nil && !exists(err) {
		return fmt.Errorf("create workspace %s: %w", ld.ws, err)
	}
	if _, err := ld.do(ctx, "POST", wsPath+"/collections", map[string]string{"name": ld.coll}, nil); err != nil && !exists(err) {
		return fmt.Errorf("create collection %s.%s: %w", ld.ws, ld.coll, err)
	}
	fmt.Fprintf(ld.errOut, "created collection %s.%s\n", ld.ws, ld.coll)
	return nil
}

// countingReader counts the bytes read, for the progress line.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// loadFile reads one file and sends its documents in batches. A problem
// that stops the file (it cannot be opened, or its JSON or CSV cannot be
// read past a point) is recorded and the next file goes on; only a
// cancelled context stops the load.
func (ld *loader) loadFile(ctx context.Context, stdin io.Reader, name string, out chan<- *docBatch) error {
	display := name
	var r io.Reader
	if name == "-" {
		display, r = "stdin", stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			ld.addFatal(err.Error())
			return nil
		}
		defer f.Close()
		r = f
	}
	ld.file.Store(display)
	br := bufio.NewReaderSize(countingReader{r, &ld.read}, 256<<10)
	format := ld.format
	if format == "auto" {
		format = sniffFormat(name, br)
	}
	b := &docBatch{}
	emit := func(doc []byte, where string) error {
		b.docs = append(b.docs, doc)
		b.where = append(b.where, where)
		b.size += len(doc) + 1
		if len(b.docs) >= ld.batch || b.size >= maxBatchBytes {
			select {
			case out <- b:
			case <-ctx.Done():
				return ctx.Err()
			}
			b = &docBatch{}
		}
		return nil
	}
	reject := func(where, msg string) { ld.addError(msg, where) }
	var err error
	switch format {
	case "ndjson":
		err = readNDJSON(br, display, emit, reject)
	case "json":
		err = readJSON(br, display, emit, reject)
	default:
		err = readCSV(br, display, emit, reject)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		ld.addFatal(fmt.Sprintf("%s: %v (the rest of the file was not loaded)", display, err))
	}
	if len(b.docs) > 0 {
		select {
		case out <- b:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// sniffFormat chooses a format by the file's extension, else by its first
// byte: '[' is JSON, '{' NDJSON, anything else CSV.
func sniffFormat(name string, br *bufio.Reader) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".ndjson", ".jsonl":
		return "ndjson"
	case ".json":
		return "json"
	case ".csv":
		return "csv"
	}
	b, _ := br.Peek(4096)
	if t := bytes.TrimLeft(b, " \t\r\n"); len(t) > 0 {
		switch t[0] {
		case '[':
			return "json"
		case '{':
			return "ndjson"
		}
	}
	return "csv"
}

// post writes documents and records each one's outcome. A request the
// server refuses whole (a body it cannot read, or one too large) is split
// in halves until the documents at fault are found alone.
func (ld *loader) post(ctx context.Context, docs [][]byte, where []string) error {
	var body bytes.Buffer
	body.WriteString(`{"data":[`)
	for i, d := range docs {
		if i > 0 {
			body.WriteByte(',')
		}
		body.Write(d)
	}
	body.WriteString("]}")
	var ans struct {
		Data []struct {
			Status string `json:"status"`
			Error  *struct {
				Type    string `json:"type"`
				Message string `json:"message"`
			} `json:"error"`
		} `json:"data"`
	}
	path := "/v1/orgs/self/ws/" + url.PathEscape(ld.ws) + "/collections/" + url.PathEscape(ld.coll) + "/docs"
	_, err := ld.doRaw(ctx, "POST", path, body.Bytes(), &ans)
	var ae *apiError
	if errors.As(err, &ae) && (ae.Status == http.StatusBadRequest || ae.Status == http.StatusRequestEntityTooLarge) {
		if len(docs) == 1 {
			msg := ae.Message
			if msg == "" {
				msg = ae.Error()
			}
			ld.addError(msg, where[0])
			return nil
		}
		h := len(docs) / 2
		if err := ld.post(ctx, docs[:h], where[:h]); err != nil {
			return err
		}
		return ld.post(ctx, docs[h:], where[h:])
	}
	if err != nil {
		return fmt.Errorf("write to %s.%s: %w", ld.ws, ld.coll, err)
	}
	if len(ans.Data) != len(docs) {
		return fmt.Errorf("write to %s.%s: the server answered %d statuses for %d documents", ld.ws, ld.coll, len(ans.Data), len(docs))
	}
	var ok int64
	for i, d := range ans.Data {
		if d.Status == "ERROR" || d.Error != nil {
			msg := "failed"
			if d.Error != nil {
				msg = d.Error.Message
			}
			ld.addError(msg, where[i])
			continue
		}
		ok++
	}
	ld.mu.Lock()
	ld.written += ok
	ld.mu.Unlock()
	return nil
}

func (ld *loader) addError(msg, where string) {
	ld.mu.Lock()
	defer ld.mu.Unlock()
	ld.failed++
	g := ld.errs[msg]
	if g == nil {
		g = &errGroup{first: len(ld.errs)}
		ld.errs[msg] = g
	}
	g.n++
	if len(g.where) < maxErrorLines {
		g.where = append(g.where, where)
	}
}

func (ld *loader) addFatal(msg string) {
	ld.mu.Lock()
	ld.fatal = append(ld.fatal, msg)
	ld.mu.Unlock()
}

// startProgress prints a progress line on a terminal's stderr, at most five
// times a second, until the returned function is called.
func (ld *loader) startProgress(start time.Time) func() {
	if !ld.progress {
		return func() {}
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				fmt.Fprint(ld.errOut, "\r\033[K")
				return
			case <-t.C:
				ld.mu.Lock()
				n := ld.written + ld.failed
				ld.mu.Unlock()
				secs := time.Since(start).Seconds()
				line := fmt.Sprintf("%v  %s docs  %s docs/s", ld.file.Load(), commas(n), commas(int64(float64(n)/secs)))
				if ld.total > 0 {
					line += fmt.Sprintf("  %3.0f%%", 100*float64(ld.read.Load())/float64(ld.total))
				}
				fmt.Fprint(ld.errOut, "\r\033[K"+line)
			}
		}
	}()
	return func() { close(stop); wg.Wait() }
}

// summary prints what was written and what failed, by message.
func (ld *loader) summary(elapsed time.Duration) {
	ld.mu.Lock()
	defer ld.mu.Unlock()
	w := ld.errOut
	rate := float64(ld.written+ld.failed) / max(elapsed.Seconds(), 1e-9)
	fmt.Fprintf(w, "%s written to %s.%s in %s (%s docs/s)", plural(ld.written, "document"), ld.ws, ld.coll,
		elapsed.Round(time.Millisecond), commas(int64(rate)))
	if ld.failed > 0 {
		fmt.Fprintf(w, "; %s failed:\n", commas(ld.failed))
	} else {
		fmt.Fprintln(w)
	}
	msgs := make([]string, 0, len(ld.errs))
	for m := range ld.errs {
		msgs = append(msgs, m)
	}
	sort.Slice(msgs, func(i, j int) bool {
		a, b := ld.errs[msgs[i]], ld.errs[msgs[j]]
		if a.n != b.n {
			return a.n > b.n
		}
		return a.first < b.first
	})
	for i, m := range msgs {
		if i == maxErrorMessages {
			fmt.Fprintf(w, "  … and %d other messages\n", len(msgs)-i)
			break
		}
		g := ld.errs[m]
		more := ""
		if g.n > int64(len(g.where)) {
			more = ", …"
		}
		fmt.Fprintf(w, "  %s × %s (%s%s)\n", commas(g.n), m, strings.Join(g.where, ", "), more)
	}
	for _, f := range ld.fatal {
		fmt.Fprintf(w, "error: %s\n", f)
	}
}

// commas writes n with thousands separators.
func commas(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// plural writes "1 document" or "2 documents".
func plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return commas(n) + " " + noun + "s"
}
