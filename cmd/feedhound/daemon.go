package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/feedhound/feedhound/app"
	"github.com/feedhound/feedhound/destination"

	"github.com/feedhound/feedhound/api"
	"github.com/feedhound/feedhound/config"
	"github.com/feedhound/feedhound/feed"
	"github.com/feedhound/feedhound/internal/version"
	"github.com/feedhound/feedhound/metrics"
	"github.com/feedhound/feedhound/netguard"
	"github.com/feedhound/feedhound/notify"
	"github.com/feedhound/feedhound/server"
	"github.com/feedhound/feedhound/store"
	"github.com/feedhound/feedhound/watcher"
)

// daemon is feedhound run: the watcher and the HTTP server over one
// database. Tests start it in-process.
type daemon struct {
	path    string // the configuration file
	log     *slog.Logger
	store   *store.Store
	lock    *store.DaemonLock // held while it runs
	watch   *watcher.Watcher
	srv     *server.Server
	metrics *metrics.Metrics
	ln      net.Listener
	base    string         // where the server is reached, without a trailing slash
	cfg     *config.Config // as started: listen, data and the first notifiers

	mu         sync.Mutex // protects deliverers and rules
	deliverers []*notify.Deliverer
	// rules is the configuration the plan is made from, with the
	// subscriptions; reload replaces it.
	rules *config.Config

	// planMu is held while a plan is made and set: by a reload, and when
	// the API changes subscriptions or sources.
	planMu  sync.Mutex
	updates *watcher.Updates // carries the API's changes into the plan
	pool    *notify.Pool     // delivers the subscriptions' own alerts
	guard   netguard.Policy  // for URLs that API clients give
	// instance names this process among the instances sharing a
	// PostgreSQL database; clusterWarning is what the status page says
	// of their configurations, when they differ (a string).
	instance       string
	clusterWarning atomic.Value
	// refused is the last reload refused (a server.RefusedReload), until
	// one succeeds.
	refused atomic.Value
}

// instanceAlive is how often an instance says it is alive; one not heard
// of for instanceGone is taken for stopped.
const (
	instanceAlive = 30 * time.Second
	instanceGone  = 2 * time.Minute
)

// cluster says, until ctx ends, that this instance is alive and runs its
// configuration, and compares it with the other instances': one whose
// sources or rules differ is logged, and shown on the status page, as
// long as they do.
func (d *daemon) cluster(ctx context.Context) {
	started := time.Now()
	told := map[string]bool{}
	t := time.NewTicker(instanceAlive)
	defer t.Stop()
	for {
		now := time.Now()
		d.mu.Lock()
		mine := d.rules.Fingerprint()
		d.mu.Unlock()
		if err := d.store.SeeInstance(ctx, d.instance, mine, started, now); err != nil && ctx.Err() == nil {
			d.log.Error("instances: cannot say this one is alive", "error", err)
		}
		others, err := d.store.Instances(ctx, now.Add(-instanceGone))
		if err != nil && ctx.Err() == nil {
			d.log.Error("instances: cannot read the others", "error", err)
		}
		var differ []string
		for _, o := range others {
			if o.Name != d.instance && o.Config != mine {
				differ = append(differ, o.Name)
				if !told[o.Name+" "+o.Config+" "+mine] {
					told[o.Name+" "+o.Config+" "+mine] = true
					d.log.Warn("this instance's sources or rules differ from another's: run the same configuration file on every instance", "instance", d.instance, "other", o.Name)
				}
			}
		}
		warning := ""
		if len(differ) > 0 {
			warning = fmt.Sprintf("This instance (%s) runs other sources or rules than %s, which share its database: run the same configuration file on every instance.", d.instance, strings.Join(differ, ", "))
		}
		d.clusterWarning.Store(warning)
		select {
		case <-ctx.Done():
			d.store.LeaveInstance(context.WithoutCancel(ctx), d.instance)
			return
		case <-t.C:
		}
	}
}

// instanceName is this daemon's name among instances: its host and
// process id (and, for a process that runs more than one, as tests do,
// which one it is).
func instanceName() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	name := fmt.Sprintf("%s/%d", host, os.Getpid())
	if n := daemonsStarted.Add(1); n > 1 {
		name += fmt.Sprintf("-%d", n)
	}
	return name
}

var daemonsStarted atomic.Int64

// changed carries a change made through this instance's API into its
// plan, and, when the database is shared, announces it to the others.
func (d *daemon) changed(subscription string) {
	d.updates.Changed(subscription)
	if d.store.Shared() {
		if err := d.store.Announce(context.Background(), d.instance, subscription, time.Now()); err != nil {
			d.log.Error("announce a change to the other instances; they find it within a minute", "error", err)
		}
	}
}

