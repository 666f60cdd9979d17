package main

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/feedhound/feedhound/config"
	"github.com/feedhound/feedhound/destination"
	"github.com/feedhound/feedhound/feed"
	"github.com/feedhound/feedhound/netguard"
	"github.com/feedhound/feedhound/rules"
	"github.com/feedhound/feedhound/store"
)

const notificationsUsage = `Usage:
  feedhound notifications [--config FILE] [--failed] [--rule NAME] [--notifier NAME] [--source NAME] [--json] [--limit N]
  feedhound notifications retry [--config FILE] ID... | --all

Lists the alerts in the outbox, newest first: pending, delivered, or
failed with the receiver's reason. "retry" puts failed alerts back in the
outbox; a running daemon sends them within seconds.

Flags:
  --config FILE   the configuration file (default ./feedhound.yaml)
  --failed        only the failed alerts
  --rule NAME     only the alerts of a rule
  --notifier NAME only the alerts sent, or to be sent, through a notifier
  --source NAME   only the alerts of a source's stories
  --json          one JSON object per alert
  --limit N       at most N alerts (default 50)
  --all           with retry: every failed alert

Exit status: 0 on success; for retry, 1 if no alert was put back; 2 for bad
usage or an error.

Examples:
  feedhound notifications --failed
  feedhound notifications --notifier newsroom --limit 10
  feedhound notifications retry 17 18
`

// openStore opens the database of a configuration read without the
// notifiers' secrets: the commands that use it send nothing.
func openStore(ctx context.Context, path string) (*config.Config, *store.Store, error) {
	c, err := loadConfigWith(path, config.LoadWithoutSecrets)
	if err != nil {
		return nil, nil, err
	}
	st, err := store.Open(ctx, c.Data)
	if err != nil {
		return nil, nil, err
	}
	return c, st, nil
}

func runNotifications(ctx context.Context, e *env, args []string) int {
	retry := len(args) > 0 && args[0] == "retry"
	if retry {
		args = args[1:]
	}
	fs := flag.NewFlagSet("notifications", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), notificationsUsage) }
	path := fs.String("config", defaultConfig, "")
	failed := fs.Bool("failed", false, "")
	var filter store.NotificationFilter
	fs.StringVar(&filter.Rule, "rule", "", "")
	fs.StringVar(&filter.Notifier, "notifier", "", "")
	fs.StringVar(&filter.Source, "source", "", "")
	jsonOut := fs.Bool("json", false, "")
	limit := fs.Int("limit", 50, "")
	all := fs.Bool("all", false, "")
	pos, code, ok := parseFlags(fs, args, e)
	if !ok {
		return code
	}
	var ids []int64
	for _, p := range pos {
		id, err := strconv.ParseInt(p, 10, 64)
		if !retry || err != nil {
			return usageError(e, "notifications", "unexpected argument %q", p)
		}
		ids = append(ids, id)
	}
	if retry && len(ids) == 0 && !*all {
		return usageError(e, "notifications", "retry wants alert IDs or --all")
	}
	_, st, err := openStore(ctx, *path)
	if err != nil {
		return configError(e, err)
	}
	defer st.Close()
	if retry {
		n, err := st.RetryNotifications(ctx, ids)
		if err != nil {
			fmt.Fprintf(e.stderr, "feedhound: %v\n", err)
			return exitError
		}
		fmt.Fprintf(e.stdout, "%d failed alerts put back in the outbox\n", n)
		if n == 0 {
			return exitNoMatch
		}
		return exitMatch
	}
	filter.Failed = *failed
	ns, err := st.NotificationsOf(ctx, filter, *limit)
	if err != nil {
		fmt.Fprintf(e.stderr, "feedhound: %v\n", err)
		return exitError
	}
	enc := jsonLines(e.stdout)
	for _, n := range ns {
		if *jsonOut {
			enc.Encode(map[string]any{
				"id": n.ID, "status": n.Status, "notifier": n.Notifier, "rule": n.Rule, "attempts": n.Attempts,
				"error": n.LastError, "created": n.Created.Format(time.RFC3339), "title": n.Match.Item.Title, "link": n.Match.Item.Link,
			})
			continue
		}
		line := fmt.Sprintf("%-6d %-9s %s → %s: %s", n.ID, n.Status, n.Rule, n.Notifier, feed.StripControl(n.Match.Item.Title))
		if n.LastError != "" {
			line += fmt.Sprintf("\n       %s; %s", plural(n.Attempts, "attempt"), feed.StripControl(n.LastError))
		}
		fmt.Fprintln(e.stdout, line)
	}
	return exitMatch
}

