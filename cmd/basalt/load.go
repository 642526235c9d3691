package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/basaltdb/basalt/ingest/file"
	"github.com/basaltdb/basalt/types"
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

// loader posts the documents of files or S3 objects to a collection in
// batches, several in flight, and records how far every document is
// acknowledged in a resume file.
type loader struct {
	apiClient
	ws, coll    string
	format      string
	batch       int
	concurrency int
	create      bool
	errOut      io.Writer
	terminal    bool          // errOut is a terminal: draw a progress bar
	every       time.Duration // else print a progress line this often (0: never)
	s3          file.S3Config
	resumeFile  string
	derivedIDs  bool
	cpuProfile  string

	// afterBatch, when set (tests), is called after each acknowledged
	// batch with their count so far.
	afterBatch func(n int)

	it      *file.Iterator
	start   time.Time
	acks    *ackTracker
	batches sync.Pool // of *docBatch whose requests are done

	mu      sync.Mutex
	written int64
	failed  int64
	fatal   []string // what stopped an object
	errs    map[string]*errGroup
}

// errGroup is the documents that failed with one message.
type errGroup struct {
	n int64
	// where holds the first positions in file order (by object name, then
	// offset), not in the order concurrent requests reported them.
	where []file.Position
	first int // order of appearance
}

// docBatch is documents on their way to the server, already written as
// the request's body: {"data":[doc,doc,…]} in buf, with each document's
// start and end in it and its position in the file.
type docBatch struct {
	seq    uint64
	buf    []byte
	starts []int
	ends   []int
	pos    []file.Position
}

// bodyHead and bodyTail enclose a batch's documents in a request body.
const (
	bodyHead = `{"data":[`
	bodyTail = `]}`
)

// reset empties the batch for reuse, keeping its memory.
func (b *docBatch) reset() {
	b.buf = append(b.buf[:0], bodyHead...)
	b.starts, b.ends, b.pos = b.starts[:0], b.ends[:0], b.pos[:0]
}

// begin starts the next document in buf.
func (b *docBatch) begin() {
	if len(b.ends) > 0 {
		b.buf = append(b.buf, ',')
	}
	b.starts = append(b.starts, len(b.buf))
}

// end closes the document begun last.
func (b *docBatch) end(pos file.Position) {
	b.ends = append(b.ends, len(b.buf))
	b.pos = append(b.pos, pos)
}

func (b *docBatch) doc(i int) []byte { return b.buf[b.starts[i]:b.ends[i]] }

// body returns the request body for documents [lo, hi): the batch's own
// buffer when that is all of them, else a copy into scratch.
func (b *docBatch) body(lo, hi int, scratch *bytes.Buffer) []byte {
	if lo == 0 && hi == len(b.ends) {
		return b.buf
	}
	scratch.Reset()
	scratch.WriteString(bodyHead)
	scratch.Write(b.buf[b.starts[lo]:b.ends[hi-1]])
	scratch.WriteString(bodyTail)
	return scratch.Bytes()
}