// newDaemon reads the configuration, opens the database and starts
// listening; serve runs the rest.
func newDaemon(ctx context.Context, path string, log *slog.Logger, opts watcher.Options) (d *daemon, err error) {
	c, err := loadConfig(path)
	if err != nil {
		return nil, err
	}
	lock, err := store.LockDaemon(c.Data)
	if err != nil {
		return nil, err
	}
	var st *store.Store
	defer func() { // what was opened, closed again when something later fails
		if err != nil {
			if st != nil {
				st.Close()
			}
			lock.Unlock()
		}
	}()
	if st, err = store.Open(ctx, c.Data); err != nil {
		return nil, err
	}
	subs, err := watcher.LoadSubscriptions(ctx, st)
	if err != nil {
		return nil, err
	}
	for _, e := range subs.Skipped {
		log.Error("subscription not matched; change its query through the API", "error", e)
	}
	p, err := plan(ctx, c, st, subs, log)
	if err != nil {
		return nil, err
	}
	if err := backfillRules(ctx, c, st, log); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", c.Listen)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", c.Listen, err)
	}
	base := c.BaseURL
	if strings.HasSuffix(base, ":0") { // an ephemeral port: use the one we got
		base = "http://" + ln.Addr().String()
	}
	d = &daemon{path: path, log: log, store: st, lock: lock, ln: ln, base: base, cfg: c, rules: c, instance: instanceName()}
	opts.Instance, opts.Lease = d.instance, c.Lease
	d.updates = &watcher.Updates{Store: st, Log: log, Set: d.setSubscriptions,
		Current: func() *watcher.Subscriptions { return d.watch.Plan().Subscriptions }}
	d.srv = server.New(st, func() *watcher.Plan { return d.watch.Plan() }, base, log)
	d.srv.Refused = func() server.RefusedReload { r, _ := d.refused.Load().(server.RefusedReload); return r }
	if st.Shared() {
		d.srv.ClusterWarning = func() string { w, _ := d.clusterWarning.Load().(string); return w }
	}
	// What API clients give is guarded unless the whole instance allows
	// private networks.
	d.guard = netguard.Policy{AllowPrivate: c.AllowPrivateNetworks}
	d.pool = notify.NewPool(store.SubscriptionRulePrefix, st, netguard.NewClient(d.guard, netguard.Options{}), log, d.feedURL, d.subscriptionDestination)
	v := version.Get()
	instance := ""
	if st.Shared() {
		instance = d.instance
	}
	d.metrics = metrics.New(st, metrics.Options{Version: v.Version, Revision: v.Revision, GoVersion: v.Go, Instance: instance,
		Sources: func(ctx context.Context) ([]metrics.SourceStat, error) {
			srcs, err := st.Sources(ctx)
			stats := make([]metrics.SourceStat, len(srcs))
			for i, s := range srcs {
				stats[i] = metrics.SourceStat{Name: s.Name, LastSuccess: s.LastSuccess, Failures: s.Failures}
			}
			return stats, err
		}})
	d.metrics.Rules(ruleNames(p))
	d.pool.Observe, d.pool.Instance, d.pool.LeaseTerm = d.metrics.Delivery, d.instance, c.Lease
	opts.OnMatch = func(rule string, n int) {
		d.srv.Invalidate(rule)
		d.metrics.Match(rule, n)
		d.wakeDeliverers()
	}
	opts.OnPoll = func(res watcher.Result, took time.Duration) {
		d.metrics.Poll(res.Status, took, res.New)
		if res.New > 0 {
			d.srv.InvalidateSource(res.Source)
		}
	}
	opts.StoryWindow = c.StoryWindow
	opts.PrivateReader = &feed.Reader{Client: netguard.NewClient(netguard.Policy{AllowPrivate: true}, netguard.Options{})}
	reader := &feed.Reader{Client: netguard.NewClient(netguard.Policy{}, netguard.Options{})}
	d.watch = watcher.New(st, reader, log, p, opts)
	return d, nil
}

// baseURL is where the server can be reached.
func (d *daemon) baseURL() string { return d.base }

