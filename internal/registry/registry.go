// Package registry keeps the kinds of a seam — of destination, of
// source — by name: each kind's file registers it at start-up, and
// configuration, the API and the code that uses them look kinds up.
package registry

import (
	"slices"
	"sync"
)

// Of is a registry of kinds of K. The zero value is not usable: make one
// with New.
type Of[K interface{ Name() string }] struct {
	what  string // "destination": for the panic of a name registered twice
	mu    sync.RWMutex
	kinds map[string]K
}

// New returns an empty registry of the kinds of what.
func New[K interface{ Name() string }](what string) *Of[K] {
	return &Of[K]{what: what, kinds: map[string]K{}}
}

// Register adds a kind. A name registered twice is a programming error.
func (r *Of[K]) Register(k K) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.kinds[k.Name()]; dup {
		panic(r.what + ": kind " + k.Name() + " registered twice")
	}
	r.kinds[k.Name()] = k
}

// Lookup returns the kind of a name.
func (r *Of[K]) Lookup(name string) (K, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	k, ok := r.kinds[name]
	return k, ok
}

// Names lists the kinds' names, sorted.
func (r *Of[K]) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	names := make([]string, 0, len(r.kinds))
	for n := range r.kinds {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
