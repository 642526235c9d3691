package pgwire

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/sql"
	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/basaltdb/basalt/storage"
	"github.com/basaltdb/basalt/types"
	"github.com/jackc/pgx/v5/pgproto3"
)

// copyCmd is a parsed `COPY [ws.]coll [(cols)] FROM STDIN [WITH] (options)`,
// or its other direction, `COPY [ws.]coll [(cols)] TO STDOUT …` and `COPY
// (query) TO STDOUT …` (see copy_out.go).
type copyCmd struct {
	ws, coll string
	cols     []string
	format   string // "text", "csv", "ndjson", "binary"
	header   bool
	delim    byte
	null     string
	// to is set for COPY … TO STDOUT, whose rows are those of query, or of
	// the collection (its columns, or all) when query is empty.
	to    bool
	query string
	// forceQuote quotes every non-NULL CSV value of these columns (TO only;
	// "*" stands for all).
	forceQuote []string
}

// maxRejectedShown bounds the reasons a COPY's warning lists.
const maxRejectedShown = 5

// parseCopy recognizes a COPY statement. ok is false when text is not one
// (it is then parsed as SQL); err is set when it is one Basalt cannot run.
func parseCopy(text string) (cmd *copyCmd, ok bool, err error) {
	toks, terr := tokenize(text)
	if terr != nil || len(toks) == 0 || !strings.EqualFold(toks[0].s, "copy") || toks[0].quoted {
		return nil, false, nil
	}
	bad := func(format string, args ...any) (*copyCmd, bool, error) {
		return nil, true, sqlerr.New(sqlerr.Syntax, format, args...)
	}
	p := &tokParser{toks: toks[1:]}
	cmd = &copyCmd{format: "text", delim: '\t', null: `\N`}
	if p.peek("(") {
		// COPY (query) TO: the query is the text between the parentheses.
		depth := 0
		for j, t := range p.toks {
			if t.quoted || t.str {
				continue
			}
			switch t.s {
			case "(":
				depth++
			case ")":
				depth--
			}
			if depth == 0 {
				cmd.query = strings.TrimSpace(text[p.toks[0].end:t.start])
				p.toks = p.toks[j+1:]
				break
			}
		}
		if depth != 0 || cmd.query == "" {
			return bad("syntax error in COPY: expected a query in parentheses")
		}
		if !p.eatWord("to") {
			return bad("syntax error in COPY: a query can only be copied TO STDOUT")
		}
		return cmd, true, cmd.parseTo(p)
	}
	name, ok := p.ident()
	if !ok {
		return bad("syntax error in COPY: expected a collection name")
	}
	if p.eat(".") {
		cmd.ws = name
		if name, ok = p.ident(); !ok {
			return bad("syntax error in COPY: expected a collection name after %q", cmd.ws+".")
		}
	}
	cmd.coll = name
	if p.eat("(") {
		if cmd.cols, ok = p.identList(); !ok {
			return bad("syntax error in COPY column list")
		}
	}
	switch {
	case p.eatWord("from"):
	case p.eatWord("to"):
		return cmd, true, cmd.parseTo(p)
	default:
		return bad("syntax error in COPY: expected FROM STDIN or TO STDOUT")
	}
	if !p.eatWord("stdin") {
		return nil, true, sqlerr.New(sqlerr.FeatureNotSupported, "COPY FROM supports STDIN only (a server-side file is not read)")
	}
	if err := cmd.parseOptions(p); err != nil {
		return nil, true, err
	}
	if cmd.format == "binary" {
		if cmd.header {
			return nil, true, sqlerr.New(sqlerr.FeatureNotSupported, "cannot specify HEADER in BINARY mode")
		}
		if len(cmd.cols) == 0 {
			return nil, true, sqlerr.New(sqlerr.FeatureNotSupported, "a collection has no column order: COPY %s FROM STDIN (FORMAT binary) needs a column list", cmd.coll)
		}
	}
	if len(cmd.forceQuote) > 0 {
		return nil, true, sqlerr.New(sqlerr.FeatureNotSupported, "COPY FORCE_QUOTE is available only in COPY TO")
	}
	if cmd.format != "ndjson" && len(cmd.cols) == 0 && !cmd.header {
		return nil, true, sqlerr.New(sqlerr.FeatureNotSupported, "a collection has no column order: COPY %s needs a column list or HEADER", cmd.format)
	}
	return cmd, true, nil
}

