package watcher

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/feedhound/feedhound/config"
	"github.com/feedhound/feedhound/feed"
	"github.com/feedhound/feedhound/source"
)

// bulletin is a kind of source made for this test, as a new kind is
// made: one file, one registration. Its one option, "headlines", lists
// the items' titles separated by "|"; each read gives them as a feed.
type bulletin struct{}

func (bulletin) Name() string { return "bulletin" }
func (bulletin) Options() []source.Option {
	return []source.Option{{Name: "headlines", Help: "the items' titles, separated by |"}}
}

func (bulletin) Check(_ *source.Spec, opts map[string]string) error {
	if opts["headlines"] == "" {
		return &source.FieldError{Field: "options.headlines", Err: errors.New("required")}
	}
	return nil
}

// bulletinsMade counts the readers made.
var bulletinsMade atomic.Int64

func (bulletin) New(s *source.Spec, _ source.Env) (source.Reader, error) {
	bulletinsMade.Add(1)
	opts, err := source.DecodeOptions(s.Options)
	return &bulletinReader{titles: strings.Split(opts["headlines"], "|")}, err
}

func (bulletin) Try(context.Context, *source.Spec, source.Env) (string, string, error) {
	return "", "", errors.New("not tried in this test")
}

type bulletinReader struct {
	mu     sync.Mutex
	titles []string
	reads  int
}

func (r *bulletinReader) Read(context.Context, feed.Request) (source.Answer, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reads++
	f := &feed.Feed{Title: "Bulletin"}
	for i, t := range r.titles {
		f.Items = append(f.Items, feed.Item{ID: fmt.Sprint(i), Title: t, Link: fmt.Sprintf("https://bulletin.example/%d", i)})
	}
	return source.Answer{Resp: &feed.Response{Status: 200}, Feed: f}, nil
}

var registerBulletin sync.Once

// TestANewKindOfSource: a kind registered once is configured with kind:
// and options:, checked where it is written, and polled and matched as
// feeds are, without a change to config, the plan or polling.
func TestANewKindOfSource(t *testing.T) {
	registerBulletin.Do(func() { source.Register(bulletin{}) })
	ctx := context.Background()
	p := plan(t, `
sources:
  - name: desk
    url: https://bulletin.example/
    kind: bulletin
    options:
      headlines: "Kim-Putin summit set for Vladivostok|Markets close higher"
rules:
  - name: summit
    query: '"Kim-Putin summit"'
`)
	w := New(openStore(t, filepath.Join(t.TempDir(), "f.db")), &feed.Reader{}, quiet, p, Options{})
	res, err := w.Poll(ctx, "desk")
	if err != nil || res.Err != nil {
		t.Fatalf("poll: %v, %v", err, res.Err)
	}
	if res.New != 2 || res.Matches != 1 {
		t.Errorf("new %d, matches %d; want 2 and 1", res.New, res.Matches)
	}
	matched, err := w.store.LatestMatches(ctx, "summit", 10)
	if err != nil || len(matched) != 1 || matched[0].Item.Title != "Kim-Putin summit set for Vladivostok" {
		b, _ := json.Marshal(matched)
		t.Errorf("matches %s, %v", b, err)
	}

	_, err = config.Parse([]byte(`
sources:
  - name: desk
    url: https://bulletin.example/
    kind: bulletin
    options:
      headline: "one|two"
`), "test.yaml")
	want := []string{
		`test.yaml:7:7: source "desk": options.headlines: required`,
		`test.yaml:7:18: source "desk": options.headline: a bulletin takes no such option (it takes: headlines)`,
	}
	if err == nil || err.Error() != strings.Join(want, "\n") {
		t.Errorf("problems:\n%v\nwant:\n%s", err, strings.Join(want, "\n"))
	}
}

// TestReadersAreMadeOncePerSpec: a new plan that only changes the
// subscriptions (as each one made through the API does) keeps the
// sources' readers; a source whose options change gets a new one.
func TestReadersAreMadeOncePerSpec(t *testing.T) {
	registerBulletin.Do(func() { source.Register(bulletin{}) })
	yaml := "sources:\n  - name: desk\n    url: https://bulletin.example/\n    kind: bulletin\n    options: {headlines: %q}\n"
	w := New(openStore(t, filepath.Join(t.TempDir(), "f.db")), &feed.Reader{}, quiet, plan(t, fmt.Sprintf(yaml, "one|two")), Options{})
	made := bulletinsMade.Load()
	w.SetPlan(w.Plan().WithSubscriptions(NewSubscriptions(nil)))
	w.SetPlan(plan(t, fmt.Sprintf(yaml, "one|two")))
	if n := bulletinsMade.Load() - made; n != 0 {
		t.Errorf("%d readers made again for the same source", n)
	}
	w.SetPlan(plan(t, fmt.Sprintf(yaml, "three")))
	if n := bulletinsMade.Load() - made; n != 1 {
		t.Errorf("%d readers made for a source whose options changed, want 1", n)
	}
	res, err := w.Poll(context.Background(), "desk")
	if err != nil || res.New != 1 {
		t.Errorf("the new reader's poll: %+v, %v", res, err)
	}
}
