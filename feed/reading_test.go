package feed

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/unicode/utf32"
)

// TestReadLikeTheBestReaders holds feedhound to what feedparser and the
// best readers make of feeds that bend the specifications, each case
// modelled on one of theirs.
func TestReadLikeTheBestReaders(t *testing.T) {
	rss := func(item string) string {
		return `<?xml version="1.0"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>Desk</title><link>https://news.example/</link><item>` + item + `</item></channel></rss>`
	}
	atom := func(entry string) string {
		return `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/"><title>Desk</title><id>urn:desk</id><updated>2026-09-10T00:00:00Z</updated><entry>` + entry + `</entry></feed>`
	}
	d := func(s string) time.Time { t, _ := time.Parse(time.RFC3339, s); return t }
	for name, tc := range map[string]struct {
		doc   string
		check func(t *testing.T, it Item)
	}{
		"escaped markup in an RSS title is text": {rss(`<title>Why the &lt;script&gt; tag blocks rendering</title><link>https://news.example/1</link>`), func(t *testing.T, it Item) {
			if it.Title != "Why the <script> tag blocks rendering" {
				t.Errorf("title %q", it.Title)
			}
		}},
		"HTML in an RSS title is stripped": {rss(`<title>Kim &lt;b&gt;Jong-un&lt;/b&gt; meets Putin</title><link>https://news.example/1</link>`), func(t *testing.T, it Item) {
			if it.Title != "Kim Jong-un meets Putin" {
				t.Errorf("title %q", it.Title)
			}
		}},
		"an Atom text title keeps its characters": {atom(`<title type="text">&lt;blink&gt; is back, and other web lore</title><id>urn:1</id><updated>2026-09-10T00:00:00Z</updated><link href="https://news.example/1"/>`), func(t *testing.T, it Item) {
			if it.Title != "<blink> is back, and other web lore" {
				t.Errorf("title %q", it.Title)
			}
		}},
		"a permalink guid is the link": {rss(`<title>Summit</title><guid isPermaLink="true">https://news.example/2026/09/summit</guid>`), func(t *testing.T, it Item) {
			if it.Link != "https://news.example/2026/09/summit" {
				t.Errorf("link %q", it.Link)
			}
		}},
		"a guid without isPermaLink is the link": {rss(`<title>Summit</title><guid>https://news.example/2026/09/summit-2</guid>`), func(t *testing.T, it Item) {
			if it.Link != "https://news.example/2026/09/summit-2" {
				t.Errorf("link %q", it.Link)
			}
		}},
		"a guid that is no permalink is not": {rss(`<title>Summit</title><guid isPermaLink="false">https://news.example/ids/77</guid>`), func(t *testing.T, it Item) {
			if it.Link != "" {
				t.Errorf("link %q, want none", it.Link)
			}
		}},
		"atom:link in RSS is the link": {rss(`<title>Summit</title><atom:link href="https://news.example/atom-linked"/>`), func(t *testing.T, it Item) {
			if it.Link != "https://news.example/atom-linked" {
				t.Errorf("link %q", it.Link)
			}
		}},
		"dcterms:modified": {rss(`<title>Summit</title><link>https://news.example/1</link><dcterms:modified>2026-09-09T08:00:00Z</dcterms:modified>`), func(t *testing.T, it Item) {
			if !it.Published.Equal(d("2026-09-09T08:00:00Z")) {
				t.Errorf("published %v", it.Published)
			}
		}},
		"dcterms:issued": {rss(`<title>Summit</title><link>https://news.example/1</link><dcterms:issued>2026-09-08T08:00:00+09:00</dcterms:issued>`), func(t *testing.T, it Item) {
			if !it.Published.Equal(d("2026-09-07T23:00:00Z")) {
				t.Errorf("published %v", it.Published)
			}
		}},
		"dc:date": {rss(`<title>Summit</title><link>https://news.example/1</link><dc:date>2026-09-07T10:00:00Z</dc:date>`), func(t *testing.T, it Item) {
			if !it.Published.Equal(d("2026-09-07T10:00:00Z")) {
				t.Errorf("published %v", it.Published)
			}
		}},
		"atom:updated in RSS": {rss(`<title>Summit</title><link>https://news.example/1</link><atom:updated>2026-09-06T10:00:00Z</atom:updated>`), func(t *testing.T, it Item) {
			if !it.Published.Equal(d("2026-09-06T10:00:00Z")) {
				t.Errorf("published %v", it.Published)
			}
		}},
		"media:group/media:description is the text": {atom(`<title>Kim arrives by train</title><id>urn:yt:1</id><updated>2026-09-10T00:00:00Z</updated><link href="https://video.example/1"/><media:group><media:title>Kim arrives by train</media:title><media:description>Footage of the armoured train arriving in Vladivostok for the Kim-Putin summit.</media:description></media:group>`), func(t *testing.T, it Item) {
			if !strings.Contains(it.Text, "for the Kim-Putin summit") {
				t.Errorf("text %q", it.Text)
			}
		}},
		"media:description is the text": {rss(`<title>Clip</title><link>https://news.example/1</link><media:description>Putin greets Kim at the station.</media:description>`), func(t *testing.T, it Item) {
			if it.Text != "Putin greets Kim at the station." {
				t.Errorf("text %q", it.Text)
			}
		}},
		"base64 Atom content": {atom(`<title>Encoded</title><id>urn:b64</id><updated>2026-09-10T00:00:00Z</updated><link href="https://news.example/b"/><content type="text/html" mode="base64">` + base64.StdEncoding.EncodeToString([]byte("<p>The Kim-Putin summit, encoded.</p>")) + `</content>`), func(t *testing.T, it Item) {
			if it.Text != "The Kim-Putin summit, encoded." {
				t.Errorf("text %q", it.Text)
			}
		}},
		"an author in markup is plain text": {rss(`<title>Summit</title><link>https://news.example/1</link><dc:creator>by &lt;a href="https://news.example/staff/jung"&gt;Jung Da-min&lt;/a&gt;</dc:creator>`), func(t *testing.T, it Item) {
			if len(it.Authors) != 1 || it.Authors[0] != "Jung Da-min" {
				t.Errorf("authors %q", it.Authors)
			}
		}},
	} {
		t.Run(name, func(t *testing.T) {
			f, err := Parse([]byte(tc.doc), "https://news.example/feed")
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Items) != 1 {
				t.Fatalf("%d items", len(f.Items))
			}
			tc.check(t, f.Items[0])
		})
	}
}