// parseTo reads what follows TO: STDOUT and the options.
func (cmd *copyCmd) parseTo(p *tokParser) error {
	cmd.to = true
	if !p.eatWord("stdout") {
		return sqlerr.New(sqlerr.FeatureNotSupported, "COPY TO supports STDOUT only (Basalt writes no server-side file; psql's \\copy … to 'file' writes a client-side one)")
	}
	if err := cmd.parseOptions(p); err != nil {
		return err
	}
	switch cmd.format {
	case "text", "csv":
	default:
		return sqlerr.New(sqlerr.FeatureNotSupported, "COPY TO supports the text and csv formats, not %s", cmd.format)
	}
	if len(cmd.forceQuote) > 0 && cmd.format != "csv" {
		return sqlerr.New(sqlerr.FeatureNotSupported, "COPY FORCE_QUOTE requires CSV mode")
	}
	return nil
}

// parseOptions reads the options after STDIN or STDOUT, in either
// spelling, to the end of the statement.
func (cmd *copyCmd) parseOptions(p *tokParser) error {
	bad := func(format string, args ...any) error {
		return sqlerr.New(sqlerr.Syntax, format, args...)
	}
	var set copyOptionsSet
	p.eatWord("with")
	if p.eat("(") {
		// COPY … WITH (FORMAT csv, HEADER, DELIMITER ',', NULL '')
		for {
			opt, ok := p.ident()
			if !ok {
				return bad("syntax error in COPY options")
			}
			opt = strings.ToLower(opt)
			switch {
			case opt == "force_quote":
				// FORCE_QUOTE * or FORCE_QUOTE (col, …)
				if p.eat("*") {
					cmd.forceQuote = []string{"*"}
					break
				}
				if !p.eat("(") {
					return bad("syntax error in COPY option force_quote")
				}
				if cmd.forceQuote, ok = p.identList(); !ok {
					return bad("syntax error in COPY option force_quote")
				}
			default:
				val := ""
				if !p.peek(",") && !p.peek(")") {
					if val, ok = p.value(); !ok {
						return bad("syntax error in COPY option %s", opt)
					}
				}
				if err := cmd.option(opt, val, &set); err != nil {
					return err
				}
			}
			if p.eat(")") {
				break
			}
			if !p.eat(",") {
				return bad("syntax error in COPY options")
			}
		}
	} else {
		// The pre-9.0 spelling psql still accepts: WITH CSV HEADER …
		for !p.done() && !p.peek(";") {
			w, _ := p.ident()
			switch w = strings.ToLower(w); w {
			case "csv", "binary", "text", "ndjson":
				if err := cmd.option("format", w, &set); err != nil {
					return err
				}
			case "header":
				cmd.header = true
			case "delimiter", "null":
				p.eatWord("as")
				v, ok := p.value()
				if !ok {
					return bad("syntax error in COPY option %s", w)
				}
				if err := cmd.option(w, v, &set); err != nil {
					return err
				}
			default:
				return bad("syntax error in COPY near %q", w)
			}
		}
	}
	p.eat(";")
	if !p.done() {
		return bad("syntax error in COPY near %q", p.toks[0].s)
	}
	// The format's defaults, where no option says otherwise.
	if cmd.format == "csv" {
		if !set.delim {
			cmd.delim = ','
		}
		if !set.null {
			cmd.null = ""
		}
	}
	return nil
}

// copyOptionsSet records the options given explicitly, which the format's
// defaults do not override, whatever their order.
type copyOptionsSet struct{ delim, null bool }

