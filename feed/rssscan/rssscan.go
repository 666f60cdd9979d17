// Package rssscan reads RSS 2.0 documents into the rss.Feed that gofeed's
// own RSS parser makes of them, in a fraction of its time: it scans the
// bytes itself rather than through encoding/xml, and makes no token, map
// or copy it does not keep.
//
// It reads the common shape of a news feed and declines the rest, leaving
// it to gofeed: RSS 0.9 and 1.0 (RDF), a DOCTYPE, xml:base, processing
// instructions inside the document, markup that does not nest, an
// undeclared prefix or one of gofeed's known prefixes bound elsewhere.
// Dates in the usual forms it reads itself, others with gofeed's parser. When it does read a
// document, gofeed's translator makes of its result what it makes of
// gofeed's parser's; the tests hold the two to the same items.
//
// Of the rss.Feed it fills what that translator reads: the channel's title,
// link, language, editors, build date and TTL; the items' title,
// description, content:encoded, link, author, date, guid and categories;
// and the extensions in the Dublin Core, iTunes and Atom namespaces (not
// the others, nor images, enclosures, clouds and the like). The package is
// pure: no I/O.
package rssscan

import (
	"bytes"
	"encoding/binary"
	"net/url"
	"strings"

	ext "github.com/mmcdole/gofeed/extensions"
	"github.com/mmcdole/gofeed/rss"
)

// detectWindow is how far into a document gofeed looks for its root
// element to tell RSS from Atom: a root that ends later is not detected.
const detectWindow = 4096

// Parse reads body, a UTF-8 document. It returns a *Declined error when
// gofeed should parse it instead.
func Parse(body []byte) (f *rss.Feed, err error) {
	defer func() {
		if r := recover(); r != nil {
			d, ok := r.(*Declined)
			if !ok {
				panic(r)
			}
			f, err = nil, d
		}
	}()
	// The root first: an Atom or JSON document is declined before the
	// passes over the whole of it. The bytes up to the root's end are the
	// same once checked, as a control byte before them is declined.
	s := &scanner{b: body}
	root := s.root()
	s.b = checkChars(body)
	return s.document(root), nil
}

// checkChars returns body as gofeed's parser sees it: without the control
// bytes XML forbids, which gofeed drops before parsing. It declines
// characters encoding/xml refuses: U+FFFE, U+FFFF, references to
// characters XML does not allow, and control bytes where gofeed looks for
// the root element before dropping them.
func checkChars(body []byte) []byte {
	if controls := firstControl(body); controls >= 0 {
		// gofeed finds the root element before it drops them: there they
		// are an error.
		if controls < detectWindow {
			panic(&Declined{Offset: controls, Reason: "a control character where gofeed looks for the root element"})
		}
		kept := make([]byte, 0, len(body))
		for _, c := range body {
			if !isControl(c) {
				kept = append(kept, c)
			}
		}
		body = kept
	}
	if bytes.Contains(body, []byte("\uFFFE")) || bytes.Contains(body, []byte("\uFFFF")) {
		panic(&Declined{Reason: "a noncharacter (U+FFFE or U+FFFF)"})
	}
	for rest, off := body, 0; ; {
		i := bytes.Index(rest, []byte("&#"))
		if i < 0 {
			break
		}
		if r, _, ok := charRef(rest[i:]); ok && !xmlChar(r) {
			panic(&Declined{Offset: off + i, Reason: "a reference to a character XML does not allow"})
		}
		rest, off = rest[i+2:], off+i+2
	}
	// xml:base changes how gofeed resolves links; the XML namespace is
	// only ever bound to the prefix xml.
	if bytes.Contains(body, []byte("xml:base")) || bytes.Contains(body, []byte("http://www.w3.org/XML/1998/namespace")) {
		panic(&Declined{Reason: "xml:base"})
	}
	return body
}

