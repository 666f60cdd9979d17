package destination

import (
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
)

// Option is an option of a kind of destination, beside the url and the
// secret every destination has.
type Option struct {
	Name string // as configuration and the API spell it: "chat_id"
	// List is set for an option that is a list of strings ("to"); the
	// others are one string.
	List bool
	// Secret is set for an option that is a credential: it may be read
	// from a file (NAME_file), and is never shown.
	Secret   bool
	Required bool
	Help     string // for the documentation: what it is
}

// OptionOf returns the option of a kind named name.
func OptionOf(k Kind, name string) (Option, bool) {
	for _, o := range k.Options() {
		if o.Name == name {
			return o, true
		}
	}
	return Option{}, false
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

// EncodeOptions makes a destination's Options of strings and lists of
// strings: the same options always give the same text.
func EncodeOptions(opts map[string]any) string {
	if len(opts) == 0 {
		return ""
	}
	b, _ := json.Marshal(opts) // keys sorted
	return string(b)
}

func decodeOptions(s string) (map[string]any, error) {
	if s == "" {
		return nil, nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, errors.New("not a JSON object")
	}
	for name, v := range m {
		switch v := v.(type) {
		case string:
		case []any:
			for _, x := range v {
				if _, ok := x.(string); !ok {
					return nil, errors.New(name + ": want strings")
				}
			}
		default:
			return nil, errors.New(name + ": want a string or a list of strings")
		}
	}
	return m, nil
}

// Option returns the string option name of the destination, "" when it
// has none.
func (d *Destination) Option(name string) string {
	m, _ := decodeOptions(d.Options)
	s, _ := m[name].(string)
	return s
}

// OptionList returns the list option name of the destination.
func (d *Destination) OptionList(name string) []string {
	m, _ := decodeOptions(d.Options)
	var out []string
	if l, ok := m[name].([]any); ok {
		for _, x := range l {
			out = append(out, x.(string))
		}
	}
	return out
}

// Shown is the options of a destination that may be shown: all but the
// secret ones, whose names are listed in hidden.
func (d *Destination) Shown() (shown map[string]any, hidden []string) {
	m, _ := decodeOptions(d.Options)
	k, _ := Lookup(d.Kind)
	shown = map[string]any{}
	for _, name := range slices.Sorted(maps.Keys(m)) {
		if k == nil {
			hidden = append(hidden, name)
			continue
		}
		if o, ok := OptionOf(k, name); !ok || o.Secret {
			hidden = append(hidden, name)
			continue
		}
		shown[name] = m[name]
	}
	return shown, hidden
}