func loadCmd() *cobra.Command {
	ld := &loader{apiClient: apiClient{http: &http.Client{}}}
	var target string
	cmd := &cobra.Command{
		Use:   "load LOCATION... --collection WS.COLL",
		Short: "Load NDJSON, JSON, CSV or Parquet files (local or S3) into a collection of a running server",
		Long: `Load documents into a collection through the documents API of a running
server (--url or $BASALT_URL, the key --api-key or $BASALT_API_KEY).

A LOCATION is a path, a glob ('data/*.ndjson'; * does not cross a /), - for
stdin, or an S3 URL: s3://BUCKET/KEY, s3://BUCKET/PREFIX/ (every object
under it) or s3://BUCKET/GLOB. Each location's files are loaded in order of
name. S3 is reached at --s3-endpoint (default AWS) with --s3-access-key and
--s3-secret-key (default $AWS_ACCESS_KEY_ID, $AWS_SECRET_ACCESS_KEY; neither
means anonymous access).

Formats (--format auto chooses by extension, else by the first bytes;
a .gz file, or gzip data, is decompressed first):
  ndjson   one document per line (.ndjson, .jsonl)
  json     one document, an array of documents, or documents one after
           another (.json)
  csv      a header row names the fields (.csv); integers and floats become
           numbers (a zero-led 007 stays a string), true/false booleans,
           empty cells null, everything else strings, as COPY does
  parquet  rows become objects: groups objects, lists arrays, timestamps
           RFC 3339 strings (.parquet)

--resume-file PATH records the position up to which every document is
acknowledged; a load started again with the same file (and the same
locations) goes on after it. With it, a document without an _id gets one
derived from its file and byte offset (or Parquet row), so a batch written
before a crash is replaced, not duplicated, when it is sent again; the file
is then written at most every 250 ms, and at the end. With
--derived-ids=false (server-generated ids) it is written after every
acknowledged batch.

A document that fails is counted and its neighbours are written; the
summary lists the errors by message with the first offending positions,
and the exit status is non-zero if any document failed.`,
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
			case "auto", "ndjson", "json", "csv", "parquet":
			default:
				return fmt.Errorf("--format %q: want auto, ndjson, json, csv or parquet", ld.format)
			}
			if ld.batch < 1 {
				return fmt.Errorf("--batch %d: want at least 1", ld.batch)
			}
			if ld.concurrency < 1 {
				return fmt.Errorf("--concurrency %d: want at least 1", ld.concurrency)
			}
			if !cmd.Flags().Changed("derived-ids") {
				ld.derivedIDs = ld.resumeFile != ""
			}
			ld.resolveS3(cmd)
			ld.errOut = cmd.ErrOrStderr()
			if f, ok := ld.errOut.(*os.File); ok {
				ld.terminal = isTerminal(f)
			}
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
			defer stop()
			stopProfile, err := startCPUProfile(ld.cpuProfile)
			if err != nil {
				return err
			}
			defer stopProfile()
			return ld.run(ctx, cmd.InOrStdin(), args)
		},
	}
	f := cmd.Flags()
	ld.addFlags(f)
	f.StringVar(&target, "collection", "", "the collection to load into: WORKSPACE.COLLECTION (a bare name is in commons)")
	f.StringVar(&ld.format, "format", "auto", "auto, ndjson, json, csv or parquet")
	f.IntVar(&ld.batch, "batch", 1000, "documents per request")
	// Four: the server groups concurrent requests into one commit, and with
	// two the 1 GiB RockBench load ran 10-18% slower.
	f.IntVar(&ld.concurrency, "concurrency", 4, "requests in flight")
	f.BoolVar(&ld.create, "create", false, "create the collection (and its workspace) if missing")
	f.StringVar(&ld.resumeFile, "resume-file", "", "record the acknowledged position here and resume after it (default: none)")
	f.BoolVar(&ld.derivedIDs, "derived-ids", false, "give documents without an _id one derived from their file and position, so a resent batch replaces itself (default: on with --resume-file)")
	f.DurationVar(&ld.every, "progress-interval", 10*time.Second, "when stderr is not a terminal, print a progress line this often (0: never)")
	f.StringVar(&ld.cpuProfile, "cpuprofile", "", "write a CPU profile of the loader to this file (go tool pprof)")
	f.StringVar(&ld.s3.Endpoint, "s3-endpoint", "", "S3-compatible endpoint, host:port or URL (default AWS; $AWS_ENDPOINT_URL_S3, $AWS_ENDPOINT_URL)")
	f.StringVar(&ld.s3.AccessKey, "s3-access-key", "", "S3 access key (default $AWS_ACCESS_KEY_ID)")
	f.StringVar(&ld.s3.SecretKey, "s3-secret-key", "", "S3 secret key (default $AWS_SECRET_ACCESS_KEY; a flag is visible to other users in ps)")
	f.StringVar(&ld.s3.Region, "s3-region", "", "S3 region (default $AWS_REGION, $AWS_DEFAULT_REGION, else found by the client)")
	f.BoolVar(&ld.s3.Insecure, "s3-insecure", false, "plain HTTP to an --s3-endpoint given without a scheme")
	_ = cmd.MarkFlagRequired("collection")
	return cmd
}

// resolveS3 fills what the S3 flags left unset from the environment.
func (ld *loader) resolveS3(cmd *cobra.Command) {
	env := func(v *string, names ...string) {
		for _, n := range names {
			if *v == "" {
				*v = os.Getenv(n)
			}
		}
	}
	env(&ld.s3.Endpoint, "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL")
	if ld.s3.AccessKey == "" && ld.s3.SecretKey == "" {
		env(&ld.s3.AccessKey, "AWS_ACCESS_KEY_ID")
		env(&ld.s3.SecretKey, "AWS_SECRET_ACCESS_KEY")
		env(&ld.s3.SessionToken, "AWS_SESSION_TOKEN")
	}
	env(&ld.s3.Region, "AWS_REGION", "AWS_DEFAULT_REGION")
}

