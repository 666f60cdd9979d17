package config

import (
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"

	"github.com/feedhound/feedhound/destination"
	"github.com/feedhound/feedhound/source"
)

var (
	topKeys      = []string{"listen", "data", "base_url", "allow_private_networks", "min_interval", "story_window", "lease", "api", "sources", "notifiers", "rules"}
	apiKeys      = []string{"max_subscriptions", "max_sources", "max_name"}
	sourceKeys   = []string{"name", "url", "schedule", "allow_private_networks", "kind", "options", "scrape", "timezone", "fulltext"}
	scrapeKeys   = []string{"item", "title", "link", "date", "summary", "author", "image"}
	notifierKeys = []string{"name", "type", "url", "url_file", "secret", "secret_file", "allow_private_networks"}
	ruleKeys     = []string{"name", "query", "sources", "notify", "digest", "backfill", "group"}
)

func (d *decoder) top(n ast.Node, c *Config) {
	kvs, ok := d.entries(n, "the configuration")
	if !ok {
		return
	}
	for _, kv := range kvs {
		switch keyName(kv) {
		case "listen":
			c.Listen = d.str(kv.Value, "listen")
		case "data":
			c.Data = d.expand(kv.Value, "data") // ${STATE_DIRECTORY}/feedhound.db under systemd
		case "base_url":
			c.BaseURL = d.str(kv.Value, "base_url")
		case "allow_private_networks":
			c.AllowPrivateNetworks = d.boolean(kv.Value, "allow_private_networks")
		case "min_interval":
			v := d.str(kv.Value, "min_interval")
			if iv, err := time.ParseDuration(v); err != nil || iv < time.Second {
				d.addf(pos(kv.Value), "min_interval %q: want a duration of at least 1s, such as 1m", v)
			} else {
				c.MinInterval = iv
			}
		case "story_window":
			v := d.str(kv.Value, "story_window")
			if w, err := time.ParseDuration(v); err != nil || w < time.Minute || w > MaxBackfill {
				d.addf(pos(kv.Value), "story_window %q: want a duration from 1m to 2160h (90 days), such as 72h", v)
			} else {
				c.StoryWindow = w
			}
		case "lease":
			v := d.str(kv.Value, "lease")
			if l, err := time.ParseDuration(v); err != nil || l < 2*time.Second || l > time.Hour {
				d.addf(pos(kv.Value), "lease %q: want a duration from 2s to 1h, such as 1m", v)
			} else {
				c.Lease = l
			}
		case "api":
			c.API = d.apiLimits(kv.Value)
		case "sources":
			c.Sources = decodeList(d, kv.Value, "sources", d.source)
		case "notifiers":
			c.Notifiers = decodeList(d, kv.Value, "notifiers", d.notifier)
		case "rules":
			c.Rules = decodeList(d, kv.Value, "rules", d.rule)
		default:
			d.unknownKey(kv, "the configuration", topKeys)
		}
	}
}

// apiLimits reads the api: block.
func (d *decoder) apiLimits(n ast.Node) APILimits {
	var l APILimits
	kvs, _ := d.entries(n, "api")
	for _, kv := range kvs {
		switch name := keyName(kv); name {
		case "max_subscriptions":
			l.MaxSubscriptions = d.count(kv.Value, "api: "+name, 1_000_000)
		case "max_sources":
			l.MaxSources = d.count(kv.Value, "api: "+name, 100_000)
		case "max_name":
			l.MaxName = d.count(kv.Value, "api: "+name, 10_000)
		default:
			d.unknownKey(kv, "api", apiKeys)
		}
	}
	return l
}

func (d *decoder) source(n ast.Node) Source {
	s := Source{Pos: entryPos(n), pos: map[string]Pos{}}
	kvs, _ := d.entries(n, "a source")
	for _, kv := range kvs {
		key := keyName(kv)
		switch key {
		case "name":
			s.Name = d.str(kv.Value, "name")
		case "url":
			s.URL = d.str(kv.Value, "url")
		case "allow_private_networks":
			s.AllowPrivateNetworks = d.boolean(kv.Value, "allow_private_networks")
		case "schedule":
			s.Schedule = d.str(kv.Value, "schedule")
		case "kind":
			s.Kind = d.str(kv.Value, "kind")
		case "scrape", "options":
			if _, twice := s.pos["options"]; twice {
				d.addf(pos(kv.Key), "source %q: give its options as scrape: or options:, not both", s.Name)
				continue
			}
			s.scrape = key == "scrape"
			s.Options = d.options(kv.Value, key, s.pos)
		case "fulltext":
			s.FullText = d.boolean(kv.Value, "fulltext")
		case "timezone":
			s.Timezone = d.str(kv.Value, "timezone")
		default:
			d.unknownKey(kv, "a source", sourceKeys)
			continue
		}
		if _, set := s.pos[key]; !set {
			s.pos[key] = pos(kv.Value)
		}
	}
	if s.scrape && s.Kind == "" {
		s.Kind = "page" // scrape: is the page kind's options
	}
	return s
}

