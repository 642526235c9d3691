package file

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Config reaches S3-compatible object storage (AWS S3, MinIO, Ceph,
// R2...). The caller fills it (from flags or the environment); the package
// reads no environment of its own.
type S3Config struct {
	// Endpoint is host[:port] or a URL (http:// means plain HTTP). Empty
	// means AWS: s3.amazonaws.com.
	Endpoint string
	// AccessKey and SecretKey sign requests; both empty means anonymous
	// access (public buckets).
	AccessKey, SecretKey, SessionToken string
	Region                             string
	// Insecure talks plain HTTP to an Endpoint given without a scheme.
	Insecure bool
	// Transport, when set, carries the requests (tests).
	Transport http.RoundTripper
}

type s3Client struct {
	mc *minio.Client
}

func newS3Client(cfg S3Config) (*s3Client, error) {
	endpoint, secure := cfg.Endpoint, !cfg.Insecure
	if endpoint == "" {
		endpoint = "s3.amazonaws.com"
	}
	if strings.Contains(endpoint, "://") {
		u, err := url.Parse(endpoint)
		if err != nil {
			return nil, fmt.Errorf("S3 endpoint %q: %w", cfg.Endpoint, err)
		}
		switch u.Scheme {
		case "http":
			secure = false
		case "https":
			secure = true
		default:
			return nil, fmt.Errorf("S3 endpoint %q: want http:// or https://", cfg.Endpoint)
		}
		if u.Path != "" && u.Path != "/" {
			return nil, fmt.Errorf("S3 endpoint %q: give host[:port] without a path", cfg.Endpoint)
		}
		endpoint = u.Host
	}
	var creds *credentials.Credentials
	if cfg.AccessKey != "" || cfg.SecretKey != "" {
		creds = credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, cfg.SessionToken)
	} else {
		creds = credentials.NewStatic("", "", "", credentials.SignatureAnonymous)
	}
	mc, err := minio.New(endpoint, &minio.Options{Creds: creds, Secure: secure, Region: cfg.Region, Transport: cfg.Transport})
	if err != nil {
		return nil, fmt.Errorf("S3 endpoint %q: %w", endpoint, err)
	}
	return &s3Client{mc: mc}, nil
}

// parseS3 splits s3://bucket/key.
func parseS3(loc string) (bucket, key string, err error) {
	rest := strings.TrimPrefix(loc, "s3://")
	bucket, key, _ = strings.Cut(rest, "/")
	if bucket == "" {
		return "", "", fmt.Errorf("%q: want s3://BUCKET/KEY, s3://BUCKET/PREFIX/ or s3://BUCKET/GLOB", loc)
	}
	return bucket, key, nil
}

// list lists the objects of one s3:// location, sorted by key: the object
// itself, every object under a prefix that ends in / (or under key/ when
// no object is called key), or the objects a glob matches (path.Match: *
// does not cross a /).
func (c *s3Client) list(ctx context.Context, loc string) ([]Object, error) {
	bucket, key, err := parseS3(loc)
	if err != nil {
		return nil, err
	}
	prefix, glob := key, ""
	if i := strings.IndexAny(key, "*?["); i >= 0 {
		prefix, glob = key[:i], key
		if _, err := path.Match(glob, ""); err != nil {
			return nil, fmt.Errorf("glob %q: %w", loc, err)
		}
	}
	var exact, under []Object
	for info := range c.mc.ListObjects(ctx, bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if info.Err != nil {
			return nil, fmt.Errorf("list %s: %w", loc, info.Err)
		}
		if strings.HasSuffix(info.Key, "/") {
			continue // a "directory" marker
		}
		o := Object{Name: "s3://" + bucket + "/" + info.Key, Size: info.Size, bucket: bucket, key: info.Key,
			Version: info.ETag + " " + fileVersion(info.Size, info.LastModified)}
		switch {
		case glob != "":
			if ok, _ := path.Match(glob, info.Key); ok {
				under = append(under, o)
			}
		case info.Key == key:
			exact = append(exact, o)
		case key == "" || strings.HasSuffix(key, "/") || strings.HasPrefix(info.Key, key+"/"):
			under = append(under, o)
		}
	}
	if len(exact) > 0 {
		return exact, nil
	}
	if len(under) == 0 {
		return nil, noMatch("no object matches " + loc)
	}
	sort.Slice(under, func(i, j int) bool { return under[i].key < under[j].key })
	return under, nil
}

// open returns the object's bytes as a stream; the *minio.Object also
// reads at offsets (Parquet).
func (c *s3Client) open(ctx context.Context, o Object) (*minio.Object, error) {
	obj, err := c.mc.GetObject(ctx, o.bucket, o.key, minio.GetObjectOptions{})
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", o.Name, err)
	}
	return obj, nil
}

var _ io.ReaderAt = (*minio.Object)(nil)