func (cmd *copyCmd) option(name, val string, set *copyOptionsSet) error {
	switch name {
	case "format":
		switch strings.ToLower(val) {
		case "text":
			cmd.format = "text"
		case "csv":
			cmd.format = "csv"
		case "ndjson", "json", "jsonl":
			cmd.format = "ndjson"
		case "binary":
			cmd.format = "binary"
		default:
			return sqlerr.New("22023", "COPY format %q not recognized", val)
		}
	case "header":
		switch strings.ToLower(val) {
		case "", "true", "on", "1", "match":
			cmd.header = true
		case "false", "off", "0":
			cmd.header = false
		default:
			return sqlerr.New("22023", "header requires a Boolean value")
		}
	case "delimiter":
		if len(val) != 1 {
			return sqlerr.New(sqlerr.FeatureNotSupported, "COPY delimiter must be a single one-byte character")
		}
		cmd.delim, set.delim = val[0], true
	case "null":
		cmd.null, set.null = val, true
	case "quote", "escape":
		if val != `"` {
			return sqlerr.New(sqlerr.FeatureNotSupported, "COPY %s other than '\"' is not supported", strings.ToUpper(name))
		}
	case "encoding":
		if !strings.EqualFold(strings.ReplaceAll(val, "-", ""), "utf8") {
			return sqlerr.New(sqlerr.FeatureNotSupported, "COPY ENCODING %q is not supported: UTF8 only", val)
		}
	case "freeze":
	default:
		return sqlerr.New("42601", "option %q not recognized", name)
	}
	return nil
}

// copyStats counts a COPY's outcome.
type copyStats struct {
	written, rejected int64
	reasons           []string
}

func (st *copyStats) reject(line int64, msg string) {
	st.rejected++
	if len(st.reasons) < maxRejectedShown {
		st.reasons = append(st.reasons, fmt.Sprintf("line %d: %s", line, msg))
	}
}

// copyIn runs COPY FROM STDIN: CopyInResponse, then the client's CopyData
// until CopyDone. Rows are written in batches of CopyBatchRows through the
// engine as they arrive (one batch in flight while the next is read), so a
// COPY of any size runs in bounded memory. A row that cannot be read (wrong
// field count, bad JSON) or that the engine rejects is skipped and counted,
// as the HTTP write API reports a bad document without failing its
// neighbours: the COPY completes as "COPY n" with n rows written and a
// WARNING naming the rejected rows. CopyFail, a broken stream or a missing
// collection fail the COPY; batches written before stay written.
func (c *conn) copyIn(cmd *copyCmd) error {
	if c.tx == 'E' {
		return sqlerr.New("25P02", "current transaction is aborted, commands ignored until end of transaction block")
	}
	ws := cmd.ws
	if ws == "" {
		ws = c.schema()
	}
	if err := c.sess.CheckWrite(ws, cmd.coll); err != nil {
		return err
	}
	col, err := c.srv.cfg.Engine.Catalog().Collection(ws, cmd.coll)
	if err != nil {
		return sqlerr.New(sqlerr.UndefinedTable, "relation %q does not exist", ws+"."+cmd.coll)
	}
	if col.FieldMappingQuery != "" && c.srv.cfg.Transformer == nil {
		// Refuse rather than store rows that bypass the collection's
		// transformation.
		return sqlerr.New(sqlerr.FeatureNotSupported, "COPY into %s.%s is not supported here: the collection has a field_mapping_query", ws, cmd.coll)
	}
	var oids []uint32
	resp := &pgproto3.CopyInResponse{OverallFormat: 0, ColumnFormatCodes: make([]uint16, len(cmd.cols))}
	if cmd.format == "binary" {
		var err error
		if oids, err = c.binaryCopyTypes(cmd); err != nil {
			return err
		}
		resp.OverallFormat = 1
		for i := range resp.ColumnFormatCodes {
			resp.ColumnFormatCodes[i] = 1
		}
	}
	c.be.Send(resp)
	if err := c.be.Flush(); err != nil {
		return err
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	c.mu.Lock()
	c.running = cancel
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.running = nil
		c.mu.Unlock()
	}()

	in := &copyReader{c: c}
	w := newCopyWriter(ctx, c.srv.cfg.Engine, ws, cmd.coll, c.srv.cfg.CopyBatchRows)
	if col.FieldMappingQuery != "" {
		w.tr, w.col = c.srv.cfg.Transformer, col
	}
	var st copyStats
	var readErr error
	switch cmd.format {
	case "ndjson":
		readErr = c.copyNDJSON(in, w, &st)
	case "csv":
		readErr = c.copyCSV(cmd, in, w, &st)
	case "binary":
		readErr = c.copyBinary(cmd, oids, in, w, &st)
	default:
		readErr = c.copyText(cmd, in, w, &st)
	}
	werr := w.close(&st)
	if readErr != nil {
		// Read what remains of the stream, so the connection stays in step.
		in.drain()
		if ctx.Err() != nil {
			return interrupted(ctx)
		}
		return readErr
	}
	if werr != nil {
		if ctx.Err() != nil {
			return interrupted(ctx)
		}
		return werr
	}
	if st.rejected > 0 {
		c.be.Send(&pgproto3.NoticeResponse{
			Severity: "WARNING", SeverityUnlocalized: "WARNING", Code: "22P04",
			Message: fmt.Sprintf("%d rows rejected, %d written", st.rejected, st.written),
			Detail:  strings.Join(st.reasons, "\n"),
		})
	}
	c.be.Send(&pgproto3.CommandComplete{CommandTag: []byte("COPY " + strconv.FormatInt(st.written, 10))})
	return nil
}