// options reads a source's options — scrape: selectors, or the options:
// of its kind — keeping where each is written. scrape: knows its keys.
func (d *decoder) options(n ast.Node, what string, at map[string]Pos) string {
	opts := map[string]string{}
	kvs, _ := d.entries(n, what)
	at["options"] = entryPos(n)
	for _, kv := range kvs {
		key := keyName(kv)
		if what == "scrape" && !slices.Contains(scrapeKeys, key) {
			d.unknownKey(kv, "scrape", scrapeKeys)
			continue
		}
		opts[key] = d.str(kv.Value, what+" "+key)
		at["options."+key] = valueStart(unwrap(kv.Value))
		if opts[key] == "" {
			empty := "an empty value (leave the key out for none)"
			if what == "scrape" {
				empty = "an empty selector (leave the key out for the default)"
			}
			d.addf(pos(kv.Value), "%s %s: %s", what, key, empty)
		}
	}
	return source.EncodeOptions(opts)
}

func (d *decoder) rule(n ast.Node) Rule {
	r := Rule{Pos: entryPos(n), Group: GroupStory}
	kvs, _ := d.entries(n, "a rule")
	var sourcesNodes []ast.Node
	for _, kv := range kvs {
		switch keyName(kv) {
		case "name":
			r.Name = d.str(kv.Value, "name")
		case "query":
			r.Query = d.str(kv.Value, "query")
			r.QueryPos = valueStart(unwrap(kv.Value))
		case "backfill":
			v := d.str(kv.Value, "backfill")
			if b, err := Backfill(v); err != nil {
				d.addf(pos(kv.Value), "%v", err)
			} else {
				r.Backfill = b
			}
		case "digest":
			r.Digest = d.str(kv.Value, "digest")
			if _, err := DigestSchedule(r.Digest); err != nil {
				d.addf(pos(kv.Value), "%v", err)
			}
		case "group":
			r.Group = d.str(kv.Value, "group")
			if !ValidGroup(r.Group) {
				d.addf(pos(kv.Value), "group %q: want story (one alert per story, the default) or none (one for every copy)", r.Group)
			}
		case "notify":
			list, _ := d.items(kv.Value, "notify")
			for _, n := range list {
				r.Notify = append(r.Notify, d.str(n, "a notifier name"))
				r.notifyPos = append(r.notifyPos, pos(n))
			}
		case "sources":
			sourcesNodes, _ = d.items(kv.Value, "sources")
			for _, sn := range sourcesNodes {
				r.Sources = append(r.Sources, d.str(sn, "a source name"))
			}
			r.sourcePos = make([]Pos, len(sourcesNodes))
			for i, sn := range sourcesNodes {
				r.sourcePos[i] = pos(sn)
			}
		default:
			d.unknownKey(kv, "a rule", ruleKeys)
		}
	}
	return r
}

func (d *decoder) notifier(n ast.Node) Notifier {
	// Without its secrets a notifier cannot be checked: it is taken as it is.
	nt := Notifier{Pos: entryPos(n), reported: d.noSecrets}
	kvs, _ := d.entries(n, "a notifier")
	// The type says which other keys there are: it is read first.
	var kind destination.Kind
	for _, kv := range kvs {
		if keyName(kv) == "type" {
			nt.Type = d.str(kv.Value, "type")
			var ok bool
			if kind, ok = destination.Lookup(nt.Type); !ok {
				d.addf(pos(kv.Value), "notifier type %q: use %s", nt.Type, destination.List())
			}
		}
	}
	opts := map[string]any{}
	for _, kv := range kvs {
		switch key := keyName(kv); key {
		case "type":
		case "name":
			nt.Name = d.str(kv.Value, "name")
		case "url", "secret", "url_file", "secret_file":
			before := len(d.problems)
			v := d.secret(kv.Value, key)
			if strings.HasPrefix(key, "url") {
				nt.URL = v
			} else {
				nt.Secret = v
			}
			// One error, not a second for the missing value.
			nt.reported = nt.reported || len(d.problems) > before
		case "allow_private_networks":
			nt.AllowPrivateNetworks = d.boolean(kv.Value, key)
		default:
			name, fromFile := strings.CutSuffix(key, "_file")
			var o destination.Option
			ok := false
			if kind != nil {
				o, ok = destination.OptionOf(kind, name)
			}
			switch {
			case kind == nil && nt.Type != "":
				// An unknown type, reported: its keys cannot be told.
			case !ok || fromFile && !o.Secret:
				d.unknownKey(kv, "a notifier", notifierKeysOf(kind))
			case o.List:
				opts[name] = decodeList(d, kv.Value, key, func(n ast.Node) string { return d.expand(n, key) })
			default:
				before := len(d.problems)
				opts[name] = d.secret(kv.Value, key)
				nt.reported = nt.reported || len(d.problems) > before
			}
		}
	}
	nt.Options = destination.EncodeOptions(opts)
	return nt
}

// notifierKeysOf lists the keys of a notifier of a kind.
func notifierKeysOf(k destination.Kind) []string {
	keys := slices.Clone(notifierKeys)
	if k != nil {
		for _, o := range k.Options() {
			keys = append(keys, o.Name)
			if o.Secret {
				keys = append(keys, o.Name+"_file")
			}
		}
	}
	return keys
}

// Destination is where the notifier's alerts go.
func (n *Notifier) Destination() destination.Destination {
	return destination.Destination{Name: n.Name, Kind: n.Type, URL: n.URL, Secret: n.Secret, Options: n.Options}
}