// TestTruncatedFeeds: a document cut off at the end gave no items; it
// gives those read before the break, and says so.
func TestTruncatedFeeds(t *testing.T) {
	items := `<item><title>First</title><link>https://news.example/1</link></item><item><title>Second</title><link>https://news.example/2</link></item>`
	for name, doc := range map[string]string{
		"rss without its last >": `<?xml version="1.0"?><rss version="2.0"><channel><title>Desk</title>` + items + `</channel></rss`,
		"rss cut in an item":     `<?xml version="1.0"?><rss version="2.0"><channel><title>Desk</title>` + items + `<item><title>Thi`,
		"atom cut":               `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Desk</title><entry><title>First</title><id>1</id></entry><entry><title>Second</title><id>2</id></entry><entry><title>Th`,
	} {
		t.Run(name, func(t *testing.T) {
			f, err := Parse([]byte(doc), "https://news.example/feed")
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Items) != 2 || f.Items[1].Title != "Second" || !strings.Contains(f.Warning, "cut off") {
				t.Errorf("%d items, warning %q; want First and Second, and a warning", len(f.Items), f.Warning)
			}
		})
	}
}

func TestUTF32(t *testing.T) {
	for _, e := range []struct {
		name string
		enc  func() ([]byte, error)
	}{
		{"LE", func() ([]byte, error) {
			return utf32.UTF32(utf32.LittleEndian, utf32.UseBOM).NewEncoder().Bytes([]byte(`<rss version="2.0"><channel><title>T</title><item><title>Thirty-two bits</title></item></channel></rss>`))
		}},
		{"BE", func() ([]byte, error) {
			return utf32.UTF32(utf32.BigEndian, utf32.UseBOM).NewEncoder().Bytes([]byte(`<rss version="2.0"><channel><title>T</title><item><title>Thirty-two bits</title></item></channel></rss>`))
		}},
	} {
		b, err := e.enc()
		if err != nil {
			t.Fatal(err)
		}
		f, err := Parse(b, "https://news.example/feed")
		if err != nil || len(f.Items) != 1 || f.Items[0].Title != "Thirty-two bits" {
			t.Errorf("UTF-32 %s: %v %+v", e.name, err, f)
		}
	}
	_, err := Parse([]byte(`<?xml version="1.0"?><CHANNEL HREF="https://news.example/"><TITLE>Desk</TITLE><ITEM HREF="https://news.example/1"><TITLE>One</TITLE></ITEM></CHANNEL>`), "https://news.example/feed.cdf")
	if err == nil || !strings.Contains(err.Error(), "CDF") {
		t.Errorf("CDF: %v, want an error naming the format", err)
	}
}