// serve runs the watcher and the server until ctx ends, reloading the
// configuration on SIGHUP; then it shuts both down and closes the database.
func (d *daemon) serve(ctx context.Context) error {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", d.metrics.Handler())
	guarded := &feed.Reader{Client: netguard.NewClient(d.guard, netguard.Options{})}
	mux.Handle("/api/v1/", api.New(d.store, api.Options{Reader: guarded, Guard: d.guard, BaseURL: d.baseURL(), Plan: d.watch.Plan, Changed: d.changed, Log: d.log, Limits: d.cfg.API}).Handler())
	mux.Handle("/", d.srv.Handler())
	// The web app: / is its alerts page; the status page is /status.
	app.New(app.Options{Store: d.store, BaseURL: d.baseURL(), Log: d.log}).Mount(mux)
	hs := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(d.log.Handler(), slog.LevelWarn),
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	var wg sync.WaitGroup
	serveErr := make(chan error, 1)
	wg.Go(func() {
		if err := hs.Serve(d.ln); !errors.Is(err, http.ErrServerClosed) {
			serveErr <- err
		}
	})
	wctx, stopWatcher := context.WithCancel(ctx)
	wg.Go(func() { d.watch.Run(wctx) })
	stopDeliverers := d.startDeliverers(wctx, d.cfg.Notifiers, &wg)
	wg.Go(func() { d.pool.Run(wctx) })
	wg.Go(func() { d.updates.Run(wctx) })
	// Changes made through another instance's API, or by a command
	// (feedhound import), on SQLite as on PostgreSQL.
	wg.Go(func() { d.updates.Follow(wctx, d.instance, 0) })
	if d.store.Shared() {
		wg.Go(func() { d.cluster(wctx) })
	}
	d.log.Info("feedhound running", "url", d.baseURL(), "sources", len(d.cfg.Sources), "rules", len(d.cfg.Rules), "database", store.Describe(d.cfg.Data))

	var err error
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case err = <-serveErr:
			break loop
		case <-hup:
			if c := d.reload(); c != nil {
				stopDeliverers()
				stopDeliverers = d.startDeliverers(wctx, c.Notifiers, &wg)
			}
		}
	}
	d.log.Info("shutting down")
	stopWatcher()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	hs.Shutdown(sctx)
	wg.Wait()
	if cerr := d.store.Close(); err == nil {
		err = cerr
	}
	d.lock.Unlock()
	return err
}

// startDeliverers starts a deliverer for each notifier and returns what
// stops them.
func (d *daemon) startDeliverers(ctx context.Context, ns []config.Notifier, wg *sync.WaitGroup) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var ds []*notify.Deliverer
	for _, n := range ns {
		client := netguard.NewClient(netguard.Policy{AllowPrivate: n.AllowPrivateNetworks}, netguard.Options{})
		dl := notify.NewDeliverer(n.Destination(),
			d.store, client, d.log, d.feedURL)
		dl.Observe, dl.Instance, dl.LeaseTerm = d.metrics.Delivery, d.instance, d.cfg.Lease
		ds = append(ds, dl)
		wg.Go(func() { dl.Run(ctx) })
	}
	d.mu.Lock()
	d.deliverers = ds
	d.mu.Unlock()
	return cancel
}

func (d *daemon) wakeDeliverers() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, dl := range d.deliverers {
		dl.Wake()
	}
	d.pool.Wake()
}

// subscriptionDestination is where a subscription's alerts go; their
// notifier is named as the subscription's rule, "@" and its id.
func (d *daemon) subscriptionDestination(ctx context.Context, name string) (destination.Destination, bool, error) {
	sub, err := d.store.Subscription(ctx, strings.TrimPrefix(name, store.SubscriptionRulePrefix))
	if errors.Is(err, store.ErrNotFound) || err == nil && sub.Notify.URL == "" {
		return destination.Destination{}, false, nil
	}
	if err != nil {
		return destination.Destination{}, false, err
	}
	dest := sub.Notify
	dest.Name, dest.FeedURL = name, d.baseURL()+"/feeds/s/"+sub.FeedToken+".atom"
	return dest, true, nil
}

// feedURL is the Atom feed of a rule.
func (d *daemon) feedURL(rule string) string {
	return d.baseURL() + "/feeds/" + rule + ".atom"
}

