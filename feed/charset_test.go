package feed

import (
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
)

// rssOf is an RSS document of one item, its title and description given.
func rssOf(decl, title, desc string) string {
	return decl + `<rss version="2.0"><channel><title>Desk</title><link>https://news.example/</link>` +
		`<item><title>` + title + `</title><link>https://news.example/1</link><description>` + desc + `</description></item></channel></rss>`
}

func mustEncode(t *testing.T, s string, enc interface{ Bytes([]byte) ([]byte, error) }) string {
	t.Helper()
	b, err := enc.Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestCharsets: feeds whose charset is quoted, unknown, missing or wrong
// were refused or read as U+FFFD and mojibake; feedhound reads them as
// feedparser and browsers do: the declaration when it decodes cleanly,
// else what the bytes are.
func TestCharsets(t *testing.T) {
	latin := "La criminalité liée à la drogue recule à Marseille"
	latinDesc := "Selon la préfecture, les règlements de comptes ont diminué cette année dans les quartiers nord, où la police a renforcé sa présence."
	ja := "金正恩氏、プーチン大統領との首脳会談のためウラジオストクへ"
	jaDesc := "北朝鮮の金正恩総書記が今月、ロシア極東のウラジオストクを訪れ、プーチン大統領と首脳会談を行う見通しだと、韓国政府関係者が明らかにした。会談では武器や食料の取引が議題になるとみられる。"
	ru := "Путин и Ким Чен Ын проведут переговоры во Владивостоке"
	ruDesc := "Президент России Владимир Путин встретится с лидером КНДР Ким Чен Ыном во Владивостоке на полях Восточного экономического форума, сообщили в Кремле."
	for name, tc := range map[string]struct {
		body, contentType, want string
	}{
		"quoted charset": {rssOf("", "Kim-Putin summit set", "Talks."), "application/rss+xml; charset='us-ascii'", "Kim-Putin summit set"},
		"double-quoted":  {rssOf("", "Kim-Putin summit set", "Talks."), `text/xml; charset="utf-8"`, "Kim-Putin summit set"},
		"unknown label":  {rssOf(`<?xml version="1.0" encoding="x-mac-unknown-thing"?>`, "Café talks on the summit", "Talks."), "", "Café talks on the summit"},
		"unknown header": {rssOf("", "Café talks on the summit", "Talks."), "text/xml; charset=klingon", "Café talks on the summit"},
		"latin-1 bare":   {mustEncode(t, rssOf("", latin, latinDesc), charmap.ISO8859_1.NewEncoder()), "text/xml", latin},
		"utf-8 as latin": {rssOf(`<?xml version="1.0" encoding="ISO-8859-1"?>`, "Café society meets in Vladivostok", "Talks."), "", "Café society meets in Vladivostok"},
		"euc-jp bare":    {mustEncode(t, rssOf("", ja, jaDesc), japanese.EUCJP.NewEncoder()), "application/xml", ja},
		"koi8-r bare":    {mustEncode(t, rssOf("", ru, ruDesc), charmap.KOI8R.NewEncoder()), "", ru},
		"declared right": {mustEncode(t, rssOf(`<?xml version="1.0" encoding="windows-1252"?>`, "Kim’s “summit” — €5bn deal", "Talks."), charmap.Windows1252.NewEncoder()), "", "Kim’s “summit” — €5bn deal"},
	} {
		t.Run(name, func(t *testing.T) {
			f, err := parse([]byte(tc.body), tc.contentType, "https://news.example/feed", DefaultMaxDepth)
			if err != nil {
				t.Fatal(err)
			}
			if got := f.Items[0].Title; got != tc.want {
				t.Errorf("title %q, want %q", got, tc.want)
			}
			if strings.ContainsRune(f.Items[0].Text, '\uFFFD') {
				t.Errorf("text %q has U+FFFD", f.Items[0].Text)
			}
		})
	}
}
