package api

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/feedhound/feedhound/config"
	"github.com/feedhound/feedhound/destination"
)

// notifyView shows a destination without its secrets.
type notifyView struct {
	Type   string `json:"type"`
	URL    string `json:"url"` // redacted: only scheme and host
	Signed bool   `json:"signed,omitempty"`
	// Options are the kind's options but the secret ones, which are only
	// named, in Hidden.
	Options map[string]any `json:"options,omitempty"`
	Hidden  []string       `json:"hidden,omitempty"`
}

// decodeNotify reads where a subscription's alerts go: an object of its
// type, url and secret, and the options of its type. Null is nowhere.
func decodeNotify(w http.ResponseWriter, raw json.RawMessage) (*destination.Destination, bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, true
	}
	var fields map[string]json.RawMessage
	if !decodeJSON(w, bytes.NewReader(raw), &fields, "notify") {
		return nil, false
	}
	bad := func(name, msg string) (*destination.Destination, bool) {
		writeError(w, http.StatusBadRequest, apiError{Error: "body: notify: " + name + ": " + msg, Field: "notify." + name})
		return nil, false
	}
	str := func(name string) (string, bool) {
		var s string
		v, ok := fields[name]
		if !ok || string(v) == "null" {
			return "", true
		}
		if err := json.Unmarshal(v, &s); err != nil {
			var typeErr *json.UnmarshalTypeError
			if errors.As(err, &typeErr) {
				bad(name, fmt.Sprintf("want a string, not %s", valueName(typeErr.Value)))
			} else {
				bad(name, "want a string")
			}
			return "", false
		}
		return s, true
	}
	d := &destination.Destination{}
	var ok bool
	if d.Kind, ok = str("type"); !ok {
		return nil, false
	}
	if d.URL, ok = str("url"); !ok {
		return nil, false
	}
	if d.Secret, ok = str("secret"); !ok {
		return nil, false
	}
	kind, _ := destination.Lookup(d.Kind) // an unknown kind is checkNotify's to report
	known := []string{"type", "url", "secret"}
	if kind != nil {
		for _, o := range kind.Options() {
			known = append(known, o.Name)
		}
	}
	opts := map[string]any{}
	for _, name := range slices.Sorted(maps.Keys(fields)) {
		if slices.Contains(known[:3], name) {
			continue
		}
		o, isOption := destination.Option{}, false
		if kind != nil {
			o, isOption = destination.OptionOf(kind, name)
		}
		if !isOption {
			writeError(w, http.StatusBadRequest, apiError{Error: fmt.Sprintf("body: notify: unknown field %q (known: %s)", name, strings.Join(known, ", ")), Field: "notify." + name})
			return nil, false
		}
		if o.List {
			var l []string
			if json.Unmarshal(fields[name], &l) != nil {
				return bad(name, "want a list of strings")
			}
			opts[name] = l
		} else {
			s, ok := str(name)
			if !ok {
				return nil, false
			}
			opts[name] = s
		}
	}
	d.Options = destination.EncodeOptions(opts)
	return d, true
}

// checkNotify checks a subscription's destination and digest, answering
// the request if they are not good. A destination on an address the
// guard refuses is refused now, as a source's URL is.
func (a *API) checkNotify(w http.ResponseWriter, r *http.Request, n *destination.Destination, digest string) bool {
	if n != nil {
		if _, ok := destination.Lookup(n.Kind); !ok {
			writeError(w, http.StatusUnprocessableEntity, apiError{Error: fmt.Sprintf("notify.type: %q; use %s", n.Kind, destination.List()), Field: "notify.type"})
			return false
		}
		if len(n.URL) > maxURL || len(n.Options) > maxURL {
			writeError(w, http.StatusUnprocessableEntity, apiError{Error: fmt.Sprintf("notify: its url and options may have %d bytes each at most", maxURL), Field: "notify"})
			return false
		}
		if err := destination.Check(n); err != nil {
			field := "notify"
			var oe *destination.OptionError
			if errors.As(err, &oe) {
				field += "." + oe.Option
			}
			writeError(w, http.StatusUnprocessableEntity, apiError{Error: "notify." + err.Error(), Field: field})
			return false
		}
		u, _ := url.Parse(n.URL) // Check parsed it (a kind with a default server may have none)
		if err := a.Guard.CheckHost(r.Context(), u.Hostname(), a.Resolver); n.URL != "" && err != nil {
			writeError(w, http.StatusUnprocessableEntity, apiError{Error: "notify.url: " + err.Error(), Field: "notify.url"})
			return false
		}
	}
	if digest != "" {
		if n == nil {
			writeError(w, http.StatusUnprocessableEntity, apiError{Error: "digest: needs notify", Field: "digest"})
			return false
		}
		if _, err := config.DigestSchedule(digest); err != nil {
			writeError(w, http.StatusUnprocessableEntity, apiError{Error: err.Error(), Field: "digest"})
			return false
		}
	}
	return true
}