// copyReader reads the CopyData stream of a COPY FROM STDIN.
type copyReader struct {
	c    *conn
	buf  []byte
	done bool
	err  error
}

var errCopyDone = io.EOF

func (r *copyReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if r.done {
			return 0, r.err
		}
		msg, err := r.c.be.Receive()
		if err != nil {
			r.done, r.err = true, err
			return 0, err
		}
		switch m := msg.(type) {
		case *pgproto3.CopyData:
			// The message's buffer is reused by the next Receive, which
			// only happens once this one is consumed.
			r.buf = m.Data
		case *pgproto3.CopyDone:
			r.done, r.err = true, errCopyDone
		case *pgproto3.CopyFail:
			r.done, r.err = true, sqlerr.New(sqlerr.QueryCanceled, "COPY from stdin failed: %s", m.Message)
		case *pgproto3.Flush, *pgproto3.Sync:
			// Allowed during COPY and ignored, as PostgreSQL does.
		default:
			r.done, r.err = true, sqlerr.New("08P01", "unexpected message type %T during COPY from stdin", msg)
		}
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// drain consumes the rest of the stream after a failure.
func (r *copyReader) drain() {
	var b [4096]byte
	for !r.done {
		if _, err := r.Read(b[:]); err != nil {
			break
		}
	}
}

// streamErr turns the end of the CopyData stream into nil.
func streamErr(err error) error {
	if errors.Is(err, errCopyDone) {
		return nil
	}
	return err
}

func (c *conn) copyNDJSON(in *copyReader, w *copyWriter, st *copyStats) error {
	br := bufio.NewReaderSize(in, 256<<10)
	limits := c.srv.cfg.Engine.Limits()
	var line int64
	for {
		b, err := readLine(br, limits.MaxDocBytes)
		if len(b) > 0 {
			line++
			if len(bytes.TrimSpace(b)) > 0 {
				w.addJSON(line, b, st)
			}
		} else if err == nil {
			line++
		}
		if err != nil {
			if err == errLineTooLong {
				line++
				st.reject(line, fmt.Sprintf("document larger than %d bytes", limits.MaxDocBytes))
				continue
			}
			if err := streamErr(err); err != nil {
				return err
			}
			return nil
		}
		if err := w.maybeFlush(st); err != nil {
			return err
		}
	}
}

var errLineTooLong = errors.New("line too long")

// readLine returns the next line without its end; a line longer than max
// is skipped whole and reported as errLineTooLong.
func readLine(br *bufio.Reader, max int) ([]byte, error) {
	var long []byte
	for {
		b, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			long = append(long, b...)
			if max > 0 && len(long) > max+1 {
				for err == bufio.ErrBufferFull {
					_, err = br.ReadSlice('\n')
				}
				if err != nil && err != io.EOF && !errors.Is(err, errCopyDone) {
					return nil, err
				}
				return nil, errLineTooLong
			}
			continue
		}
		if long != nil {
			b = append(long, b...)
		}
		b = bytes.TrimRight(b, "\r\n")
		if err != nil && len(b) > 0 && (err == io.EOF || errors.Is(err, errCopyDone)) {
			return b, nil
		}
		return b, err
	}
}