// firstControl returns the index of body's first control byte other than
// tab, line feed and carriage return, or -1. It looks at eight bytes at a
// time, and at each of them only where one is below 0x20.
func firstControl(body []byte) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(body); i += 8 {
		if x := binary.LittleEndian.Uint64(body[i:]); (x-0x20*ones)&^x&highs == 0 {
			continue
		}
		for j := i; j < i+8; j++ {
			if isControl(body[j]) {
				return j
			}
		}
	}
	for ; i < len(body); i++ {
		if isControl(body[i]) {
			return i
		}
	}
	return -1
}

func isControl(c byte) bool { return c < 0x20 && c != '\t' && c != '\n' && c != '\r' }

// The canonical namespaces of the extensions gofeed's translator reads,
// and of those feedhound reads itself (Dublin Core's terms, Media RSS),
// and the prefixes gofeed files them under. gofeed files an element under the
// canonical prefix of its namespace, else under the prefix the document
// declared for it, so a document that binds one of these prefixes to
// another namespace is declined.
var (
	known = map[string]string{
		"http://www.w3.org/2005/Atom":                "atom",
		"http://purl.org/atom/ns#":                   "atom03",
		"http://purl.org/dc/elements/1.1/":           "dc",
		"http://www.itunes.com/DTDs/PodCast-1.0.dtd": "itunes",
		"http://example.com/DTDs/PodCast-1.0.dtd":    "itunes",
		"http://purl.org/rss/1.0/modules/content/":   "content",
		"http://purl.org/dc/terms/":                  "dcterms",
		"http://search.yahoo.com/mrss/":              "media",
		"http://search.yahoo.com/mrss":               "media",
	}
	knownPrefixes = map[string]bool{"atom": true, "atom03": true, "atom10": true, "dc": true, "itunes": true, "content": true, "dcterms": true, "media": true}
	// native are the namespaces gofeed reads as RSS itself.
	native = map[string]bool{
		"http://www.w3.org/1999/02/22-rdf-syntax-ns#": true,
		"http://purl.org/rss/1.0/":                    true,
		"http://channel.netscape.com/rdf/simple/0.9/": true,
		"http://my.netscape.com/rdf/simple/0.9/":      true,
	}
)

// root reads the prolog and the root element's start tag, which must be
// <rss> and end where gofeed looks for it.
func (s *scanner) root() tag {
	root := s.prolog()
	if root.prefix != nil || !lowerIs(root.local, "rss") {
		s.decline("the root element is <%s>, not <rss>", qname(root.prefix, root.local))
	}
	if s.pos > detectWindow {
		s.decline("the root element ends past gofeed's detection window")
	}
	return root
}

func (s *scanner) document(root tag) *rss.Feed {
	s.declare(root)
	version := attribute(root.attrs, "version")
	var channel *rss.Feed
	var items []*rss.Item
	s.children(root, func(t tag) {
		switch {
		case t.prefix != nil:
			s.namespace(t.prefix) // declared, or declined
			s.skip(t)
		case lowerIs(t.local, "channel"):
			channel = s.channel(t)
		case lowerIs(t.local, "item"):
			items = append(items, s.item(t))
		default:
			s.skip(t)
		}
	})
	if channel == nil {
		channel = &rss.Feed{Items: []*rss.Item{}}
	}
	channel.Items = append(channel.Items, items...)
	channel.Version = version
	return channel
}

// children calls read with each child element of the element whose start
// tag t was just read, with the namespaces the child declares in force
// while read reads it, and consumes t's end tag.
func (s *scanner) children(t tag, read func(c tag)) {
	if t.empty {
		return
	}
	name := qname(t.prefix, t.local)
	for {
		c, ok := s.nextChild(name)
		if !ok {
			return
		}
		mark := s.declare(c)
		read(c)
		s.ns = s.ns[:mark]
	}
}

