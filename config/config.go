// Package config reads feedhound's YAML configuration file. Every problem
// is reported with the file, line and column it comes from.
package config

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// Config is the content of a configuration file.
type Config struct {
	Listen  string   `yaml:"listen"`
	Data    string   `yaml:"data"`
	BaseURL string   `yaml:"base_url"`
	Sources []Source `yaml:"sources"`
	Rules   []Rule   `yaml:"rules"`
}

// Source is a feed or page to watch.
type Source struct {
	Name     string `yaml:"name"`
	URL      string `yaml:"url"`
	Schedule string `yaml:"schedule"`
}

// Rule is a named keyword query.
type Rule struct {
	Name    string   `yaml:"name"`
	Query   string   `yaml:"query"`
	Sources []string `yaml:"sources"`

	// QueryPos is where the query's first character is in the file.
	QueryPos Pos `yaml:"-"`
}

// Pos is a position in a file; lines and columns count from 1.
type Pos struct {
	Line, Column int
}

// Error is a problem at a position of a configuration file.
type Error struct {
	File string
	Pos  Pos
	Msg  string
}

func (e *Error) Error() string {
	if e.Pos.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Pos.Line, e.Pos.Column, e.Msg)
}

// Load reads and decodes a configuration file. Unknown keys are errors.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(data, path)
}

// Parse decodes a configuration file's content; file names it in errors.
func Parse(data []byte, file string) (*Config, error) {
	var c Config
	if err := yaml.UnmarshalWithOptions(data, &c, yaml.Strict()); err != nil {
		return nil, yamlError(file, err)
	}
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, yamlError(file, err)
	}
	for i := range c.Rules {
		path, err := yaml.PathString(fmt.Sprintf("$.rules[%d].query", i))
		if err != nil {
			continue
		}
		if n, err := path.FilterFile(f); err == nil && n != nil {
			c.Rules[i].QueryPos = scalarStart(n)
		}
	}
	return &c, nil
}

// scalarStart returns the position of the first character of a scalar's
// value, inside its quotes if it has them.
func scalarStart(n ast.Node) Pos {
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return Pos{}
	}
	p := Pos{Line: tk.Position.Line, Column: tk.Position.Column}
	if tk.Type == token.DoubleQuoteType || tk.Type == token.SingleQuoteType {
		p.Column++
	}
	return p
}

// yamlError turns a go-yaml error into an Error with the position it
// names.
func yamlError(file string, err error) error {
	var yerr yaml.Error
	if errors.As(err, &yerr) {
		tk := yerr.GetToken()
		msg := yerr.GetMessage()
		if tk != nil && tk.Position != nil {
			return &Error{File: file, Pos: Pos{Line: tk.Position.Line, Column: tk.Position.Column}, Msg: msg}
		}
		return &Error{File: file, Msg: msg}
	}
	return &Error{File: file, Msg: strings.Join(strings.Fields(err.Error()), " ")}
}
