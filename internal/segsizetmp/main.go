package main

import (
	"fmt"
	"os"
	"sort"

	"github.com/basaltdb/basalt/storage/segment"
	"github.com/cockroachdb/pebble/v2/vfs"
)

func main() {
	r, err := segment.Open(vfs.Default, os.Args[1])
	if err != nil {
		panic(err)
	}
	s := r.Sizes()
	n := float64(r.NumRows())
	type kv struct {
		k string
		v int64
	}
	var all []kv
	var ct, it int64
	for k, v := range s.Columns {
		all = append(all, kv{"col " + k, v})
		ct += v
	}
	for k, v := range s.Indexes {
		all = append(all, kv{"idx " + k, v})
		it += v
	}
	sort.Slice(all, func(i, j int) bool { return all[i].v > all[j].v })
	fmt.Printf("rows %d size %d (%.0f B/row): columns %.0f, indexes %.0f, rows %.0f, other %.0f B/row\n", r.NumRows(), r.Size(), float64(r.Size())/n, float64(ct)/n, float64(it)/n, float64(s.Rows)/n, float64(s.Other)/n)
	for _, e := range all[:25] {
		fmt.Printf("  %-40s %7.1f B/row\n", e.k, float64(e.v)/n)
	}
}
