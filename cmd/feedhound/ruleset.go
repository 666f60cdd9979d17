package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/feedhound/feedhound/config"
	"github.com/feedhound/feedhound/rules"
)

// loadRules reads a rule set: a feedhound config file (.yaml, .yml), or
// lines of name<TAB>query, where blank lines and lines starting with # are
// skipped. Errors name the file, line and column.
func loadRules(path string) ([]rules.Rule, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if ext := strings.ToLower(filepath.Ext(path)); ext == ".yaml" || ext == ".yml" {
		return configRules(data, path)
	}
	return tabRules(data, path)
}

func configRules(data []byte, path string) ([]rules.Rule, error) {
	c, err := config.Parse(data, path)
	if err != nil {
		return nil, err
	}
	if len(c.Rules) == 0 {
		return nil, fmt.Errorf("%s: no rules in the file", path)
	}
	out := make([]rules.Rule, len(c.Rules))
	for i, r := range c.Rules {
		out[i] = rules.Rule{Name: r.Name, Query: r.Parsed}
	}
	return out, nil
}

func tabRules(data []byte, path string) ([]rules.Rule, error) {
	var out []rules.Rule
	seen := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(text) == "" || strings.HasPrefix(strings.TrimSpace(text), "#") {
			continue
		}
		name, query, ok := strings.Cut(text, "\t")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			return nil, fmt.Errorf("%s:%d:1: want a rule name, a tab, and a query", path, line)
		}
		if prev, dup := seen[name]; dup {
			return nil, fmt.Errorf("%s:%d:1: rule %q is already defined on line %d", path, line, name, prev)
		}
		seen[name] = line
		q, err := rules.Parse(query)
		if err != nil {
			return nil, queryError(path, line, utf8.RuneCountInString(text[:len(text)-len(query)])+1, name, err)
		}
		out = append(out, rules.Rule{Name: name, Query: q})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no rules in the file", path)
	}
	return out, nil
}

// queryError places a query's error in the file: the query starts at
// line, col.
func queryError(path string, line, col int, name string, err error) error {
	var qerr *rules.Error
	if errors.As(err, &qerr) && qerr.Column > 0 && line > 0 {
		return fmt.Errorf("%s:%d:%d: rule %s: %s", path, line, col+qerr.Column-1, name, qerr.Msg)
	}
	if line > 0 {
		return fmt.Errorf("%s:%d:%d: rule %s: %s", path, line, col, name, err)
	}
	return fmt.Errorf("%s: rule %s: %s", path, name, err)
}
