package feed

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/unicode"

	"github.com/feedhound/feedhound/netguard"
)

// rssDoc wraps items in a minimal RSS 2.0 document.
func rssDoc(decl, items string) string {
	return decl + `<rss version="2.0"><channel><title>t</title>` + items + `</channel></rss>`
}

// hostile serves one response per path, each a case of the hostile
// internet.
func hostile(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	serve := func(path, contentType string, body []byte) {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			if contentType != "" {
				w.Header().Set("Content-Type", contentType)
			}
			w.Write(body)
		})
	}
	euckr, _ := korean.EUCKR.NewEncoder().Bytes([]byte(rssDoc("", `<item><title>김정은, 푸틴과 정상회담</title></item>`)))
	serve("/euc-kr", "application/rss+xml; charset=EUC-KR", euckr)
	cp1251, _ := charmap.Windows1251.NewEncoder().Bytes([]byte(rssDoc(`<?xml version="1.0" encoding="windows-1251"?>`, `<item><title>Саммит Путина и Ким Чен Ына</title></item>`)))
	serve("/windows-1251", "application/xml", cp1251)
	latin1, _ := charmap.ISO8859_1.NewEncoder().Bytes([]byte(rssDoc(`<?xml version="1.0" encoding="ISO-8859-1"?>`, `<item><title>Sergéi Lavróv à Pyongyang</title></item>`)))
	serve("/latin1", "text/xml", latin1)
	// The header says UTF-8; the declaration's claim is wrong. RFC 7303:
	// the header wins.
	serve("/header-wins", "application/xml; charset=utf-8", []byte(rssDoc(`<?xml version="1.0" encoding="ISO-8859-1"?>`, `<item><title>Kim–Putin summit</title></item>`)))
	serve("/invalid-utf8", "application/rss+xml", []byte(rssDoc("", "<item><title>Kim\xff\xfe Putin summit</title><description>Sergéi Lavróv à Pyongyang — the Kim–Putin summit’s “next steps”.</description></item>")))
	serve("/bom", "", append([]byte{0xEF, 0xBB, 0xBF}, rssDoc(`<?xml version="1.0" encoding="utf-8"?>`, `<item><title>BOM first</title></item>`)...))
	utf16, _ := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(rssDoc(`<?xml version="1.0" encoding="UTF-16"?>`, `<item><title>Sixteen bits</title></item>`)))
	serve("/utf-16", "application/xml", utf16)
	serve("/whitespace", "application/xml", []byte("\n\n   "+rssDoc(`<?xml version="1.0" encoding="utf-8"?>`, `<item><title>After white space</title></item>`)))
	serve("/nbsp", "application/rss+xml", []byte(rssDoc("", `<item><title>Kim&nbsp;Jong&#8209;un &amp; Putin&eacute;</title></item>`)))
	serve("/laughs", "application/xml", []byte(`<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<rss version="2.0"><channel><title>&lol9;</title><item><title>laughs &lol9;</title></item></channel></rss>`))
	serve("/xxe", "application/xml", []byte(`<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>x</title><item><title>secret &xxe;</title></item></channel></rss>`))
	serve("/deep", "application/rss+xml", []byte(rssDoc("", "<item><title>deep</title>"+strings.Repeat("<x>", 100000)+strings.Repeat("</x>", 100000)+"</item>")))
	serve("/truncated-json", "application/feed+json", []byte(`{"version":"https://jsonfeed.org/version/1.1","title":"Wire","items":[{"id":"1","title":"Kim-Putin`))
	var many strings.Builder
	for i := range 100000 {
		fmt.Fprintf(&many, "<item><guid>%d</guid><title>Item %d</title></item>", i, i)
	}
	serve("/100000-items", "application/rss+xml", []byte(rssDoc("", many.String())))
	// 32 MiB of zeros, gzipped to some 32 KB, compressed once up front.
	var bomb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&bomb, gzip.BestSpeed)
	zeros := make([]byte, 1<<20)
	for range 32 {
		zw.Write(zeros)
	}
	zw.Close()
	mux.HandleFunc("/gzip-bomb", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(bomb.Bytes())
	})
	mux.HandleFunc("/huge", func(w http.ResponseWriter, r *http.Request) {
		chunk := bytes.Repeat([]byte("<item><title>x</title></item>"), 1<<15)
		w.Write([]byte(`<rss version="2.0"><channel>`))
		for sent := 0; sent < 200<<20; sent += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	mux.HandleFunc("/trickle", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		for range 60 {
			if _, err := w.Write([]byte("<")); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(time.Second):
			}
		}
	})
	mux.HandleFunc("/silent", func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop", http.StatusFound)
	})
	mux.HandleFunc("/error", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func guardedReader(timeout time.Duration) *Reader {
	c := netguard.NewClient(netguard.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}, netguard.Options{Timeout: timeout})
	return &Reader{Client: c}
}

func TestHostileFeeds(t *testing.T) {
	srv := hostile(t)
	r := guardedReader(2 * time.Second)
	tests := []struct {
		path      string
		wantTitle string // of the first item, when the feed is read
		wantErr   string // the whole error after the URL, when it is not
	}{
		{path: "/euc-kr", wantTitle: "김정은, 푸틴과 정상회담"},
		{path: "/windows-1251", wantTitle: "Саммит Путина и Ким Чен Ына"},
		{path: "/latin1", wantTitle: "Sergéi Lavróv à Pyongyang"},
		{path: "/header-wins", wantTitle: "Kim–Putin summit"},
		{path: "/invalid-utf8", wantTitle: "Kim\uFFFD Putin summit"},
		{path: "/bom", wantTitle: "BOM first"},
		{path: "/utf-16", wantTitle: "Sixteen bits"},
		{path: "/whitespace", wantTitle: "After white space"},
		{path: "/nbsp", wantTitle: "Kim Jong\u2011un & Putiné"},
		{path: "/laughs", wantTitle: "laughs &lol9;"}, // entities of a DTD are never expanded
		{path: "/xxe", wantTitle: "secret &xxe;"},     // nor read from files
		{path: "/100000-items", wantTitle: "Item 0"},
		{path: "/deep", wantErr: "XML nested deeper than 1000 elements at line 1"},
		{path: "/truncated-json", wantErr: "parse: unexpected end of JSON input"},
		{path: "/gzip-bomb", wantErr: "response larger than 20 MiB"},
		{path: "/huge", wantErr: "response larger than 20 MiB"},
		{path: "/trickle", wantErr: "timed out after 2s"},
		{path: "/silent", wantErr: "timed out after 2s"},
		{path: "/loop", wantErr: "too many redirects"},
		{path: "/error", wantErr: "HTTP 500 Internal Server Error"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			f, err := r.Read(context.Background(), srv.URL+tt.path)
			if tt.wantErr != "" {
				if want := srv.URL + tt.path + ": " + tt.wantErr; err == nil || err.Error() != want {
					t.Fatalf("error %v\nwant %s", err, want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Items) == 0 || f.Items[0].Title != tt.wantTitle {
				t.Fatalf("items %+v, want the first titled %q", f.Items[:min(len(f.Items), 2)], tt.wantTitle)
			}
			if strings.Contains(f.Items[0].Title+f.Title, "root:") {
				t.Fatal("an external entity was read")
			}
		})
	}
}