const notifyUsage = `Usage:
  feedhound notify test [--config FILE] NAME

Sends a sample alert through the notifier NAME of the configuration and
prints the receiver's answer, so you can check a webhook before relying on
it.

Flags:
  --config FILE   the configuration file (default ./feedhound.yaml)

Exit status: 0 if the alert was delivered, 1 if the receiver refused it or
could not be reached, 2 for other errors.

Example:
  feedhound notify test --config feedhound.yaml newsroom
`

func runNotify(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 || args[0] != "test" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
			fmt.Fprint(e.stdout, notifyUsage)
			return exitMatch
		}
		return usageError(e, "notify", "the only subcommand is test")
	}
	fs := flag.NewFlagSet("notify", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), notifyUsage) }
	path := fs.String("config", defaultConfig, "")
	pos, code, ok := parseFlags(fs, args[1:], e)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return usageError(e, "notify", "want the name of one notifier")
	}
	c, err := loadConfig(*path)
	if err != nil {
		return configError(e, err)
	}
	var n *config.Notifier
	for i := range c.Notifiers {
		if c.Notifiers[i].Name == pos[0] {
			n = &c.Notifiers[i]
		}
	}
	if n == nil {
		var names []string
		for _, x := range c.Notifiers {
			names = append(names, x.Name)
		}
		fmt.Fprintf(e.stderr, "feedhound: %s: no notifier named %q (have: %s)\n", *path, pos[0], strings.Join(names, ", "))
		return exitError
	}
	dest := n.Destination()
	client := netguard.NewClient(netguard.Policy{AllowPrivate: n.AllowPrivateNetworks}, netguard.Options{})
	o := destination.Send(ctx, client, dest, sampleMessage(c, n.Name), time.Now())
	where := fmt.Sprintf("%s (%s, %s)", n.Name, n.Type, dest.Redacted())
	if o.Delivered {
		fmt.Fprintf(e.stdout, "%s: delivered: %s\n", where, o.Answer())
		return exitMatch
	}
	fmt.Fprintf(e.stdout, "%s: not delivered: %s\n", where, o.Reason)
	return exitNoMatch
}

// sampleMessage is the alert notify test sends through a notifier: as
// from the first rule of the file that notifies it, with that rule's
// feed; with none, a sample that links to no feed.
func sampleMessage(c *config.Config, notifier string) destination.Message {
	text := "North Korean leader Kim Jong-un may travel to Vladivostok this month for the upcoming Kim–Putin summit, officials in Seoul said. (A test alert from feedhound.)"
	i := strings.Index(text, "Kim–Putin summit")
	hit := rules.Hit{Term: `"kim putin summit"`, Field: rules.FieldContent, Start: i, End: i + len("Kim–Putin summit")}
	rule, feedURL := "sample (no rule of the file sends to "+notifier+")", ""
	for _, r := range c.Rules {
		if slices.Contains(r.Notify, notifier) {
			rule, feedURL = r.Name, c.BaseURL+"/feeds/"+r.Name+".atom"
			break
		}
	}
	baseURL := c.BaseURL
	return destination.Message{
		ID: fmt.Sprintf("fh_test_%d", time.Now().Unix()), Rule: rule, FeedURL: feedURL,
		Entries: []destination.Entry{{
			ID: "feedhound-test", Title: "Test: Kim Jong-un may visit Russia to meet Putin", Link: baseURL + "/",
			Source: "feedhound", Published: time.Now(), Terms: []string{hit.Term},
			Snippet: destination.Snippet(rules.SnippetOf(text, []rules.Hit{hit}, 160)),
			Matches: []destination.MatchedText{{Term: hit.Term, Field: "content", Text: "Kim–Putin summit"}},
		}},
	}
}

// plural counts things in words: "1 attempt", "3 attempts".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	switch {
	case strings.HasSuffix(word, "ch") || strings.HasSuffix(word, "s"):
		word += "es"
	case strings.HasSuffix(word, "y") && !strings.HasSuffix(word, "ey"):
		word = word[:len(word)-1] + "ies"
	default:
		word += "s"
	}
	return fmt.Sprintf("%d %s", n, word)
}
