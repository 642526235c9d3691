package file

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"sync/atomic"

	"github.com/klauspost/compress/gzip"
)

// Formats are the formats an Iterator reads.
var Formats = []string{"ndjson", "json", "csv", "parquet"}

// readBufferSize is the buffer under each text reader. An NDJSON line
// shorter than it is handed out without a copy.
const readBufferSize = 1 << 20

// Doc is one document: the JSON text of an object and where it came from.
type Doc struct {
	// Data is valid until the next call to Next; the caller copies what it
	// keeps.
	Data []byte
	Pos  Position
}

// Iterator reads the documents of a list of objects in order. Next and
// Close belong to one goroutine; Progress may be called from any.
type Iterator struct {
	cfg     Config
	objs    []Object
	s3      *s3Client
	i       int   // the object being read (or next to open)
	skip    int64 // in objs[i]: skip documents at or before this offset
	skipIdx int   // the object cfg.After names, or -1

	cur     docReader
	closers []io.Closer

	total    int64
	doneSize atomic.Int64 // bytes of the objects finished (or skipped)
	curRead  atomic.Int64 // bytes of the current object read
	curRows  atomic.Int64 // rows of the current Parquet object read
	curNRows atomic.Int64 // rows in the current Parquet object, 0 for text
	curSize  atomic.Int64
}

// Open lists the locations (see List) and returns an Iterator over their
// objects.
func Open(ctx context.Context, cfg Config, locations ...string) (*Iterator, error) {
	objs, err := List(ctx, cfg, locations...)
	if err != nil {
		return nil, err
	}
	return NewIterator(cfg, objs)
}

// NewIterator returns an Iterator over objs, as List returned them. With
// cfg.After, the objects before the one it names are skipped whole, and
// that one up to and including its offset; an After whose object is not
// among objs is an error, as the load it came from was of other objects.
func NewIterator(cfg Config, objs []Object) (*Iterator, error) {
	switch cfg.Format {
	case "", "auto", "ndjson", "json", "csv", "parquet":
	default:
		return nil, fmt.Errorf("format %q: want auto, %s", cfg.Format, strings.Join(Formats, ", "))
	}
	it := &Iterator{cfg: cfg, objs: objs, skip: -1, skipIdx: -1}
	for _, o := range objs {
		if o.Size < 0 {
			it.total = -1
			break
		}
		it.total += o.Size
	}
	for _, o := range objs {
		if o.bucket != "" {
			c, err := newS3Client(cfg.S3)
			if err != nil {
				return nil, err
			}
			it.s3 = c
			break
		}
	}
	if a := cfg.After; a != nil {
		it.skipIdx = -1
		for i, o := range objs {
			if o.Name == a.Object {
				it.skipIdx = i
				break
			}
		}
		if it.skipIdx < 0 {
			return nil, fmt.Errorf("the resume position is in %s, which is not among the objects of this load", a.Object)
		}
		var done int64
		for _, o := range objs[:it.skipIdx] {
			done += max(o.Size, 0)
		}
		it.doneSize.Store(done)
		it.i = it.skipIdx
		it.skip = a.Offset
	}
	return it, nil
}

// Objects returns the objects, in the order they are read.
func (it *Iterator) Objects() []Object { return it.objs }

// Progress returns the bytes read so far (of the stored, compressed
// objects; for Parquet, the share of rows read) and their total, or -1 for
// a total when an object's size is unknown (stdin).
func (it *Iterator) Progress() (read, total int64) {
	read = it.doneSize.Load()
	if n := it.curNRows.Load(); n > 0 {
		read += int64(float64(it.curSize.Load()) * float64(it.curRows.Load()) / float64(n))
	} else {
		read += it.curRead.Load()
	}
	return read, it.total
}

// Next returns the next document. A *DocError is a bad document and an
// *ObjectError an object that stops early: after either, Next goes on.
// io.EOF ends the load; any other error (the context's) stops it.
func (it *Iterator) Next(ctx context.Context) (Doc, error) {
	for {
		if err := ctx.Err(); err != nil {
			return Doc{}, err
		}
		if it.cur == nil {
			if it.i >= len(it.objs) {
				return Doc{}, io.EOF
			}
			o := it.objs[it.i]
			if err := it.open(ctx, o); err != nil {
				it.finish()
				if ctx.Err() != nil {
					return Doc{}, ctx.Err()
				}
				return Doc{}, &ObjectError{Pos: Position{Object: o.Name}, Err: err}
			}
		}
		data, pos, err := it.cur.next()
		if err == nil {
			return Doc{Data: data, Pos: pos}, nil
		}
		var de *DocError
		if errors.As(err, &de) {
			return Doc{}, de
		}
		it.finish()
		if err == io.EOF {
			continue
		}
		if ctx.Err() != nil {
			return Doc{}, ctx.Err()
		}
		return Doc{}, &ObjectError{Pos: pos, Err: err}
	}
}