func (ld *loader) run(ctx context.Context, stdin io.Reader, locations []string) error {
	if err := ld.ensureCollection(ctx); err != nil {
		return err
	}
	// The server checks every document's JSON: a batch it refuses for a
	// bad line is split until the line stands alone (post).
	cfg := file.Config{Format: ld.format, S3: ld.s3, Stdin: stdin, NoSyntaxCheck: true}
	var resumed resumeState
	if ld.resumeFile != "" {
		var err error
		if resumed, err = readResume(ld.resumeFile); err != nil {
			return err
		}
		if resumed.Position != nil {
			cfg.After = resumed.Position
			fmt.Fprintf(ld.errOut, "resuming after %s (%s acknowledged before)\n", resumed.Position, plural(resumed.Documents, "document"))
		}
	}
	it, err := file.Open(ctx, cfg, locations...)
	if err != nil {
		return err
	}
	defer it.Close()
	ld.it = it
	ld.acks = &ackTracker{path: ld.resumeFile, docs: resumed.Documents, last: resumed.Position}
	if ld.derivedIDs {
		// A synced write of the resume file per batch was a third of the
		// loader's CPU; with derived ids a resent batch replaces itself.
		ld.acks.every = resumeEvery
	}
	ld.errs = map[string]*errGroup{}
	ld.start = time.Now()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan *docBatch, ld.concurrency)
	var postErr error
	var postOnce sync.Once
	var wg sync.WaitGroup
	for range ld.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				if ctx.Err() != nil {
					continue // drain
				}
				if err := ld.post(ctx, b, 0, len(b.ends)); err != nil {
					postOnce.Do(func() { postErr = err })
					cancel()
					continue
				}
				n, err := ld.acks.ack(b.seq, b.pos[len(b.pos)-1], int64(len(b.ends)))
				if err != nil {
					postOnce.Do(func() { postErr = err })
					cancel()
					continue
				}
				if ld.afterBatch != nil {
					ld.afterBatch(n)
				}
				ld.batches.Put(b)
			}
		}()
	}
	stopProgress := ld.startProgress()

	readErr := ld.read(ctx, batches)
	close(batches)
	wg.Wait()
	stopProgress()
	if err := ld.acks.flush(); err != nil && postErr == nil {
		postErr = err
	}
	if postErr != nil {
		readErr = postErr
	}
	ld.summary(time.Since(ld.start))
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

// resumeEvery is the least time between two writes of a resume file when
// documents have derived ids.
const resumeEvery = 250 * time.Millisecond

// read sends the iterator's documents in batches until the end, or until
// the context is cancelled (by a failed request, or Ctrl-C).
func (ld *loader) read(ctx context.Context, out chan<- *docBatch) error {
	var seq uint64
	b := ld.newBatch()
	send := func() error {
		if len(b.ends) == 0 {
			return nil
		}
		b.buf = append(b.buf, bodyTail...)
		b.seq = seq
		seq++
		select {
		case out <- b:
		case <-ctx.Done():
			return ctx.Err()
		}
		b = ld.newBatch()
		return nil
	}
	var prefixObj, prefix string
	for {
		d, err := ld.it.Next(ctx)
		var de *file.DocError
		var oe *file.ObjectError
		switch {
		case err == io.EOF:
			return send()
		case errors.As(err, &de):
			ld.addError(de.Msg, de.Pos)
			continue
		case errors.As(err, &oe):
			msg := oe.Error()
			if oe.Pos.Line > 0 || oe.Pos.Offset > 0 {
				msg += " (the rest of the file was not loaded)"
			}
			ld.addFatal(msg)
			continue
		case err != nil:
			return err // the context's: a request failed, or Ctrl-C
		}
		b.begin()
		if ld.derivedIDs && !hasTopLevelID(d.Data) {
			if d.Pos.Object != prefixObj {
				prefixObj, prefix = d.Pos.Object, file.IDPrefix(d.Pos.Object)
			}
			b.buf = appendWithID(b.buf, d.Data, prefix, d.Pos.Offset)
		} else {
			b.buf = append(b.buf, d.Data...)
		}
		b.end(d.Pos)
		if len(b.ends) >= ld.batch || len(b.buf) >= maxBatchBytes {
			if err := send(); err != nil {
				return err
			}
		}
	}
}

