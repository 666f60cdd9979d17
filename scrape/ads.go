package scrape

import (
	"net/url"
	"regexp"
	"strings"

	"golang.org/x/net/html"

	"github.com/feedhound/feedhound/feed"
)

// adClass finds the classes and ids that mark an advertisement.
var adClass = regexp.MustCompile(`(?i)(^|[-_ ])(ad|ads|advert|advertisement|sponsored|sponsor|promoted|adslot|dfp|gpt)([-_ ]|$)`)

// adLabel finds the labels that mark one in its text: "Ad •", "Sponsored",
// "Patrocinado", "광고".
var adLabel = regexp.MustCompile(`(?i)^\s*(ad|ads|advertisement|sponsored|sponsored content|paid content|promoted|patrocinado|publicidad|anzeige|publicité|sponsorisé|광고|広告|pr)\s*([•·|:-]|$)`)

// markedAd reports whether an item's element is marked as an
// advertisement: by a class or id of its own or inside it, or by a short
// label of its text.
func (t *tree) markedAd(n *html.Node) bool {
	found := adClass.MatchString(attr(n, "class")) || adClass.MatchString(attr(n, "id"))
	if found {
		return true
	}
	t.descendants(n, func(e *html.Node) {
		if found {
			return
		}
		if adClass.MatchString(attr(e, "class")) || adClass.MatchString(attr(e, "id")) {
			found = true
			return
		}
		if e.FirstChild != nil && e.FirstChild == e.LastChild && e.FirstChild.Type == html.TextNode {
			if s := e.FirstChild.Data; len(s) < 40 && adLabel.MatchString(s) {
				found = true
			}
		}
	})
	return found
}

// withoutAds leaves out the items marked as advertisements, and, in a list
// whose links mostly stay on the site, those that leave it.
func withoutAds(items []feed.Item, ads, offsite []bool) []feed.Item {
	away := 0
	for _, o := range offsite {
		if o {
			away++
		}
	}
	dropAway := away*2 < len(items)
	out := items[:0]
	for i, it := range items {
		if ads[i] || dropAway && offsite[i] {
			continue
		}
		out = append(out, it)
	}
	return out
}

// siteOf is a URL's site: its host without "www." and, past a public
// suffix of two labels (co.kr, co.uk, com.au…), its last three labels, else
// its last two: news.example.com and www.example.com are one site.
func siteOf(link string) string {
	u, err := url.Parse(link)
	if err != nil {
		return ""
	}
	labels := strings.Split(strings.ToLower(strings.TrimSuffix(u.Hostname(), ".")), ".")
	n := 2
	if len(labels) >= 3 && len(labels[len(labels)-1]) == 2 {
		switch labels[len(labels)-2] {
		case "co", "com", "go", "ac", "or", "ne", "gov", "org", "net", "edu":
			n = 3
		}
	}
	if len(labels) > n {
		labels = labels[len(labels)-n:]
	}
	return strings.Join(labels, ".")
}