func (c *conn) copyCSV(cmd *copyCmd, in *copyReader, w *copyWriter, st *copyStats) error {
	r := csv.NewReader(bufio.NewReaderSize(in, 256<<10))
	r.Comma = rune(cmd.delim)
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	cols := cmd.cols
	var line int64
	if cmd.header {
		rec, err := r.Read()
		if err != nil {
			if err := streamErr(err); err != nil {
				return csvErr(err)
			}
			return nil
		}
		line++
		if cols == nil {
			cols = append([]string(nil), rec...)
		}
	}
	for {
		rec, err := r.Read()
		if err != nil {
			if err := streamErr(err); err != nil {
				var pe *csv.ParseError
				if errors.As(err, &pe) && !errors.Is(err, errCopyDone) && pe.Err != nil && !isStreamErr(pe.Err) {
					// A malformed record: the CSV reader cannot find the next
					// one reliably, so the COPY stops here.
					return sqlerr.New("22P04", "bad CSV at line %d: %s", pe.StartLine, pe.Err)
				}
				return csvErr(err)
			}
			break
		}
		line++
		if len(rec) == 1 && rec[0] == `\.` {
			// psql's end-of-data marker.
			break
		}
		if len(rec) != len(cols) {
			st.reject(line, fmt.Sprintf("%d fields where %d columns are named", len(rec), len(cols)))
			continue
		}
		fields := make([]types.Field, 0, len(cols))
		for i, s := range rec {
			if s == cmd.null {
				fields = append(fields, types.Field{Name: cols[i], Value: types.Null})
				continue
			}
			fields = append(fields, types.Field{Name: cols[i], Value: types.InferText(s)})
		}
		w.add(line, types.Object(fields))
		if err := w.maybeFlush(st); err != nil {
			return err
		}
	}
	return nil
}

func isStreamErr(err error) bool {
	var se *sqlerr.Error
	return errors.As(err, &se)
}

func csvErr(err error) error {
	var se *sqlerr.Error
	if errors.As(err, &se) {
		return se
	}
	return sqlerr.New("22P04", "bad CSV: %s", err)
}

func (c *conn) copyText(cmd *copyCmd, in *copyReader, w *copyWriter, st *copyStats) error {
	br := bufio.NewReaderSize(in, 256<<10)
	cols := cmd.cols
	var line int64
	for {
		b, err := readLine(br, c.srv.cfg.Engine.Limits().MaxDocBytes)
		if err != nil && err != errLineTooLong {
			if err := streamErr(err); err != nil {
				return err
			}
			if len(b) == 0 {
				return nil
			}
		}
		line++
		if err == errLineTooLong {
			st.reject(line, "row too long")
			continue
		}
		s := string(b)
		if s == `\.` {
			return nil
		}
		parts := strings.Split(s, string(cmd.delim))
		if line == 1 && cmd.header {
			if cols == nil {
				cols = parts
			}
			continue
		}
		if len(parts) != len(cols) {
			st.reject(line, fmt.Sprintf("%d fields where %d columns are named", len(parts), len(cols)))
			continue
		}
		fields := make([]types.Field, 0, len(cols))
		for i, p := range parts {
			if p == cmd.null {
				fields = append(fields, types.Field{Name: cols[i], Value: types.Null})
				continue
			}
			fields = append(fields, types.Field{Name: cols[i], Value: types.InferText(unescapeText(p))})
		}
		w.add(line, types.Object(fields))
		if err := w.maybeFlush(st); err != nil {
			return err
		}
	}
}