// newBatch returns an empty batch, reusing one whose request is done:
// allocating (and zeroing) a megabyte or more per batch was a tenth of a
// bulk load's CPU.
func (ld *loader) newBatch() *docBatch {
	b, _ := ld.batches.Get().(*docBatch)
	if b == nil {
		b = &docBatch{}
	}
	b.reset()
	return b
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

// post writes documents [lo, hi) of a batch and records each one's
// outcome. A request the server refuses whole (a body it cannot read, or
// one too large) is split in halves until the documents at fault are
// found alone.
func (ld *loader) post(ctx context.Context, b *docBatch, lo, hi int) error {
	scratch := bodyPool.Get().(*bytes.Buffer)
	defer bodyPool.Put(scratch)
	body := b.body(lo, hi, scratch)
	path := "/v1/orgs/self/ws/" + url.PathEscape(ld.ws) + "/collections/" + url.PathEscape(ld.coll) + "/docs"
	raw, err := ld.doRaw(ctx, "POST", path, body, nil)
	var ae *apiError
	if errors.As(err, &ae) && (ae.Status == http.StatusBadRequest || ae.Status == http.StatusRequestEntityTooLarge) {
		if hi-lo == 1 {
			// The reader's words for a line that is not JSON, as when
			// it checked every line; else the server's.
			msg := file.CheckDoc(b.doc(lo))
			if msg == "" {
				msg = ae.Message
			}
			if msg == "" {
				msg = ae.Error()
			}
			ld.addError(msg, b.pos[lo])
			return nil
		}
		h := lo + (hi-lo)/2
		if err := ld.post(ctx, b, lo, h); err != nil {
			return err
		}
		return ld.post(ctx, b, h, hi)
	}
	if err != nil {
		return fmt.Errorf("write to %s.%s: %w", ld.ws, ld.coll, err)
	}
	if n, ok := allWritten(raw); ok && n == hi-lo {
		ld.mu.Lock()
		ld.written += int64(n)
		ld.mu.Unlock()
		return nil
	}
	dec := decoderPool.Get().(*types.Decoder)
	defer func() {
		dec.Reset()
		decoderPool.Put(dec)
	}()
	statuses, err := documentStatuses(dec, raw)
	if err != nil {
		return fmt.Errorf("write to %s.%s: the server's answer: %w", ld.ws, ld.coll, err)
	}
	if len(statuses) != hi-lo {
		return fmt.Errorf("write to %s.%s: the server answered %d statuses for %d documents", ld.ws, ld.coll, len(statuses), hi-lo)
	}
	var ok int64
	for i, d := range statuses {
		st, e := d.Get("status"), d.Get("error")
		if (st.Kind() == types.KindString && st.Str() == "ERROR") || e.Kind() == types.KindObject {
			msg := "failed"
			if m := e.Get("message"); m.Kind() == types.KindString {
				msg = m.Str()
			}
			ld.addError(msg, b.pos[lo+i])
			continue
		}
		ok++
	}
	ld.mu.Lock()
	ld.written += ok
	ld.mu.Unlock()
	return nil
}

// bodyPool holds the bodies of split batches' halves.
var bodyPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// decoderPool holds decoders of the server's answers, reused with their
// memory.
var decoderPool = sync.Pool{New: func() any { return types.NewDecoder(types.Limits{MaxDocBytes: math.MaxInt}) }}

// allWritten reports, without parsing it, whether a documents API answer
// says that every document was written, and how many entries it has: it
// counts the entries' `"status":"` and looks for an `"status":"ERROR"`.
// Neither can come from a document's _id, whose quotes are escaped. Parsing
// the answers was a fifth of a bulk load's CPU; an answer in another shape
// (ok false) is parsed.
func allWritten(raw []byte) (n int, ok bool) {
	if bytes.Contains(raw, []byte(`"status":"ERROR"`)) || bytes.Contains(raw, []byte(`"error":{`)) {
		return 0, false
	}
	n = bytes.Count(raw, []byte(`"status":"`))
	return n, n > 0
}

// documentStatuses returns the entries of a documents API answer's "data",
// one per document sent, valid until dec is reset. It parses with Basalt's
// own decoder: encoding/json was a fifth of a bulk load's CPU on these
// answers.
func documentStatuses(dec *types.Decoder, raw []byte) ([]types.Value, error) {
	v, err := dec.Decode(raw)
	if err != nil {
		return nil, err
	}
	data := v.Get("data")
	if data.Kind() != types.KindArray {
		return nil, errors.New(`no "data" array`)
	}
	return data.Elems(), nil
}

func (ld *loader) addError(msg string, where file.Position) {
	ld.mu.Lock()
	defer ld.mu.Unlock()
	ld.failed++
	g := ld.errs[msg]
	if g == nil {
		g = &errGroup{first: len(ld.errs)}
		ld.errs[msg] = g
	}
	g.n++
	g.where = append(g.where, where)
	slices.SortFunc(g.where, func(a, b file.Position) int {
		return cmp.Or(strings.Compare(a.Object, b.Object), cmp.Compare(a.Offset, b.Offset))
	})
	g.where = g.where[:min(len(g.where), maxErrorLines)]
}

func (ld *loader) addFatal(msg string) {
	ld.mu.Lock()
	ld.fatal = append(ld.fatal, msg)
	ld.mu.Unlock()
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
		where := make([]string, len(g.where))
		for i, p := range g.where {
			where[i] = p.String()
		}
		fmt.Fprintf(w, "  %s × %s (%s%s)\n", commas(g.n), m, strings.Join(where, ", "), more)
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