// reload reads the configuration again and, if it is good, carries it
// out and returns it; if not, the old one keeps running and the log says
// why.
func (d *daemon) reload() *config.Config {
	c, err := loadConfig(d.path)
	if err == nil {
		// The plan is made once to know the configuration can be carried
		// out, and again, under planMu, after the backfill, which may take
		// a while: changes through the API go on meanwhile.
		if _, err = plan(context.Background(), c, d.store, d.watch.Plan().Subscriptions, nil); err == nil {
			if berr := backfillRules(context.Background(), c, d.store, d.log); berr != nil {
				d.log.Error("backfill", "error", berr)
			}
			err = d.setConfig(c)
		}
		if err == nil {
			if c.Listen != d.cfg.Listen || c.Data != d.cfg.Data {
				d.log.Warn("listen and data take effect only after a restart")
			}
			d.log.Info("configuration reloaded", "sources", len(c.Sources), "rules", len(c.Rules), "notifiers", len(c.Notifiers))
			d.refused.Store(server.RefusedReload{})
			d.metrics.Reload(true, time.Now())
			return c
		}
	}
	problems := strings.Split(err.Error(), "\n")
	d.refused.Store(server.RefusedReload{At: time.Now(), Problems: problems})
	d.metrics.Reload(false, time.Now())
	d.log.Error("configuration not reloaded; the old one keeps running", "problems", len(problems), "error", strings.Join(problems, "; "))
	return nil
}

// setConfig makes the plan of a new configuration, with the
// subscriptions being matched, and carries it out.
func (d *daemon) setConfig(c *config.Config) error {
	d.planMu.Lock()
	defer d.planMu.Unlock()
	p, err := plan(context.Background(), c, d.store, d.watch.Plan().Subscriptions, d.log)
	if err != nil {
		return err
	}
	d.mu.Lock()
	d.rules = c
	d.mu.Unlock()
	d.watch.SetPlan(p)
	d.metrics.Rules(ruleNames(p))
	d.srv.PlanChanged()
	return nil
}

// setSubscriptions makes subs the plan's subscriptions, and makes the
// plan again when the API's sources changed.
func (d *daemon) setSubscriptions(subs *watcher.Subscriptions, sources bool) {
	d.planMu.Lock()
	defer d.planMu.Unlock()
	p := d.watch.Plan().WithSubscriptions(subs)
	if sources {
		d.mu.Lock()
		c := d.rules
		d.mu.Unlock()
		np, err := plan(context.Background(), c, d.store, subs, d.log)
		if err != nil {
			d.log.Error("sources changed, but the plan could not be made again", "error", err)
		} else {
			p = np
		}
	}
	d.watch.SetPlan(p)
	d.srv.PlanChanged()
}

// ruleNames lists the configured rules of a plan (subscriptions, which
// the plan keeps apart, are not metrics' business: there may be a million).
func ruleNames(p *watcher.Plan) []string {
	names := make([]string, len(p.Rules))
	for i, r := range p.Rules {
		names[i] = r.Name
	}
	return names
}

// backfillRules matches the stored stories of their backfill window
// against the rules of the file that are new or whose query changed since
// feedhound last took them up, without alerts, and records every rule's
// query.
func backfillRules(ctx context.Context, c *config.Config, st *store.Store, log *slog.Logger) error {
	seen, err := st.RuleQueries(ctx)
	if err != nil {
		return err
	}
	now := time.Now()
	for _, r := range c.Rules {
		q := r.Parsed.String()
		if seen[r.Name] == q {
			continue
		}
		if r.Backfill > 0 {
			n, err := watcher.Backfill(ctx, st, r.Name, r.Parsed, r.Sources, now.Add(-r.Backfill), now)
			if err != nil {
				return fmt.Errorf("backfill rule %s: %w", r.Name, err)
			}
			log.Info("rule backfilled", "rule", r.Name, "window", r.Backfill, "matches", n)
		}
		if err := st.SetRuleQuery(ctx, r.Name, q); err != nil {
			return err
		}
	}
	return nil
}

// plan makes the plan of a configuration, the subscriptions and the
// API's stored sources, logging those it must leave out unless log is
// nil.
func plan(ctx context.Context, c *config.Config, st *store.Store, subs *watcher.Subscriptions, log *slog.Logger) (*watcher.Plan, error) {
	srcs, err := st.APISources(ctx)
	if err != nil {
		return nil, err
	}
	p, err := watcher.NewPlan(c, watcher.Dynamic{Matched: subs, Sources: srcs})
	if err == nil && log != nil {
		for _, e := range p.Skipped {
			log.Error("source not polled; add it again through the API", "error", e)
		}
	}
	return p, err
}

// newLogger makes the daemon's logger.
func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level is debug, info, warn or error, not %q", level)
	}
	// Durations are Go's duration strings ("1s", "2m30s") in both formats:
	// JSON would write nanoseconds.
	opts := &slog.HandlerOptions{Level: lv, ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Value.Kind() == slog.KindDuration {
			a.Value = slog.StringValue(a.Value.Duration().String())
		}
		return a
	}}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format is text or json, not %q", format)
}
