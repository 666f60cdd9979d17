package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/feedhound/feedhound/destination"
	"github.com/feedhound/feedhound/source"
)

func TestParseDefaults(t *testing.T) {
	src := `
sources:
  - name: koreatimes
    url: https://www.koreatimes.co.kr/www/rss/nation.xml
    schedule: "@every 10m"
  - name: wire
    url: https://wire.example.org/world.atom
rules:
  - name: kim-putin
    query: '"Kim-Putin summit" OR (Kim NEAR/8 Putin AND summit)'
    sources: [koreatimes]
`
	c, err := Parse([]byte(src), filepath.Join("etc", "feedhound.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{
		File:        filepath.Join("etc", "feedhound.yaml"),
		Listen:      "127.0.0.1:8080",
		Data:        filepath.Join("etc", "feedhound.db"),
		BaseURL:     "http://127.0.0.1:8080",
		MinInterval: DefaultMinInterval,
		API:         DefaultAPILimits,
		Sources: []Source{
			{Spec: source.Spec{Name: "koreatimes", URL: "https://www.koreatimes.co.kr/www/rss/nation.xml", Schedule: "@every 10m", Kind: "feed"}, Pos: Pos{3, 5}},
			{Spec: source.Spec{Name: "wire", URL: "https://wire.example.org/world.atom", Schedule: "@every 15m", Kind: "feed"}, Pos: Pos{6, 5}},
		},
		Rules: []Rule{{
			Name: "kim-putin", Query: `"Kim-Putin summit" OR (Kim NEAR/8 Putin AND summit)`,
			Sources: []string{"koreatimes"}, Group: GroupStory, Pos: Pos{9, 5}, QueryPos: Pos{10, 13},
		}},
	}
	if diff := cmp.Diff(want, c, cmpopts.IgnoreUnexported(Rule{}, Source{}), cmpopts.IgnoreFields(Rule{}, "Parsed")); diff != "" {
		t.Errorf("config (-want +got):\n%s", diff)
	}
	if c.Rules[0].Parsed == nil || c.Rules[0].Parsed.String() != `"kim putin summit" OR (kim NEAR/8 putin AND summit)` {
		t.Errorf("parsed query = %v", c.Rules[0].Parsed)
	}
}

func TestParseProblems(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string
	}{
		{"unknown keys", `
listen: 127.0.0.1:9000
colour: red
sources:
  - name: a
    url: https://a.example/feed
    shedule: "@hourly"
rules:
  - name: r
    qeury: x
`, []string{
			`f.yaml:3:1: unknown key "colour" in the configuration (known keys: listen, data, base_url, allow_private_networks, min_interval, story_window, lease, api, sources, notifiers, rules)`,
			`f.yaml:7:5: unknown key "shedule" in a source (did you mean "schedule"?)`,
			`f.yaml:9:5: rule "r" has no query`,
			`f.yaml:10:5: unknown key "qeury" in a rule (did you mean "query"?)`,
		}},
		{"bad values", `
listen: localhost
base_url: ftp://example.org
sources:
  - name: Korea Times
    url: koreatimes.co.kr/rss
    schedule: every ten minutes
  - name: wire
    url: https://wire.example.org/a.atom
    schedule: "*/5 * * *"
  - name: wire
    url: https://wire.example.org/b.atom
rules:
  - name: kim-putin
    query: '"Kim-Putin summit" OR (Kim NEAR/8'
    sources: [koreatimes, wire]
  - name: kim-putin
    query: titel:summit
  - query: summit
`, []string{
			`f.yaml: listen "localhost": want host:port, as in 127.0.0.1:8080`,
			`f.yaml: base_url: "ftp://example.org": only http and https URLs can be fetched`,
			`f.yaml:5:5: source name "Korea Times": use lower-case letters, digits, '.', '_' and '-'`,
			`f.yaml:6:10: source url: "koreatimes.co.kr/rss": only http and https URLs can be fetched`,
			`f.yaml:7:15: schedule "every ten minutes": expected exactly 5 fields, found 3: [every ten minutes]`,
			`f.yaml:10:15: schedule "*/5 * * *": expected exactly 5 fields, found 4: [*/5 * * *]`,
			`f.yaml:11:5: source "wire" is already defined on line 8`,
			`f.yaml:15:40: rule kim-putin: NEAR needs a term on each side`,
			`f.yaml:16:15: rule "kim-putin": unknown source "koreatimes" (have: wire)`,
			`f.yaml:17:5: rule "kim-putin" is already defined on line 14`,
			`f.yaml:18:12: rule kim-putin: unknown field "titel" (did you mean "title"?)`,
			`f.yaml:19:5: rule has no name`,
		}},
		{"private networks", `
allow_private_networks: yes please
sources:
  - name: intranet
    url: http://10.1.2.3/feed
    allow_private_networks: 1
`, []string{
			`f.yaml:2:25: allow_private_networks must be true or false`,
			`f.yaml:6:29: allow_private_networks must be true or false`,
		}},
		{"wrong shapes", `
sources: https://a.example/feed
rules:
  - just a string
`, []string{
			`f.yaml:2:10: sources must be a list`,
			`f.yaml:4:5: a rule must be a mapping of keys to values`,
			`f.yaml:4:5: rule has no name`,
			`f.yaml:4:5: rule "" has no query`,
		}},
		{"empty", "", []string{
			`f.yaml: no sources and no rules: there is nothing to watch (start from examples/feedhound.yaml)`,
		}},
		{"only comments", "# sources come later\nlisten: 127.0.0.1:9000\n", []string{
			`f.yaml: no sources and no rules: there is nothing to watch (start from examples/feedhound.yaml)`,
		}},
		{"schedules too often", `
sources:
  - name: a
    url: https://a.example/feed
    schedule: "@every 1ns"
  - name: b
    url: https://b.example/feed
    schedule: "@every 0s"
  - name: c
    url: https://c.example/feed
    schedule: "@every 30s"
  - name: d
    url: https://d.example/feed
    schedule: "* * * * *"
`, []string{
			`f.yaml:5:15: schedule "@every 1ns": polls 1ns apart; at least 1m0s apart (min_interval)`,
			`f.yaml:8:15: schedule "@every 0s": polls 0s apart; at least 1m0s apart (min_interval)`,
			`f.yaml:11:15: schedule "@every 30s": polls 30s apart; at least 1m0s apart (min_interval)`,
		}},
		{"group and story_window", `
story_window: 30s
sources:
  - name: w
    url: https://w.example/feed
rules:
  - name: r
    query: summit
    group: stories
`, []string{
			`f.yaml:2:15: story_window "30s": want a duration from 1m to 2160h (90 days), such as 72h`,
			`f.yaml:9:12: group "stories": want story (one alert per story, the default) or none (one for every copy)`,
		}},
		{"min_interval", `
min_interval: 2m
sources:
  - name: c
    url: https://c.example/feed
    schedule: "@every 30s"
  - name: d
    url: https://d.example/feed
    schedule: "*/1 * * * *"
  - name: e
    url: https://e.example/feed
    schedule: "0,1 * * * *"
  - name: f
    url: https://f.example/feed
    schedule: "*/5 * * * *"
`, []string{
			`f.yaml:6:15: schedule "@every 30s": polls 30s apart; at least 2m0s apart (min_interval)`,
			`f.yaml:9:15: schedule "*/1 * * * *": polls 1m0s apart; at least 2m0s apart (min_interval)`,
			`f.yaml:12:15: schedule "0,1 * * * *": polls 1m0s apart; at least 2m0s apart (min_interval)`,
		}},
		{"scrape", `
sources:
  - name: mofa
    url: https://www.mofa.go.kr/www/brd/m_4080/list.do
    timezone: Asia/Seol
    scrape:
      item: "table.board-list tbody tr"
      date: "td[class="
      summry: "p.dek"
  - name: found
    url: https://found.example/news
    scrape: {}
  - name: partial
    url: https://partial.example/news
    scrape:
      title: h3 a
`, []string{
			`f.yaml:5:15: timezone "Asia/Seol": want a zone name such as Asia/Seoul or UTC`,
			`f.yaml:8:14: scrape date selector "td[class=": unexpected EOF in attribute selector`,
			`f.yaml:9:7: unknown key "summry" in scrape (did you mean "summary"?)`,
			`f.yaml:16:7: scrape: item is needed with the other selectors (or give none, scrape: {}, to have them found)`,
		}},
		{"kinds", `
sources:
  - name: feed-first
    url: https://a.example/
    kind: feed
    scrape: {item: tr}
  - name: scrape-first
    url: https://b.example/
    scrape: {item: tr}
    kind: feed
  - name: both
    url: https://c.example/
    kind: page
    options: {item: tr}
    scrape: {item: li}
  - name: rss
    url: https://d.example/
    kind: rss
  - name: empty
    url: https://e.example/
    kind: page
    options: {title: ""}
`, []string{
			`f.yaml:5:11: source "feed-first": scrape: is the options of a page; a feed takes options:`,
			`f.yaml:10:11: source "scrape-first": scrape: is the options of a page; a feed takes options:`,
			`f.yaml:15:5: source "both": give its options as scrape: or options:, not both`,
			`f.yaml:18:11: source "rss": kind "rss": want feed or page`,
			`f.yaml:22:22: options title: an empty value (leave the key out for none)`,
		}},
		{"deep query", "sources:\n  - name: a\n    url: https://a.example/\nrules:\n  - name: deep\n    query: '" + strings.Repeat("(", 40) + "x" + strings.Repeat(")", 40) + "'\n", []string{
			`f.yaml:6:45: rule deep: ( nested more than 32 deep; simplify the query`,
		}},
		{"bad min_interval", "min_interval: 0s\nsources:\n  - name: a\n    url: https://a.example/\n", []string{
			`f.yaml:1:15: min_interval "0s": want a duration of at least 1s, such as 1m`,
		}},
		{"syntax", "rules:\n  - name: a\n   query: b\n", []string{
			`f.yaml:3:4: value is not allowed in this context`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.src), "f.yaml")
			ps, ok := err.(Problems)
			if !ok {
				t.Fatalf("error %v (%T), want Problems", err, err)
			}
			got := strings.Split(ps.Error(), "\n")
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestScrapeSource(t *testing.T) {
	c, err := Parse([]byte("sources:\n  - name: mofa\n    url: https://www.mofa.go.kr/list.do\n    timezone: Asia/Seoul\n    scrape:\n      item: table.board-list tbody tr\n      date: td.date\n  - name: found\n    url: https://found.example/\n    scrape: {}\n"), "f.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if s := c.Sources[0]; s.Kind != "page" || s.Options != `{"date":"td.date","item":"table.board-list tbody tr"}` || s.Location().String() != "Asia/Seoul" {
		t.Errorf("scraped source %+v", s)
	}
	if s := c.Sources[1]; s.Kind != "page" || s.Options != "" || s.Location() != nil {
		t.Errorf("source with selectors to find: %+v", s)
	}
}

func TestDataFromEnvironment(t *testing.T) {
	t.Setenv("STATE_DIRECTORY", "/var/lib/feedhound")
	c, err := Parse([]byte("data: ${STATE_DIRECTORY}/feedhound.db\nsources:\n  - name: a\n    url: https://a.example/\n"), "/etc/feedhound/feedhound.yaml")
	if err != nil || c.Data != "/var/lib/feedhound/feedhound.db" {
		t.Errorf("data %q, %v", c.Data, err)
	}
}

func TestNotifiers(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "secret"), []byte("whsec_c2VjcmV0\n"), 0o600)
	t.Setenv("SLACK_WEBHOOK_URL", "https://hooks.slack.com/services/T0/B0/XYZ")
	src := `
notifiers:
  - name: newsroom
    type: slack
    url: ${SLACK_WEBHOOK_URL}
  - name: pipeline
    type: webhook
    url: https://hooks.example.org/feedhound
    secret_file: secret
rules:
  - name: kim-putin
    query: summit
    notify: [newsroom, pipeline]
    digest: "0 8 * * 1-5"
`
	c, err := Parse([]byte(src), filepath.Join(dir, "feedhound.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Notifier{
		{Name: "newsroom", Type: "slack", URL: "https://hooks.slack.com/services/T0/B0/XYZ", Pos: Pos{3, 5}},
		{Name: "pipeline", Type: "webhook", URL: "https://hooks.example.org/feedhound", Secret: "whsec_c2VjcmV0", Pos: Pos{6, 5}},
	}
	if diff := cmp.Diff(want, c.Notifiers, cmpopts.IgnoreUnexported(Notifier{})); diff != "" {
		t.Errorf("notifiers (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"newsroom", "pipeline"}, c.Rules[0].Notify); diff != "" {
		t.Errorf("notify (-want +got):\n%s", diff)
	}

	bad := `
notifiers:
  - name: newsroom
    type: pager
    url: ${NO_SUCH_VARIABLE}
  - name: leaky
    type: slack
    url: hooks.slack.com/services/T0/B0/SECRETPATH
  - name: nofile
    type: webhook
    url_file: missing-file
rules:
  - name: r
    query: summit
    notify: [newsroom, pager]
    digest: every morning
`
	_, err = Parse([]byte(bad), filepath.Join(dir, "bad.yaml"))
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("error %v, want Problems", err)
	}
	got := ps.Error()
	for _, want := range []string{
		`bad.yaml:4:11: notifier type "pager": use ` + destination.List(),
		`bad.yaml:5:10: url: environment variable NO_SUCH_VARIABLE is not set`,
		`bad.yaml:6:5: notifier "leaky": url: want an absolute http or https URL`,
		`bad.yaml:11:15: url_file: open ` + filepath.Join(dir, "missing-file") + `: no such file or directory`,
		`bad.yaml:15:24: rule "r": unknown notifier "pager"`,
		`bad.yaml:16:13: digest "every morning": use a duration such as 15m or a cron spec such as "0 8 * * 1-5"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("problems lack %q:\n%s", want, got)
		}
	}
	// An unset variable is one problem, not a second for the missing url.
	if strings.Contains(got, `notifier "newsroom" has no url`) {
		t.Errorf("an unset ${VAR} gave two problems:\n%s", got)
	}
	if strings.Contains(got, "SECRETPATH") {
		t.Errorf("a problem shows a secret URL:\n%s", got)
	}
}

// TestNotifierOptions: each kind's options are read as its own keys, with
// ${VAR}s, lists and _file for secrets; a key the kind does not take, a
// missing required option and an option of the wrong shape are told where
// they are, and no problem shows a secret.
func TestNotifierOptions(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "smtp-password"), []byte("s3cret-pass\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TG_TOKEN", "123:TOKEN")
	good := `
notifiers:
  - name: desk
    type: email
    url: smtp://alerts@mail.example.org:587
    password_file: smtp-password
    from: Feedhound <alerts@example.org>
    to: [editor@example.org, night@example.org]
  - name: chat
    type: telegram
    secret: ${TG_TOKEN}
    chat_id: "-1001234"
  - name: phone
    type: ntfy
    url: https://ntfy.sh/newsroom
    priority: high
    tags: [newspaper]
rules:
  - name: r
    query: summit
    notify: [desk, chat, phone]
`
	c, err := Parse([]byte(good), filepath.Join(dir, "good.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	desk := c.Notifiers[0].Destination()
	if got := desk.OptionList("to"); strings.Join(got, " ") != "editor@example.org night@example.org" || desk.Option("password") != "s3cret-pass" || desk.Option("from") != "Feedhound <alerts@example.org>" {
		t.Errorf("email options %q", desk.Options)
	}
	if chat := c.Notifiers[1].Destination(); chat.Secret != "123:TOKEN" || chat.Option("chat_id") != "-1001234" {
		t.Errorf("telegram %+v", chat)
	}
	if phone := c.Notifiers[2].Destination(); phone.Option("priority") != "high" || len(phone.OptionList("tags")) != 1 {
		t.Errorf("ntfy %+v", phone)
	}

	bad := `
notifiers:
  - name: desk
    type: email
    url: smtp://alerts:hunter2@mail.example.org
    from: alerts@example.org
    too: [editor@example.org]
  - name: chat
    type: telegram
    secret: 123:TOKEN
  - name: phone
    type: ntfy
    url: https://ntfy.sh/newsroom
    tags: newspaper
  - name: hook
    type: slack
    url: https://hooks.slack.com/services/T/B/X
    secret_file: x
    to: [a]
  - name: unset
    type: telegram
    secret: ${NO_SUCH_TOKEN}
    chat_id: "1"
rules:
  - name: r
    query: summit
    notify: [desk, chat, phone, hook, unset]
`
	_, err = Parse([]byte(bad), filepath.Join(dir, "bad.yaml"))
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("error %v, want Problems", err)
	}
	got := ps.Error()
	for _, want := range []string{
		`bad.yaml:7:5: unknown key "too" in a notifier (did you mean "to"?)`,
		`bad.yaml:3:5: notifier "desk": to: required by email`,
		`bad.yaml:8:5: notifier "chat": chat_id: required by telegram`,
		`bad.yaml:14:11: tags must be a list`,
		`bad.yaml:19:5: unknown key "to" in a notifier (known keys: name, type, url, url_file, secret, secret_file, allow_private_networks)`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("problems lack %q:\n%s", want, got)
		}
	}
	if !strings.Contains(got, "secret: environment variable NO_SUCH_TOKEN is not set") || strings.Contains(got, `"unset": secret`) {
		t.Errorf("an unset secret is not one problem:\n%s", got)
	}
	for _, secret := range []string{"hunter2", "123:TOKEN"} {
		if strings.Contains(got, secret) {
			t.Errorf("a problem shows the secret %q:\n%s", secret, got)
		}
	}
}

// TestFingerprint: a configuration's sources and rules give its
// fingerprint; what else differs between instances (where they listen)
// does not change it.
func TestFingerprint(t *testing.T) {
	parse := func(src string) string {
		t.Helper()
		c, err := Parse([]byte(src), "f.yaml")
		if err != nil {
			t.Fatal(err)
		}
		return c.Fingerprint()
	}
	base := "sources:\n  - name: wire\n    url: https://wire.example.org/feed\nrules:\n  - name: r\n    query: summit\n"
	if parse(base) != parse("listen: 127.0.0.1:9999\n"+base) {
		t.Error("the listening address changed the fingerprint")
	}
	for _, other := range []string{
		strings.Replace(base, "query: summit", "query: 'summit -tennis'", 1),
		strings.Replace(base, "wire.example.org", "wire.example.net", 1),
		base + "  - name: r2\n    query: Putin\n",
	} {
		if parse(other) == parse(base) {
			t.Errorf("the same fingerprint for\n%s", other)
		}
	}
}

func TestDigestPeriods(t *testing.T) {
	seoul, _ := time.LoadLocation("Asia/Seoul")
	for _, tc := range []struct {
		spec     string
		at, want time.Time
	}{
		{"1m", time.Date(2026, 9, 10, 4, 0, 5, 0, time.UTC), time.Date(2026, 9, 10, 4, 1, 0, 0, time.UTC)},
		{"1m", time.Date(2026, 9, 10, 4, 0, 59, 999e6, time.UTC), time.Date(2026, 9, 10, 4, 1, 0, 0, time.UTC)},
		{"1m", time.Date(2026, 9, 10, 4, 1, 0, 0, time.UTC), time.Date(2026, 9, 10, 4, 2, 0, 0, time.UTC)},
		{"15m", time.Date(2026, 9, 10, 4, 44, 0, 0, time.UTC), time.Date(2026, 9, 10, 4, 45, 0, 0, time.UTC)},
		{"1h", time.Date(2026, 9, 10, 13, 20, 0, 0, seoul), time.Date(2026, 9, 10, 14, 0, 0, 0, seoul)},
		{"24h", time.Date(2026, 9, 10, 23, 59, 0, 0, time.UTC), time.Date(2026, 9, 11, 0, 0, 0, 0, time.UTC)},
	} {
		s, err := DigestSchedule(tc.spec)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Next(tc.at); !got.Equal(tc.want) {
			t.Errorf("%s at %v: next digest %v, want %v", tc.spec, tc.at, got, tc.want)
		}
	}
}

// TestUnknownNamesSuggest: a rule's misspelt source or notifier got no
// "did you mean", as unknown keys do.
func TestUnknownNamesSuggest(t *testing.T) {
	_, err := Parse([]byte("sources:\n  - name: koreatimes\n    url: https://kt.example/rss\nnotifiers:\n  - name: newsroom\n    type: webhook\n    url: https://hooks.example/x\n"+
		"rules:\n  - name: a\n    query: b\n    sources: [korea-times]\n    notify: [newsrom]\n"), "f.yaml")
	for _, want := range []string{`f.yaml:11:15: rule "a": unknown source "korea-times" (did you mean "koreatimes"?)`, `f.yaml:12:14: rule "a": unknown notifier "newsrom" (did you mean "newsroom"?)`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want %s", err, want)
		}
	}
}
