package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"

	"github.com/feedhound/feedhound/internal/suggest"
)

// decoder walks the YAML tree, collecting values and problems.
type decoder struct {
	file     string
	problems Problems
	// noSecrets leaves notifiers' secrets unread (LoadWithoutSecrets).
	noSecrets bool
}

func (d *decoder) addf(p Pos, format string, args ...any) {
	d.problems = append(d.problems, &Error{File: d.file, Pos: p, Msg: fmt.Sprintf(format, args...)})
}

func pos(n ast.Node) Pos {
	if n == nil {
		return Pos{}
	}
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return Pos{}
	}
	return Pos{Line: tk.Position.Line, Column: tk.Position.Column}
}

// entryPos is where a list entry starts: at its first key when it is a
// mapping.
func entryPos(n ast.Node) Pos {
	switch v := unwrap(n).(type) {
	case *ast.MappingNode:
		if len(v.Values) > 0 {
			return pos(v.Values[0].Key)
		}
	case *ast.MappingValueNode:
		return pos(v.Key)
	}
	return pos(n)
}

// valueStart is where a scalar's text begins, inside its quotes.
func valueStart(n ast.Node) Pos {
	p := pos(n)
	if tk := n.GetToken(); tk != nil && (tk.Type == token.DoubleQuoteType || tk.Type == token.SingleQuoteType) {
		p.Column++
	}
	return p
}

// unwrap skips tags and anchors.
func unwrap(n ast.Node) ast.Node {
	for {
		switch v := n.(type) {
		case *ast.TagNode:
			n = v.Value
		case *ast.AnchorNode:
			n = v.Value
		default:
			return n
		}
	}
}

// entries returns the key-value pairs of a mapping, or reports that n is
// not one.
func (d *decoder) entries(n ast.Node, what string) ([]*ast.MappingValueNode, bool) {
	switch v := unwrap(n).(type) {
	case *ast.MappingNode:
		return v.Values, true
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{v}, true
	case *ast.NullNode:
		return nil, true
	}
	d.addf(pos(n), "%s must be a mapping of keys to values", what)
	return nil, false
}

func (d *decoder) items(n ast.Node, what string) ([]ast.Node, bool) {
	switch v := unwrap(n).(type) {
	case *ast.SequenceNode:
		return v.Values, true
	case *ast.NullNode:
		return nil, true
	}
	d.addf(pos(n), "%s must be a list", what)
	return nil, false
}

func (d *decoder) str(n ast.Node, what string) string {
	n = unwrap(n)
	switch n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode, *ast.SequenceNode:
		d.addf(pos(n), "%s must be a string", what)
		return ""
	case *ast.NullNode:
		return ""
	case *ast.AliasNode:
		d.addf(pos(n), "%s: aliases are not supported", what)
		return ""
	}
	var s string
	if err := yaml.NodeToValue(n, &s); err != nil {
		d.addf(pos(n), "%s must be a string", what)
	}
	return s
}

func (d *decoder) boolean(n ast.Node, what string) bool {
	if _, ok := unwrap(n).(*ast.BoolNode); !ok {
		d.addf(pos(n), "%s must be true or false", what)
		return false
	}
	var b bool
	if err := yaml.NodeToValue(unwrap(n), &b); err != nil {
		d.addf(pos(n), "%s must be true or false", what)
	}
	return b
}

func keyName(kv *ast.MappingValueNode) string {
	return kv.Key.GetToken().Value
}

// unknownKey reports a key that is not one of known, suggesting the
// nearest.
func (d *decoder) unknownKey(kv *ast.MappingValueNode, where string, known []string) {
	name := keyName(kv)
	hint := " (known keys: " + strings.Join(known, ", ") + ")"
	if best, ok := suggest.Nearest(name, known); ok {
		hint = fmt.Sprintf(" (did you mean %q?)", best)
	}
	d.addf(pos(kv.Key), "unknown key %q in %s%s", name, where, hint)
}

// count reads a whole number from 1 to max.
func (d *decoder) count(n ast.Node, what string, max int) int {
	var v int
	if _, ok := unwrap(n).(*ast.IntegerNode); !ok || yaml.NodeToValue(unwrap(n), &v) != nil || v < 1 || v > max {
		d.addf(pos(n), "%s: want a whole number from 1 to %d", what, max)
		return 0
	}
	return v
}

// decodeList decodes each entry of a list with one.
func decodeList[T any](d *decoder, n ast.Node, what string, one func(ast.Node) T) []T {
	list, _ := d.items(n, what)
	out := make([]T, 0, len(list))
	for _, it := range list {
		out = append(out, one(it))
	}
	return out
}

// secret reads a value that may be a secret: a string with ${VAR}s, or,
// for a key ending in _file, the content of a file.
func (d *decoder) secret(n ast.Node, key string) string {
	if d.noSecrets {
		d.str(n, key)
		return ""
	}
	if strings.HasSuffix(key, "_file") {
		return d.secretFile(n, key)
	}
	return d.expand(n, key)
}

// envRef matches ${NAME} in a value.
var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// expand reads a value that may name environment variables as ${NAME}
// (notifiers' secrets, and the data path).
func (d *decoder) expand(n ast.Node, what string) string {
	v := d.str(n, what)
	return envRef.ReplaceAllStringFunc(v, func(ref string) string {
		name := envRef.FindStringSubmatch(ref)[1]
		val, ok := os.LookupEnv(name)
		if !ok {
			d.addf(pos(n), "%s: environment variable %s is not set", what, name)
		}
		return val
	})
}

// secretFile reads a value from a file, relative to the configuration.
func (d *decoder) secretFile(n ast.Node, what string) string {
	path := d.str(n, what)
	if path == "" {
		return ""
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(filepath.Dir(d.file), path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		d.addf(pos(n), "%s: %v", what, err)
		return ""
	}
	return strings.TrimSpace(string(b))
}

// yamlError turns a go-yaml syntax error into an Error with its position.
func (d *decoder) yamlError(err error) *Error {
	var yerr yaml.Error
	if errors.As(err, &yerr) {
		e := &Error{File: d.file, Msg: yerr.GetMessage()}
		if tk := yerr.GetToken(); tk != nil && tk.Position != nil {
			e.Pos = Pos{Line: tk.Position.Line, Column: tk.Position.Column}
		}
		return e
	}
	return &Error{File: d.file, Msg: strings.Join(strings.Fields(err.Error()), " ")}
}
