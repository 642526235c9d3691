package file

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Stdin is the location that names standard input (Config.Stdin).
const Stdin = "-"

// Object is one file or S3 object of a load.
type Object struct {
	// Name identifies the object for good: a cleaned absolute path, the
	// URL s3://bucket/key, or "stdin". Positions, resume files and derived
	// ids use it, so a load restarted from another working directory still
	// knows its objects.
	Name string
	// Size is the object's size in bytes as stored (compressed, for .gz),
	// or -1 when unknown (stdin).
	Size int64
	// Version tells this version of the object from another one stored
	// under the same name, as of the listing: for S3 its ETag, size and
	// modification time; for a file its size and modification time (to the
	// nanosecond the file system keeps). "" when unknown (stdin). A
	// watching source reads an object again when its version changes.
	Version string

	bucket, key string // for S3 objects
}

// Config says how to reach and read the objects.
type Config struct {
	// Format is "ndjson", "json", "csv", "parquet", or "" (or "auto") to
	// choose by the object's extension (after a .gz one), else by its
	// first bytes.
	Format string
	// S3 reaches s3:// locations.
	S3 S3Config
	// Stdin is read for the location "-".
	Stdin io.Reader
	// After, when set, skips every document up to and including this
	// position: a load resumed from a position it recorded.
	After *Position
	// NoSyntaxCheck passes NDJSON lines that start with '{' on without
	// checking their JSON, for a caller whose server checks it anyway and
	// that finds a refused batch's bad documents itself (basalt load splits
	// a batch the server refuses until the bad line stands alone, and words
	// its error with CheckDoc). The check was a third of that loader's CPU,
	// on the machine it shares with the server.
	NoSyntaxCheck bool
}

// ErrNoMatch is what List returns (errors.Is) when a glob or prefix
// matches no object: a watching source waits for some to arrive.
var ErrNoMatch = errors.New("no object matches")

type noMatch string

func (e noMatch) Error() string        { return string(e) }
func (e noMatch) Is(target error) bool { return target == ErrNoMatch }

// IsS3 reports whether location is an s3:// URL.
func IsS3(location string) bool { return strings.HasPrefix(location, "s3://") }

// hasMeta reports whether a path holds glob syntax.
func hasMeta(p string) bool { return strings.ContainsAny(p, "*?[") }

// List returns the objects of the locations in order: locations in the
// order given, each one's objects sorted by name; an object named twice is
// listed once, where it first appears. A location is a path, a glob
// (data/*.ndjson; * does not cross a /), "-" for stdin, or
// s3://bucket/key, s3://bucket/prefix/ (every object under it) or
// s3://bucket/glob.
func List(ctx context.Context, cfg Config, locations ...string) ([]Object, error) {
	var out []Object
	seen := map[string]bool{}
	var s3c *s3Client
	for _, loc := range locations {
		var objs []Object
		var err error
		switch {
		case loc == Stdin:
			objs = []Object{{Name: "stdin", Size: -1}}
		case IsS3(loc):
			if s3c == nil {
				if s3c, err = newS3Client(cfg.S3); err != nil {
					return nil, err
				}
			}
			objs, err = s3c.list(ctx, loc)
		default:
			objs, err = listLocal(loc)
		}
		if err != nil {
			return nil, err
		}
		for _, o := range objs {
			if !seen[o.Name] {
				seen[o.Name] = true
				out = append(out, o)
			}
		}
	}
	return out, nil
}

// listLocal lists a path or a glob of local files.
func listLocal(loc string) ([]Object, error) {
	paths := []string{loc}
	if hasMeta(loc) {
		m, err := filepath.Glob(loc)
		if err != nil {
			return nil, fmt.Errorf("glob %q: %w", loc, err)
		}
		if len(m) == 0 {
			return nil, noMatch(fmt.Sprintf("no file matches %q", loc))
		}
		paths = m
	}
	var out []Object
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("%s: no such file", p)
			}
			return nil, err
		}
		if st.IsDir() {
			if hasMeta(loc) {
				continue // a glob may match directories too: skip them
			}
			return nil, fmt.Errorf("%s is a directory (give a glob such as %s)", p, filepath.Join(p, "*"))
		}
		abs, err := filepath.Abs(p)
		if err != nil {
			return nil, err
		}
		out = append(out, Object{Name: abs, Size: st.Size(), Version: fileVersion(st.Size(), st.ModTime())})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// fileVersion is the Version of a file of size bytes last modified at mod.
func fileVersion(size int64, mod time.Time) string {
	return strconv.FormatInt(size, 10) + " " + mod.UTC().Format(time.RFC3339Nano)
}