// Close releases the object being read.
func (it *Iterator) Close() error {
	it.closeAll()
	return nil
}

func (it *Iterator) closeAll() {
	for _, c := range it.closers {
		c.Close()
	}
	it.closers = it.closers[:0]
}

// finish closes the current object and moves to the next.
func (it *Iterator) finish() {
	it.closeAll()
	it.cur = nil
	it.doneSize.Add(max(it.objs[it.i].Size, 0))
	it.curRead.Store(0)
	it.curRows.Store(0)
	it.curNRows.Store(0)
	it.i++
	it.skip = -1
}

// formatOf chooses a format by the name's extension, after a .gz one; ""
// when the extension says nothing.
func formatOf(name string) (format string, gz bool) {
	lower := strings.ToLower(name)
	if strings.HasSuffix(lower, ".gz") {
		gz, lower = true, strings.TrimSuffix(lower, ".gz")
	}
	switch path.Ext(lower) {
	case ".ndjson", ".jsonl":
		return "ndjson", gz
	case ".json":
		return "json", gz
	case ".csv":
		return "csv", gz
	case ".parquet", ".pq":
		return "parquet", gz
	}
	return "", gz
}

// sniff chooses a format by the first bytes: "PAR1" is Parquet, '[' JSON,
// '{' NDJSON, anything else CSV.
func sniff(br *bufio.Reader) string {
	b, _ := br.Peek(4096)
	if bytes.HasPrefix(b, []byte("PAR1")) {
		return "parquet"
	}
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

// countingReader counts the bytes read, for Progress.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// open makes o the current object.
func (it *Iterator) open(ctx context.Context, o Object) error {
	it.curSize.Store(max(o.Size, 0))
	format, gz := formatOf(o.Name)
	if f := it.cfg.Format; f != "" && f != "auto" {
		format = f
	}
	if format == "parquet" && !gz && o.Name != "stdin" {
		return it.openParquet(ctx, o)
	}
	r, err := it.stream(ctx, o)
	if err != nil {
		return err
	}
	br := bufio.NewReaderSize(countingReader{r, &it.curRead}, readBufferSize)
	if magic, _ := br.Peek(2); gz || bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("gzip: %w", err)
		}
		it.closers = append(it.closers, zr)
		br = bufio.NewReaderSize(zr, readBufferSize)
		gz = true
	}
	if format == "" {
		format = sniff(br)
	}
	switch format {
	case "ndjson":
		nr := newNDJSONReader(br, o.Name, it.skip)
		nr.noSyntaxCheck = it.cfg.NoSyntaxCheck
		it.cur = nr
	case "json":
		it.cur = newJSONReader(br, o.Name, it.skip)
	case "csv":
		it.cur = newCSVReader(br, o.Name, it.skip)
	case "parquet":
		if gz || o.Name != "stdin" {
			if gz {
				return errors.New("Parquet cannot be read gzip-compressed: Parquet compresses its own pages")
			}
			it.closeAll()
			return it.openParquet(ctx, o)
		}
		b, err := io.ReadAll(br) // stdin: Parquet needs to read at offsets
		if err != nil {
			return err
		}
		it.curSize.Store(int64(len(b)))
		pr, err := newParquetReader(bytes.NewReader(b), int64(len(b)), o.Name, it.skip, &it.curRows)
		if err != nil {
			return err
		}
		it.curNRows.Store(pr.rows)
		it.cur = pr
	}
	return nil
}

// stream opens o for reading from the start.
func (it *Iterator) stream(ctx context.Context, o Object) (io.Reader, error) {
	switch {
	case o.Name == "stdin":
		if it.cfg.Stdin == nil {
			return nil, errors.New("no standard input")
		}
		return it.cfg.Stdin, nil
	case o.bucket != "":
		obj, err := it.s3.open(ctx, o)
		if err != nil {
			return nil, err
		}
		it.closers = append(it.closers, obj)
		return obj, nil
	}
	f, err := os.Open(o.Name)
	if err != nil {
		return nil, err
	}
	it.closers = append(it.closers, f)
	return f, nil
}

func (it *Iterator) openParquet(ctx context.Context, o Object) error {
	var ra io.ReaderAt
	size := o.Size
	if o.bucket != "" {
		obj, err := it.s3.open(ctx, o)
		if err != nil {
			return err
		}
		it.closers = append(it.closers, obj)
		ra = obj
	} else {
		f, err := os.Open(o.Name)
		if err != nil {
			return err
		}
		it.closers = append(it.closers, f)
		st, err := f.Stat()
		if err != nil {
			return err
		}
		ra, size = f, st.Size()
	}
	pr, err := newParquetReader(ra, size, o.Name, it.skip, &it.curRows)
	if err != nil {
		return err
	}
	it.curNRows.Store(pr.rows)
	it.cur = pr
	return nil
}