// prolog reads what comes before the root element — an XML declaration,
// comments, processing instructions, white space — and the root's start
// tag.
func (s *scanner) prolog() tag {
	if bytes.HasPrefix(s.b, []byte("<?xml")) && len(s.b) > 5 && (s.b[5] == ' ' || s.b[5] == '?' || s.b[5] == '\t' || s.b[5] == '\r' || s.b[5] == '\n') {
		end := bytes.Index(s.b, []byte("?>"))
		if end < 0 {
			s.decline("an XML declaration not closed")
		}
		if v := declValue(s.b[5:end], "version"); v != "" && v != "1.0" {
			s.decline("XML version %q", v)
		}
		if e := declValue(s.b[5:end], "encoding"); e != "" && !strings.EqualFold(e, "utf-8") {
			s.decline("the encoding %q", e)
		}
		s.pos = end + 2
	}
	for {
		s.skipSpace()
		switch {
		case s.pos+1 >= len(s.b) || s.b[s.pos] != '<':
			s.decline("text before the root element")
		case s.b[s.pos+1] == '!':
			if _, cdata := s.special(); cdata {
				s.decline("a CDATA section before the root element")
			}
		case s.b[s.pos+1] == '?':
			s.pos += 2
			if p, _ := s.name(); p != nil || s.byteAt(s.pos) > ' ' && s.b[s.pos] != '?' {
				s.decline("a processing instruction's target")
			}
			if bytes.EqualFold(s.b[s.pos-3:s.pos], []byte("xml")) {
				s.decline("a second XML declaration")
			}
			end := bytes.Index(s.b[s.pos:], []byte("?>"))
			if end < 0 {
				s.decline("a processing instruction not closed")
			}
			s.pos += end + 2
		default:
			return s.startTag()
		}
	}
}

// declValue finds name="value", or the same in single quotes, in an XML
// declaration's text as encoding/xml does: the first name= followed by a
// quote, no spaces.
func declValue(decl []byte, name string) string {
	param := []byte(name + "=")
	for rest := decl; ; {
		k := bytes.Index(rest, param)
		if k < 0 || k+len(param) >= len(rest) {
			return ""
		}
		rest = rest[k+len(param):]
		if q := rest[0]; q == '"' || q == '\'' {
			end := bytes.IndexByte(rest[1:], q)
			if end < 0 {
				return ""
			}
			return string(rest[1 : 1+end])
		}
		rest = rest[1:]
	}
}

// declare records the namespace prefixes t declares and returns the mark
// to go back to when t ends. An element read as RSS must not change the
// default namespace, and no prefix may be bound to a namespace read as
// RSS, nor one of gofeed's known prefixes to a namespace not its own.
func (s *scanner) declare(t tag) int {
	mark := len(s.ns)
	for _, a := range t.attrs {
		switch {
		case a.prefix == nil && string(a.local) == "xmlns":
			if t.prefix == nil {
				s.decline("a default namespace on <%s>", t.local)
			}
		case string(a.prefix) == "xmlns":
			uri := xmlText(a.raw)
			prefix := string(a.local)
			if uri == "" || uri != strings.TrimSpace(uri) || native[uri] {
				s.decline("namespace %q bound to %q", prefix, uri)
			}
			if _, ok := known[uri]; knownPrefixes[prefix] && !ok {
				s.decline("the prefix %q bound to %q", prefix, uri)
			}
			s.ns = append(s.ns, binding{prefix: prefix, uri: uri})
		}
	}
	return mark
}

// namespace returns the prefix gofeed files an element with prefix p
// under, "" for any it does not translate.
func (s *scanner) namespace(p []byte) string {
	switch string(p) {
	case "xmlns", "xml":
		s.decline("an element with the prefix %q", p)
	}
	for i := len(s.ns) - 1; i >= 0; i-- {
		if s.ns[i].prefix == string(p) {
			return known[s.ns[i].uri]
		}
	}
	s.decline("the undeclared prefix %q", p)
	return ""
}