// unescapeText undoes the backslash escapes of COPY's text format.
func unescapeText(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch != '\\' || i+1 == len(s) {
			b.WriteByte(ch)
			continue
		}
		i++
		switch s[i] {
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'v':
			b.WriteByte('\v')
		case '0', '1', '2', '3', '4', '5', '6', '7':
			n, j := 0, i
			for ; j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7'; j++ {
				n = n*8 + int(s[j]-'0')
			}
			b.WriteByte(byte(n))
			i = j - 1
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// copyWriter writes COPY rows in batches, one batch in flight on its own
// goroutine while the connection reads the next.
type copyWriter struct {
	ctx       context.Context
	eng       *storage.Engine
	ws, coll  string
	batchRows int
	ops       []storage.WriteOp
	lines     []int64
	dec       *types.Decoder
	arena     []byte
	inflight  chan copyBatchResult
	// tr applies col's field_mapping_query to each batch, when it has one.
	tr  sql.Transformer
	col catalog.Collection
}

type copyBatchResult struct {
	results []storage.WriteResult
	lines   []int64
	// of maps the batch's rows to their transformed operation (-1: the
	// transformation's WHERE dropped the row); nil without a
	// transformation, where row i is operation i.
	of  []int
	err error
	dec *types.Decoder
}

func newCopyWriter(ctx context.Context, eng *storage.Engine, ws, coll string, batchRows int) *copyWriter {
	return &copyWriter{ctx: ctx, eng: eng, ws: ws, coll: coll, batchRows: batchRows, dec: types.NewDecoder(eng.Limits())}
}

// addJSON decodes one NDJSON line into the batch. The decoded value may
// alias its input, so the line is copied into the batch's arena first.
func (w *copyWriter) addJSON(line int64, b []byte, st *copyStats) {
	start := len(w.arena)
	w.arena = append(w.arena, b...)
	v, err := w.dec.Decode(w.arena[start:])
	if err != nil {
		st.reject(line, err.Error())
		return
	}
	if v.Kind() != types.KindObject {
		st.reject(line, "a document must be a JSON object, got "+v.Kind().String())
		return
	}
	kind, err := storage.OpFromDocument(v)
	op := storage.WriteOp{Kind: kind, Doc: v, Err: err}
	w.ops = append(w.ops, op)
	w.lines = append(w.lines, line)
}

func (w *copyWriter) add(line int64, doc types.Value) {
	w.ops = append(w.ops, storage.WriteOp{Kind: storage.OpUpsert, Doc: doc})
	w.lines = append(w.lines, line)
}

func (w *copyWriter) maybeFlush(st *copyStats) error {
	if len(w.ops) < w.batchRows {
		return nil
	}
	return w.flush(st)
}

// flush waits for the batch in flight, then starts writing the current one.
func (w *copyWriter) flush(st *copyStats) error {
	if err := w.wait(st); err != nil {
		return err
	}
	if len(w.ops) == 0 {
		return nil
	}
	ops, lines, dec := w.ops, w.lines, w.dec
	w.ops, w.lines, w.arena = nil, nil, nil
	// The decoder's memory belongs to the batch until its write returns.
	w.dec = types.NewDecoder(w.eng.Limits())
	ch := make(chan copyBatchResult, 1)
	w.inflight = ch
	go func() {
		var of []int
		if w.tr != nil {
			docs := make([]types.Value, len(ops))
			for i, op := range ops {
				docs[i] = op.Doc
			}
			var err error
			if ops, of, err = w.tr.Transform(w.ctx, w.col, docs); err != nil {
				ch <- copyBatchResult{err: err, dec: dec}
				return
			}
		}
		res, _, err := w.eng.Write(w.ctx, w.ws, w.coll, ops)
		ch <- copyBatchResult{results: res, lines: lines, of: of, err: err, dec: dec}
	}()
	return nil
}

func (w *copyWriter) wait(st *copyStats) error {
	if w.inflight == nil {
		return nil
	}
	r := <-w.inflight
	w.inflight = nil
	if r.err != nil {
		if errors.Is(r.err, catalog.ErrNotFound) {
			return sqlerr.New(sqlerr.UndefinedTable, "relation %q does not exist", w.ws+"."+w.coll)
		}
		return r.err
	}
	if r.of != nil {
		for i, j := range r.of {
			switch {
			case j < 0: // dropped by the transformation's WHERE
			case r.results[j].Err != nil:
				st.reject(r.lines[i], r.results[j].Err.Message)
			default:
				st.written++
			}
		}
		return nil
	}
	for i, res := range r.results {
		if res.Err != nil {
			st.reject(r.lines[i], res.Err.Message)
			continue
		}
		st.written++
	}
	return nil
}

// close writes what is left and waits for it.
func (w *copyWriter) close(st *copyStats) error {
	if err := w.flush(st); err != nil {
		return err
	}
	return w.wait(st)
}

// token is a lexical token of the statements pgwire reads itself (COPY).
type token struct {
	s      string
	quoted bool // a "quoted identifier"
	str    bool // a 'string literal'
	// start and end are the token's byte offsets in the text.
	start, end int
}

// tokenize splits SQL text into identifiers, string literals and single
// punctuation characters, skipping comments.
func tokenize(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		ch := s[i]
		switch {
		case ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f':
			i++
		case ch == '-' && i+1 < len(s) && s[i+1] == '-':
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case ch == '/' && i+1 < len(s) && s[i+1] == '*':
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				return nil, errors.New("unterminated comment")
			}
			i += end + 4
		case ch == '\'' || ch == '"' || ((ch == 'E' || ch == 'e') && i+1 < len(s) && s[i+1] == '\''):
			start := i
			esc := ch == 'E' || ch == 'e'
			if esc {
				i++
				ch = '\''
			}
			var b strings.Builder
			j := i + 1
			for ; j < len(s); j++ {
				if esc && s[j] == '\\' && j+1 < len(s) {
					j++
					switch s[j] {
					case 't':
						b.WriteByte('\t')
					case 'n':
						b.WriteByte('\n')
					case 'r':
						b.WriteByte('\r')
					default:
						b.WriteByte(s[j])
					}
					continue
				}
				if s[j] == ch {
					if j+1 < len(s) && s[j+1] == ch {
						b.WriteByte(ch)
						j++
						continue
					}
					break
				}
				b.WriteByte(s[j])
			}
			if j >= len(s) {
				return nil, errors.New("unterminated quoted string")
			}
			toks = append(toks, token{s: b.String(), quoted: ch == '"', str: ch == '\'', start: start, end: j + 1})
			i = j + 1
		case isIdentChar(ch):
			j := i
			for j < len(s) && isIdentChar(s[j]) {
				j++
			}
			toks = append(toks, token{s: s[i:j], start: i, end: j})
			i = j
		default:
			toks = append(toks, token{s: s[i : i+1], start: i, end: i + 1})
			i++
		}
	}
	return toks, nil
}

