package rssscan

import (
	"errors"
	"html"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The agreement with gofeed itself is tested in package feed, on fixtures,
// generated feeds and a fuzz target; these tests pin the parts.

func TestReadsANewsFeed(t *testing.T) {
	doc := `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:media="http://search.yahoo.com/mrss/">
<channel>
  <title>Korea Wire &amp; World</title>
  <link>https://wire.example.org/</link>
  <language>ko</language>
  <ttl>15</ttl>
  <item>
    <title><![CDATA[Kim Jong-un may visit Russia to meet Putin]]></title>
    <link>https://wire.example.org/a/1</link>
    <guid isPermaLink="false">wire-1</guid>
    <pubDate>Mon, 04 Sep 2026 09:30:00 +0900</pubDate>
    <dc:creator>Park Ji-won</dc:creator>
    <category domain="https://wire.example.org/tags">North Korea</category>
    <description>&lt;p&gt;A Kim-Putin summit is expected&amp;#8230;&lt;/p&gt;</description>
    <content:encoded><![CDATA[<p>Officials said the <b>Kim-Putin summit</b> could come this month.</p>]]></content:encoded>
    <media:content url="https://wire.example.org/kim.jpg" medium="image"/>
  </item>
</channel>
</rss>`
	f, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if f.Title != "Korea Wire & World" || f.Link != "https://wire.example.org/" || f.Language != "ko" || f.TTL != "15" || f.Version != "2.0" {
		t.Errorf("channel: %+v", f)
	}
	if len(f.Items) != 1 {
		t.Fatalf("%d items", len(f.Items))
	}
	it := f.Items[0]
	want := time.Date(2026, 9, 4, 0, 30, 0, 0, time.UTC)
	switch {
	case it.Title != "Kim Jong-un may visit Russia to meet Putin":
		t.Errorf("title %q", it.Title)
	case it.GUID == nil || it.GUID.Value != "wire-1" || it.GUID.IsPermalink != "false":
		t.Errorf("guid %+v", it.GUID)
	case it.PubDateParsed == nil || !it.PubDateParsed.Equal(want):
		t.Errorf("date %v, want %v", it.PubDateParsed, want)
	case it.DublinCoreExt == nil || len(it.DublinCoreExt.Creator) != 1 || it.DublinCoreExt.Creator[0] != "Park Ji-won":
		t.Errorf("dc %+v", it.DublinCoreExt)
	case len(it.Categories) != 1 || it.Categories[0].Value != "North Korea" || it.Categories[0].Domain != "https://wire.example.org/tags":
		t.Errorf("categories %+v", it.Categories)
	case it.Description != "<p>A Kim-Putin summit is expected&#8230;</p>":
		t.Errorf("description %q", it.Description)
	case !strings.HasPrefix(it.Content, "<p>Officials said the <b>"):
		t.Errorf("content %q", it.Content)
	case it.Extensions["media"]["content"] == nil:
		t.Errorf("media not kept (feedhound reads its descriptions): %v", it.Extensions)
	}
}

func TestDeclines(t *testing.T) {
	for _, c := range []struct{ doc, reason string }{
		{`<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"></rdf:RDF>`, "root element"},
		{`<feed xmlns="http://www.w3.org/2005/Atom"></feed>`, "root element"},
		{`<!DOCTYPE rss [<!ENTITY x "y">]><rss></rss>`, "declaration"},
		{`<rss><channel xml:base="https://x.example/"><link>a</link></channel></rss>`, "xml:base"},
		{`<rss xmlns="http://backend.userland.com/rss2"><channel/></rss>`, "default namespace"},
		{`<rss xmlns:dc="http://purl.org/dc/elements/1.1"><channel/></rss>`, `prefix "dc"`},
		{`<rss><channel><dc:creator>x</dc:creator></channel></rss>`, "undeclared"},
		{`<rss><channel><item><description><p>a<br></p></description></item></channel></rss>`, "closed by"},
		{`<rss><channel><title>a ]]> b</title></channel></rss>`, "]]>"},
		{`<rss><channel><title>a &#1; b</title></channel></rss>`, "character XML does not allow"},
		{`<rss><channel><title>a</title>`, "end of document"},
		{`<rss><channel><!-- a -- b --></channel></rss>`, "comment"},
		{`<rss><channel><item a=b></item></channel></rss>`, "quotes"},
		{`<rss><channel><0item></0item></channel></rss>`, "name starting"},
		{`<?xml version="1.1"?><rss></rss>`, "version"},
		{`<rss><?php echo 1 ?></rss>`, "processing instruction"},
		{"<!--" + strings.Repeat("x", detectWindow) + "--><rss></rss>", "detection window"},
	} {
		_, err := Parse([]byte(c.doc))
		var d *Declined
		if !errors.As(err, &d) || !strings.Contains(d.Reason, c.reason) {
			t.Errorf("%.60s: got %v, want a decline for %q", c.doc, err, c.reason)
		}
	}
}

// TestCommonEntitiesAgree holds the quick decoding of common references
// to what the general rule (html.UnescapeString, the ';' counting) makes
// of them, for every number a reference can hold.
func TestCommonEntitiesAgree(t *testing.T) {
	general := func(ref string) (string, bool) {
		dec := html.UnescapeString(ref)
		if dec == html.UnescapeString(ref[:len(ref)-1])+";" {
			return "", false
		}
		return dec, true
	}
	refs := []string{"&lt;", "&gt;", "&amp;", "&quot;", "&apos;"}
	for n := 0; n <= 0x10FFFF+2; n++ {
		refs = append(refs, "&#"+strconv.Itoa(n)+";")
	}
	refs = append(refs, "&#0065;", "&#x41;", "&#;")
	quick := 0
	for _, ref := range refs {
		got, ok := commonEntity(ref)
		if !ok {
			continue
		}
		quick++
		if want, wantOK := general(ref); !wantOK || got != want {
			t.Fatalf("%s: quick %q, general %q (%v)", ref, got, want, wantOK)
		}
	}
	if quick < 60000 {
		t.Errorf("only %d references decoded the quick way", quick)
	}
}

func TestXMLText(t *testing.T) {
	for in, want := range map[string]string{
		"a &amp; b":               "a & b",
		"&lt;&gt;&apos;&quot;":    `<>'"`,
		"&#65;&#x42;&#0067;":      "ABC",
		"&nbsp; &bogus; & &amp":   "&nbsp; &bogus; & &amp",
		"&#X41; &#x; &#65":        "&#X41; &#x; &#65",
		"&#xD800;":                "\uFFFD",
		"&#99999999999999999999;": "&#99999999999999999999;",
		"a\r\nb\rc":               "a\nb\nc",
	} {
		if got := xmlText([]byte(in)); got != want {
			t.Errorf("xmlText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestElementText(t *testing.T) {
	for in, want := range map[string]string{
		"  plain  ":                             "plain",
		"&lt;p&gt;x&lt;/p&gt;":                  "<p>x</p>",
		"a=1&copy=2;":                           "a=1&copy=2;",
		"&copy; &nbsp;x":                        "\u00a9 \u00a0x",
		"<![CDATA[<b>&amp;</b>]]>":              "<b>&amp;</b>",
		"x &amp; <![CDATA[&amp;]]> y &amp;":     "x & &amp; y &",
		"<![CDATA[a]]><![CDATA[b]]>":            "ab",
		"&amp; <![CDATA[open":                   "& <![CDATA[open",
		"no semicolon &amp here":                "no semicolon &amp here",
		"&" + strings.Repeat("a", 70) + ";":     "&" + strings.Repeat("a", 70) + ";",
		"<b>kept</b> &#8217;":                   "<b>kept</b> \u2019",
		"&#150;":                                "\u2013",
		"ends with &":                           "ends with &",
		"&lt &lt;":                              "&lt <",
		"tab&#9;in":                             "tab\tin",
		"&#x1F600;":                             "\U0001F600",
		"   <![CDATA[  spaced  ]]>   ":          "  spaced  ",
		"&amp;amp;":                             "&amp;",
		"&notanentity;":                         "&notanentity;",
		"&not;":                                 "\u00ac",
		"&notin;":                               "\u2209",
		"AT&T; and more":                        "AT&T; and more",
		"&\tamp;":                               "&\tamp;",
		"&amp;#8217;":                           "&#8217;",
		"\u00a0 no-break space trimmed \u00a0":  "no-break space trimmed",
		"<![CDATA[]]>":                          "",
		"&gt;&gt;&gt;":                          ">>>",
		"&#0;":                                  "\uFFFD",
		"&#128;":                                "\u20ac",
		"&#1114112;":                            "\uFFFD",
		"&#xffffffff;":                          "\uFFFD",
		"&quot;quoted&quot; &apos;single&apos;": `"quoted" 'single'`,
	} {
		if got := elementText([]byte(in)); got != want {
			t.Errorf("elementText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRSSDate(t *testing.T) {
	for in, want := range map[string]string{
		"Mon, 04 Sep 2026 09:30:00 +0900": "2026-09-04T00:30:00Z",
		"Mon, 4 Sep 2026 09:30:00 -0500":  "2026-09-04T14:30:00Z",
		"Mon, 04 Sep 2026 09:30:00 GMT":   "2026-09-04T09:30:00Z",
		" Mon, 04 Sep 2026 09:30:00 UTC ": "2026-09-04T09:30:00Z",
		"2026-09-04T09:30:00+09:00":       "2026-09-04T00:30:00Z",
		"2026-09-04T09:30:00.5Z":          "2026-09-04T09:30:00.5Z",
		"":                                "none",
		"Mon, 04 Sep 2026 09:30:00 KST":   "declined",
		"Mon, 31 Feb 2026 09:30:00 +0900": "declined",
		"04 Sep 2026 09:30 +0900":         "declined",
		"2026-09-04 09:30:00":             "declined",
	} {
		got, ok := rssDate(in)
		s := "declined"
		switch {
		case ok && got == nil:
			s = "none"
		case ok:
			s = got.Format(time.RFC3339Nano)
		}
		if s != want {
			t.Errorf("rssDate(%q) = %s, want %s", in, s, want)
		}
	}
}

func TestFirstControl(t *testing.T) {
	for n := 0; n < 40; n++ {
		for at := -1; at < n; at++ {
			b := []byte(strings.Repeat("a\tb\nc\r ~", 5)[:n])
			if at >= 0 {
				b[at] = []byte{0, 1, 8, 0x0b, 0x0c, 0x1f}[at%6]
			}
			want := -1
			for i, c := range b {
				if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
					want = i
					break
				}
			}
			if got := firstControl(b); got != want {
				t.Fatalf("firstControl(%q) = %d, want %d", b, got, want)
			}
		}
	}
}

// TestDateFallsBackToGofeed: a date in a form the quick path does not
// read is read by gofeed's own parser, zone names and all.
func TestDateFallsBackToGofeed(t *testing.T) {
	if d := date("Mon, 04 Sep 2026 09:30:00 EST"); d == nil || !d.Equal(time.Date(2026, 9, 4, 14, 30, 0, 0, time.UTC)) || d.Location() != time.UTC {
		t.Errorf("EST: %v", d)
	}
	// A zone gofeed does not know it reads as UTC; feed.parseDate puts
	// KST's nine hours back.
	if d := date("Mon, 04 Sep 2026 09:30:00 KST"); d == nil || !d.Equal(time.Date(2026, 9, 4, 9, 30, 0, 0, time.UTC)) {
		t.Errorf("KST: %v", d)
	}
	if d := date("yesterday"); d != nil {
		t.Errorf("yesterday: %v", d)
	}
	if d := date("Mon, 04 Sep 2026 09:30:00 +0900"); d == nil || !d.Equal(time.Date(2026, 9, 4, 0, 30, 0, 0, time.UTC)) {
		t.Errorf("quick path: %v", d)
	}
}