func (s *scanner) channel(t tag) *rss.Feed {
	f := &rss.Feed{Items: []*rss.Item{}}
	var exts ext.Extensions
	s.children(t, func(c tag) {
		if c.prefix != nil {
			if key := s.namespace(c.prefix); translated(key) {
				s.addExtension(&exts, key, c)
			} else {
				s.skip(c)
			}
			return
		}
		var lower [16]byte
		switch string(lowerName(c.local, &lower)) {
		case "title":
			f.Title = s.elementText(c)
		case "link":
			f.Link = s.link(c)
			f.Links = append(f.Links, f.Link)
		case "language":
			f.Language = s.elementText(c)
		case "managingeditor":
			f.ManagingEditor = s.elementText(c)
		case "webmaster":
			f.WebMaster = s.elementText(c)
		case "lastbuilddate":
			f.LastBuildDate = s.elementText(c)
			f.LastBuildDateParsed = date(f.LastBuildDate)
		case "ttl":
			f.TTL = s.elementText(c)
		case "item":
			f.Items = append(f.Items, s.item(c))
		default:
			s.skip(c)
		}
	})
	if exts != nil {
		f.Extensions = exts
		if m, ok := exts["itunes"]; ok {
			f.ITunesExt = ext.NewITunesFeedExtension(m)
		}
		f.DublinCoreExt = dublinCore(exts)
	}
	return f
}

func (s *scanner) item(t tag) *rss.Item {
	it := &rss.Item{}
	var exts ext.Extensions
	s.children(t, func(c tag) {
		if c.prefix != nil {
			switch key := s.namespace(c.prefix); {
			case key == "content" && lowerIs(c.local, "encoded"):
				it.Content = s.elementText(c)
			case translated(key):
				s.addExtension(&exts, key, c)
			default:
				s.skip(c)
			}
			return
		}
		var lower [16]byte
		switch string(lowerName(c.local, &lower)) {
		case "title":
			it.Title = s.elementText(c)
		case "description":
			it.Description = s.elementText(c)
		case "link":
			it.Link = s.link(c)
			it.Links = append(it.Links, it.Link)
		case "author":
			it.Author = s.elementText(c)
		case "pubdate":
			// gofeed keeps the date of an earlier <pubDate> when a later
			// one cannot be read (a channel's <lastBuildDate> it forgets).
			it.PubDate = s.elementText(c)
			if t := date(it.PubDate); t != nil {
				it.PubDateParsed = t
			}
		case "guid":
			g := &rss.GUID{IsPermalink: attribute(c.attrs, "isPermaLink")}
			if g.IsPermalink == "" {
				g.IsPermalink = attribute(c.attrs, "isPermalink")
			}
			if g.IsPermalink == "" {
				g.IsPermalink = "true"
			}
			g.Value = s.elementText(c)
			it.GUID = g
		case "category":
			cat := &rss.Category{Domain: attribute(c.attrs, "domain")}
			cat.Value = s.elementText(c)
			it.Categories = append(it.Categories, cat)
		default:
			s.skip(c)
		}
	})
	if exts != nil {
		it.Extensions = exts
		if m, ok := exts["itunes"]; ok {
			it.ITunesExt = ext.NewITunesItemExtension(m)
		}
		it.DublinCoreExt = dublinCore(exts)
	}
	return it
}

// translated says whether gofeed's translator, or feedhound after it
// (dates of Dublin Core's terms, Media RSS's descriptions), reads the
// extensions filed under key; the others are not kept.
func translated(key string) bool {
	switch key {
	case "atom", "atom03", "dc", "itunes", "dcterms", "media":
		return true
	}
	return false
}

// dublinCore is the Dublin Core extension gofeed makes of exts, nil
// without one.
func dublinCore(exts ext.Extensions) *ext.DublinCoreExtension {
	if m, ok := exts["dc"]; ok {
		return ext.NewDublinCoreExtension(m)
	}
	return nil
}

func (s *scanner) elementText(t tag) string { return elementText(s.content(t)) }

// link reads an RSS <link>: its text, else its href.
func (s *scanner) link(t tag) string {
	href := attribute(t.attrs, "href")
	if href != "" {
		href = uriAttribute(href)
	}
	if u := s.elementText(t); u != "" {
		return u
	}
	return href
}

