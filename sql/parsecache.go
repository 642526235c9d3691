package sql

import (
	"container/list"
	"sync"

	"github.com/basaltdb/basalt/sql/ast"
	"github.com/basaltdb/basalt/sql/parse"
)

// Parsing with PostgreSQL's grammar costs a cgo call and a protobuf round
// trip, a third of a point lookup; applications send the same texts over
// and over (dashboards, lambdas, parameterized queries). Parsed statements
// are kept by text, least recently used out. Statements are never modified
// after parsing (the binder builds plans beside them), so sessions share
// them.
const (
	parseCacheEntries = 1024
	parseCacheMaxText = 8 << 10
)

var parses = &parseCache{byText: map[string]*list.Element{}, order: list.New()}

type parseCache struct {
	mu     sync.Mutex
	byText map[string]*list.Element
	order  *list.List // front: most recently used
}

type parsed struct {
	text string
	stmt ast.Statement
}

// parseCached returns the statement of text, from the cache when it was
// parsed before. Errors are not cached.
func parseCached(text string) (ast.Statement, error) {
	if len(text) > parseCacheMaxText {
		return parse.ParseOne(text)
	}
	c := parses
	c.mu.Lock()
	if e, ok := c.byText[text]; ok {
		c.order.MoveToFront(e)
		stmt := e.Value.(*parsed).stmt
		c.mu.Unlock()
		return stmt, nil
	}
	c.mu.Unlock()
	stmt, err := parse.ParseOne(text)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.byText[text]; !ok {
		c.byText[text] = c.order.PushFront(&parsed{text: text, stmt: stmt})
		if c.order.Len() > parseCacheEntries {
			last := c.order.Back()
			c.order.Remove(last)
			delete(c.byText, last.Value.(*parsed).text)
		}
	}
	return stmt, nil
}
