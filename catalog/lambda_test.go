package catalog

import (
	"errors"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
)

func openTestCatalog(t *testing.T, fs vfs.FS) (*Catalog, func()) {
	t.Helper()
	db, err := pebble.Open("kv", &pebble.Options{FS: fs})
	if err != nil {
		t.Fatal(err)
	}
	c, err := Open(db, func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) })
	if err != nil {
		t.Fatal(err)
	}
	return c, func() {
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLambdas(t *testing.T) {
	fs := vfs.NewMem()
	c, closeDB := openTestCatalog(t, fs)
	spec := func(q string) LambdaVersionSpec {
		return LambdaVersionSpec{Query: q, Collections: []string{"commons.t"}, Parameters: []string{"x"},
			DefaultParameters: []LambdaParameter{{Name: "x", Type: "int", Value: []byte(`"1"`)}}}
	}
	v1, err := c.CreateLambda("commons", "q", spec("SELECT 1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateLambda("commons", "q", spec("SELECT 1")); !errors.Is(err, ErrAlreadyExists) {
		t.Fatalf("second create: %v", err)
	}
	if _, err := c.CreateLambda("nows", "q", spec("SELECT 1")); !errors.Is(err, ErrNotFound) {
		t.Fatalf("create in a missing workspace: %v", err)
	}
	if _, err := c.AddLambdaVersion("commons", "other", spec("SELECT 1"), false); !errors.Is(err, ErrNotFound) {
		t.Fatalf("version of a missing lambda: %v", err)
	}
	if _, err := c.AddLambdaVersion("commons", "other", spec("SELECT 9"), true); err != nil {
		t.Fatalf("create by version: %v", err)
	}
	v2, _ := c.AddLambdaVersion("commons", "q", spec("SELECT 2"), false)
	v3, _ := c.AddLambdaVersion("commons", "q", spec("SELECT 3"), false)
	if v1.Version == v2.Version || v2.Seq != 1 || v3.Seq != 2 {
		t.Fatalf("versions %+v %+v %+v", v1, v2, v3)
	}
	if lt, _ := c.LambdaTag("commons", "q", LatestTag); lt.Version.Version != v3.Version {
		t.Fatalf("latest %+v", lt)
	}
	if _, err := c.SetLambdaTag("commons", "q", LatestTag, v1.Version); !errors.Is(err, ErrInvalid) {
		t.Fatalf("setting latest: %v", err)
	}
	if _, err := c.SetLambdaTag("commons", "q", "prod", v1.Version); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteLambdaVersion("commons", "q", v1.Version); !errors.Is(err, ErrDependent) {
		t.Fatalf("deleting a tagged version: %v", err)
	}
	if _, err := c.DeleteLambdaVersion("commons", "q", v3.Version); err != nil {
		t.Fatal(err)
	}
	if lt, _ := c.LambdaTag("commons", "q", LatestTag); lt.Version.Version != v2.Version {
		t.Fatalf("latest after deleting the newest: %+v", lt)
	}
	if _, err := c.CreateWorkspace("w2", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateLambda("w2", "q", spec("SELECT 1")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DropWorkspace("w2"); !errors.Is(err, ErrDependent) {
		t.Fatalf("dropping a workspace with a lambda: %v", err)
	}
	closeDB()

	// Everything survives a reopen, and the sequence continues.
	c, closeDB = openTestCatalog(t, fs)
	defer closeDB()
	vs, err := c.LambdaVersions("commons", "q")
	if err != nil || len(vs) != 2 || vs[0].Version != v2.Version || vs[1].Version != v1.Version {
		t.Fatalf("versions after reopen: %+v %v", vs, err)
	}
	if vs[1].Query != "SELECT 1" || string(vs[1].DefaultParameters[0].Value) != `"1"` || vs[1].Collections[0] != "commons.t" || vs[1].Parameters[0] != "x" {
		t.Fatalf("version after reopen: %+v", vs[1])
	}
	tags, _ := c.LambdaTags("commons", "q")
	if len(tags) != 2 || tags[0].Name != LatestTag || tags[1].Name != "prod" || tags[1].Version.Version != v1.Version {
		t.Fatalf("tags after reopen: %+v", tags)
	}
	v4, _ := c.AddLambdaVersion("commons", "q", spec("SELECT 4"), false)
	if v4.Seq != 3 {
		t.Fatalf("seq after reopen: %d", v4.Seq)
	}
	if n := len(c.Lambdas("")); n != 3 {
		t.Fatalf("%d lambdas", n)
	}
	if _, err := c.DropLambda("w2", "q"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DropWorkspace("w2"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteLambdaTag("commons", "q", "prod"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteLambdaVersion("commons", "other", c.lambdas["commons"]["other"].versions[0].Version); !errors.Is(err, ErrInvalid) {
		t.Fatalf("deleting the only version: %v", err)
	}
}
