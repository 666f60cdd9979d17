package feed

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseOPML(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "testdata", "opml", "reader-export.opml"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseOPML(b)
	if err != nil {
		t.Fatal(err)
	}
	want := []Outline{
		{Title: "The Korea Times: North Korea", URL: "https://www.koreatimes.co.kr/www/rss/nation.xml", Site: "https://www.koreatimes.co.kr/", Category: "Korea"},
		{Title: "Yonhap News Agency — N. Korea", URL: "https://en.yna.co.kr/RSS/nk.xml", Site: "https://en.yna.co.kr/", Category: "Korea"},
		{Title: "연합뉴스 북한", URL: "https://www.yna.co.kr/rss/northkorea.xml", Category: "Korea"},
		{Title: "38 North", URL: "https://www.38north.org/feed/", Category: "Korea / Think tanks"},
		{Title: "TASS", URL: "https://tass.com/rss/v2.xml", Category: "Russia"},
		{Title: "The Korea Times: North Korea (again)", URL: "https://www.koreatimes.co.kr/www/rss/nation.xml", Category: "Russia"},
		{Title: "A podcast over FTP", URL: "ftp://podcasts.example/feed.xml"},
		{Title: "TASS", URL: "https://tass.com/rss/world.xml"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("outlines (-want +got):\n%s", diff)
	}
}

func TestParseOPMLRefuses(t *testing.T) {
	outline := `<outline text="x" xmlUrl="https://a.example/feed"/>`
	for name, tc := range map[string]struct{ doc, want string }{
		"not opml":  {`<rss version="2.0"><channel></channel></rss>`, "not an OPML document (its root is <rss>)"},
		"not xml":   {`{"feeds": []}`, "opml: "},
		"empty":     {``, "no <opml> element"},
		"laughs":    {`<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><opml><body><outline text="&lol2;" xmlUrl="https://a.example/"/></body></opml>`, "entity declarations are not read"},
		"entity":    {`<opml><body><outline text="&secret;" xmlUrl="https://a.example/"/></body></opml>`, "opml: "},
		"deep":      {`<opml><body>` + strings.Repeat(`<outline text="folder">`, 40) + outline + strings.Repeat(`</outline>`, 40) + `</body></opml>`, "outlines nested deeper than 32"},
		"many":      {`<opml><body>` + strings.Repeat(outline, 20_001) + `</body></opml>`, "more than 20000 outlines"},
		"huge":      {`<opml><body>` + strings.Repeat(" ", MaxOPMLBytes) + `</body></opml>`, "larger than 4 MiB"},
		"truncated": {`<opml><body>` + outline, "opml: "},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseOPML([]byte(tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "opml: ") {
				t.Errorf("got %v, want an error with %q", err, tc.want)
			}
		})
	}
}

// FuzzParseOPML: any bytes give outlines or an error, never a panic, and
// every outline has the feed address it was kept for.
func FuzzParseOPML(f *testing.F) {
	b, err := os.ReadFile(filepath.Join("..", "testdata", "opml", "reader-export.opml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(`<opml><body><outline text="a"><outline xmlUrl="https://a.example/"/></outline></body></opml>`))
	f.Add([]byte(`<!DOCTYPE opml [<!ENTITY a "b">]><opml/>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		outlines, err := ParseOPML(data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "opml: ") {
				t.Errorf("error %q does not say it is the OPML's", err)
			}
			return
		}
		for _, o := range outlines {
			if o.URL == "" {
				t.Errorf("an outline without a feed address: %+v", o)
			}
		}
	})
}
