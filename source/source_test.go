package source

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/feedhound/feedhound/feed"
)

func TestProblems(t *testing.T) {
	tests := []struct {
		name string
		spec Spec
		want []string
	}{
		{"a feed", Spec{URL: "https://wire.example/a.atom"}, nil},
		{"a page with selectors", Spec{URL: "https://mofa.example/", Kind: "page", Options: `{"item":"tr","date":"td.date"}`, Timezone: "Asia/Seoul"}, nil},
		{"a page whose selectors are found", Spec{URL: "https://mofa.example/", Kind: "page"}, nil},
		{"everything wrong", Spec{URL: "ftp://x.example/", Schedule: "@every 10s", Timezone: "Mars/Olympus", Kind: "page", Options: `{"date":"td[class=","itme":"tr"}`}, []string{
			`url: "ftp://x.example/": only http and https URLs can be fetched`,
			`schedule "@every 10s": polls 10s apart; at least 1m0s apart (min_interval)`,
			`timezone "Mars/Olympus": want a zone name such as Asia/Seoul or UTC`,
			`options.itme: a page takes no such option (it takes: item, title, link, date, summary, author, image)`,
			`options.item: is needed with the other selectors (or give none to have them found)`,
		}},
		{"a bad selector", Spec{URL: "https://a.example/", Kind: "page", Options: `{"item":"td[class="}`}, []string{
			`options.item "td[class=": unexpected EOF in attribute selector`,
		}},
		{"a feed takes no options", Spec{URL: "https://a.example/", Options: `{"item":"tr"}`}, []string{
			`options.item: a feed takes no such option (it takes: none)`,
		}},
		{"two unknown options, in order", Spec{URL: "https://a.example/", Kind: "page", Options: `{"zeta":"x","alpha":"y","mid":"z"}`}, []string{
			`options.alpha: a page takes no such option (it takes: item, title, link, date, summary, author, image)`,
			`options.mid: a page takes no such option (it takes: item, title, link, date, summary, author, image)`,
			`options.zeta: a page takes no such option (it takes: item, title, link, date, summary, author, image)`,
		}},
		{"options not strings", Spec{URL: "https://a.example/", Kind: "page", Options: `{"item":1}`}, []string{
			`options: want an object of strings`,
		}},
		{"an unknown kind", Spec{URL: "https://a.example/", Kind: "rss"}, []string{`kind "rss": want feed or page`}},
		{"no URL", Spec{}, []string{`url: none given`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, p := range Problems(&tt.spec, time.Minute) {
				got = append(got, p.Error())
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if len(tt.want) == 0 && (tt.spec.Schedule != DefaultSchedule || tt.spec.Kind == "") {
				t.Errorf("defaults not filled in: %+v", tt.spec)
			}
		})
	}
}

func TestOptionsAreOneText(t *testing.T) {
	a := EncodeOptions(map[string]string{"item": "tr", "date": "td.date", "title": ""})
	b := PageOptions(Selectors(map[string]string{"date": "td.date", "item": "tr"}))
	if a != b || a != `{"date":"td.date","item":"tr"}` {
		t.Errorf("%q and %q", a, b)
	}
	if EncodeOptions(map[string]string{"item": ""}) != "" {
		t.Error("options all empty are not none")
	}
}

// serve serves the fixtures of testdata/pages and testdata/feeds, and a
// home page that links to a feed.
func serve(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/home", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<html><head><title>Home</title><link rel="alternate" type="application/rss+xml" href="/feeds/koreatimes.rss"></head><body>Home</body></html>`))
	})
	for _, dir := range []string{"pages", "feeds"} {
		mux.Handle("/"+dir+"/", http.StripPrefix("/"+dir+"/", http.FileServer(http.Dir("../testdata/"+dir))))
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// TestFeedKindFollowsThePage: a feed source whose URL is a page reads the
// feed the page links to, and says where it is.
func TestFeedKindFollowsThePage(t *testing.T) {
	srv := serve(t)
	s := Spec{URL: srv.URL + "/home"}
	if err := Check(&s, 0); err != nil {
		t.Fatal(err)
	}
	r, err := New(&s, Env{Reader: &feed.Reader{}})
	if err != nil {
		t.Fatal(err)
	}
	a, err := r.Read(context.Background(), feed.Request{URL: s.URL})
	if err != nil || a.Found != srv.URL+"/feeds/koreatimes.rss" || a.Feed == nil || len(a.Feed.Items) == 0 {
		t.Fatalf("read: %+v, %v", a, err)
	}
	url, title, err := Try(context.Background(), &s, Env{Reader: &feed.Reader{}})
	if err != nil || url != a.Found {
		t.Errorf("tried: %q %q %v", url, title, err) // the title is the link's, none here
	}
	// Read again with its validators: nothing to read.
	b, err := r.Read(context.Background(), feed.Request{URL: a.Found, ETag: a.Resp.ETag, LastModified: a.Resp.LastModified, BodyHash: a.Resp.BodyHash})
	if err != nil || b.Feed != nil || !(b.Unchanged || b.Resp.Status == http.StatusNotModified) {
		t.Errorf("read again: %+v, %v", b, err)
	}
}

// TestPageKindIsTried: a page is scraped once before it is accepted; an
// item selector that matches nothing is the options' fault, a page not
// there the URL's.
func TestPageKindIsTried(t *testing.T) {
	if _, err := os.Stat("../testdata/pages/mofa-list.html"); err != nil {
		t.Fatal(err)
	}
	srv := serve(t)
	env := Env{Reader: &feed.Reader{}}
	s := Spec{URL: srv.URL + "/pages/mofa-list.html", Kind: "page"}
	url, title, err := Try(context.Background(), &s, env)
	if err != nil || url != s.URL || title == "" {
		t.Errorf("found: %q %q %v", url, title, err)
	}
	s.Options = `{"item":"article.nothing-here"}`
	_, _, err = Try(context.Background(), &s, env)
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "options" || !strings.Contains(err.Error(), "matched nothing") {
		t.Errorf("selectors matching nothing: %v", err)
	}
	s.URL = srv.URL + "/pages/gone.html"
	_, _, err = Try(context.Background(), &s, env)
	if err == nil || errors.As(err, &fe) {
		t.Errorf("a page not there: %v (want the URL's error)", err)
	}
}