func isIdentChar(ch byte) bool {
	return ch == '_' || ch == '$' || ch >= 0x80 || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '+'
}

type tokParser struct{ toks []token }

func (p *tokParser) done() bool { return len(p.toks) == 0 }

func (p *tokParser) peek(s string) bool {
	return len(p.toks) > 0 && !p.toks[0].quoted && !p.toks[0].str && p.toks[0].s == s
}

func (p *tokParser) eat(s string) bool {
	if p.peek(s) {
		p.toks = p.toks[1:]
		return true
	}
	return false
}

func (p *tokParser) eatWord(w string) bool {
	if len(p.toks) > 0 && !p.toks[0].quoted && !p.toks[0].str && strings.EqualFold(p.toks[0].s, w) {
		p.toks = p.toks[1:]
		return true
	}
	return false
}

// ident reads an identifier: unquoted ones fold to lower case.
func (p *tokParser) ident() (string, bool) {
	if len(p.toks) == 0 || p.toks[0].str {
		return "", false
	}
	t := p.toks[0]
	if !t.quoted && !isIdentChar(t.s[0]) {
		return "", false
	}
	p.toks = p.toks[1:]
	if t.quoted {
		return t.s, true
	}
	return strings.ToLower(t.s), true
}

// identList reads identifiers separated by commas up to and including
// the closing parenthesis (the opening one already read).
func (p *tokParser) identList() ([]string, bool) {
	var out []string
	for {
		id, ok := p.ident()
		if !ok {
			return nil, false
		}
		out = append(out, id)
		if p.eat(")") {
			return out, true
		}
		if !p.eat(",") {
			return nil, false
		}
	}
}

// value reads an option value: a string literal or a word.
func (p *tokParser) value() (string, bool) {
	if len(p.toks) == 0 {
		return "", false
	}
	t := p.toks[0]
	if !t.str && !t.quoted && !isIdentChar(t.s[0]) {
		return "", false
	}
	p.toks = p.toks[1:]
	return t.s, true
}
