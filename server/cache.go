package server

import (
	"container/list"
	"sync"
)

// defaultCacheBytes bounds the renders a Server keeps.
const defaultCacheBytes = 64 << 20

// feedCache keeps renders of feeds, the least recently used dropped first
// once they take more than max bytes. It is safe for concurrent use.
type feedCache struct {
	max int64

	mu    sync.Mutex // protects all following fields
	size  int64
	order *list.List // of *cacheEntry, most recently used first
	byKey map[cacheKey]*list.Element
}

type cacheEntry struct {
	key cacheKey
	out *rendered
}

func newFeedCache(max int64) *feedCache {
	return &feedCache{max: max, order: list.New(), byKey: map[cacheKey]*list.Element{}}
}

func (r *rendered) size() int64 { return int64(len(r.body) + len(r.gz) + len(r.etag) + 64) }

// get returns the render kept for key, if any.
func (c *feedCache) get(key cacheKey) (*rendered, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[key]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*cacheEntry).out, true
}

// put keeps a render, replacing the one kept for its key, and drops the
// least recently used renders until the cache fits. A render larger than
// the whole cache is not kept.
func (c *feedCache) put(key cacheKey, out *rendered) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[key]; ok {
		c.remove(el)
	}
	if out.size() > c.max {
		return
	}
	c.byKey[key] = c.order.PushFront(&cacheEntry{key: key, out: out})
	c.size += out.size()
	for c.size > c.max {
		c.remove(c.order.Back())
	}
}

func (c *feedCache) remove(el *list.Element) {
	e := c.order.Remove(el).(*cacheEntry)
	delete(c.byKey, e.key)
	c.size -= e.out.size()
}

// clear drops every render.
func (c *feedCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.order.Init()
	clear(c.byKey)
	c.size = 0
}

// stats returns how many renders are kept and their size.
func (c *feedCache) stats() (n int, bytes int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.byKey), c.size
}
