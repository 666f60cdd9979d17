package source

import (
	"encoding/json"
	"errors"
	"maps"
	"strings"
)

// Option is an option of a kind of source: a string.
type Option struct {
	Name string // as configuration and the API spell it: "item"
	Help string // for the documentation: what it is
}

func optionNames(k Kind) string {
	var names []string
	for _, o := range k.Options() {
		names = append(names, o.Name)
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// EncodeOptions makes a Spec's Options of a kind's options: the same
// options always give the same text, and an option that is "" is left
// out, as not given.
func EncodeOptions(opts map[string]string) string {
	opts = maps.Clone(opts)
	maps.DeleteFunc(opts, func(_, v string) bool { return v == "" })
	if len(opts) == 0 {
		return ""
	}
	b, _ := json.Marshal(opts) // keys sorted
	return string(b)
}

// DecodeOptions reads a Spec's Options; an option that is "" is left out.
func DecodeOptions(s string) (map[string]string, error) {
	if s == "" {
		return map[string]string{}, nil
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(s), &m); err != nil || m == nil {
		return nil, errors.New("want an object of strings")
	}
	maps.DeleteFunc(m, func(_, v string) bool { return v == "" })
	return m, nil
}