// addExtension reads the element whose start tag t was just read as
// gofeed reads an extension, and files it under key in *exts, made when
// it is the first.
func (s *scanner) addExtension(exts *ext.Extensions, key string, t tag) {
	e := s.extension(t, true)
	if *exts == nil {
		*exts = ext.Extensions{}
	}
	m := (*exts)[key]
	if m == nil {
		m = map[string][]ext.Extension{}
		(*exts)[key] = m
	}
	m[e.Name] = append(m[e.Name], e)
}

// extension reads an element as gofeed reads an extension: its attributes
// by local name, its own text (entities decoded, trimmed) and its child
// elements the same way. top says it is a child of the channel or an item,
// whose URI attributes gofeed puts through url.Parse.
func (s *scanner) extension(t tag, top bool) ext.Extension {
	e := ext.Extension{
		Name:     string(t.local),
		Attrs:    make(map[string]string, len(t.attrs)),
		Children: map[string][]ext.Extension{},
	}
	for _, a := range t.attrs {
		v := xmlText(a.raw)
		if top && uriAttr(a.local) {
			v = uriAttribute(v)
		}
		e.Attrs[string(a.local)] = v
	}
	if t.empty {
		return e
	}
	name := qname(t.prefix, t.local)
	var value []byte
	for {
		value = append(value, xmlText(s.text())...)
		switch s.byteAt(s.pos + 1) {
		case '/':
			if end := s.endTag(); !bytes.Equal(end, name) {
				s.decline("<%s> closed by </%s>", name, end)
			}
			e.Value = strings.TrimSpace(string(value))
			return e
		case '!':
			if cdata, ok := s.special(); ok {
				value = append(value, crlf(cdata)...)
			}
		case '?':
			s.decline("a processing instruction inside an element")
		default:
			child := s.extension(s.startTag(), false)
			e.Children[child.Name] = append(e.Children[child.Name], child)
		}
	}
}

// crlf turns line ends into "\n", as an XML parser does in text.
func crlf(b []byte) []byte {
	if bytes.IndexByte(b, '\r') < 0 {
		return b
	}
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	return bytes.ReplaceAll(b, []byte("\r"), []byte("\n"))
}

// uriAttr says whether gofeed resolves an attribute named local as a URI.
func uriAttr(local []byte) bool {
	var lower [16]byte
	switch string(lowerName(local, &lower)) {
	case "href", "scheme", "src", "uri":
		return true
	}
	return false
}

// uriAttribute is what gofeed makes of a URI attribute without xml:base:
// the URL as url.Parse reads and writes it again, when it can.
func uriAttribute(v string) string {
	u, err := url.Parse(strings.TrimLeft(v, " "))
	if err != nil {
		return v
	}
	return u.String()
}

// attribute returns the value of the attribute named name, preferring one
// without a prefix, as gofeed's parser does; "" without one.
func attribute(attrs []attr, name string) string {
	var fallback []byte
	found := false
	for _, a := range attrs {
		if string(a.local) != name {
			continue
		}
		if a.prefix == nil {
			return xmlText(a.raw)
		}
		if !found {
			fallback, found = a.raw, true
		}
	}
	if !found {
		return ""
	}
	return xmlText(fallback)
}

// lowerName returns name in lower case, in buf when it must change a
// short name; a long name comes back as it is (no element gofeed knows is
// longer).
func lowerName(name []byte, buf *[16]byte) []byte {
	for i, c := range name {
		if 'A' <= c && c <= 'Z' {
			if len(name) > len(buf) {
				return name
			}
			n := copy(buf[:], name)
			for j := i; j < n; j++ {
				if c := buf[j]; 'A' <= c && c <= 'Z' {
					buf[j] = c + 'a' - 'A'
				}
			}
			return buf[:n]
		}
	}
	return name
}

// lowerIs says whether name is lower (in lower case) in any case.
func lowerIs(name []byte, lower string) bool {
	var buf [16]byte
	return string(lowerName(name, &buf)) == lower
}
