package netguard

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"golang.org/x/net/dns/dnsmessage"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		addr, want string
	}{
		{"127.0.0.1", "loopback"},
		{"127.255.0.9", "loopback"},
		{"::1", "loopback"},
		{"10.0.0.5", "private network"},
		{"172.16.3.4", "private network"},
		{"172.31.255.255", "private network"},
		{"192.168.1.1", "private network"},
		{"169.254.169.254", "link-local"}, // cloud metadata
		{"fe80::1", "link-local"},
		{"100.64.0.1", "carrier-grade NAT"},
		{"100.127.255.254", "carrier-grade NAT"},
		{"fc00::1", "unique-local network"},
		{"fd12:3456::1", "unique-local network"},
		{"224.0.0.1", "multicast"},
		{"ff02::1", "multicast"},
		{"0.0.0.0", "unspecified address"},
		{"0.1.2.3", "unspecified address"},
		{"::", "unspecified address"},
		{"240.0.0.1", "reserved"},
		{"255.255.255.255", "reserved"},
		{"198.18.0.1", "reserved for benchmarking"},
		{"192.0.2.7", "reserved for documentation"},
		{"::ffff:10.0.0.1", "private network"},                                    // IPv4-mapped
		{"::ffff:127.0.0.1", "loopback"},                                          // IPv4-mapped
		{"64:ff9b::7f00:1", "loopback behind an IPv6 translation prefix"},         // NAT64 of 127.0.0.1
		{"64:ff9b::a00:5", "private network behind an IPv6 translation prefix"},   // NAT64 of 10.0.0.5
		{"2002:c0a8:101::1", "private network behind an IPv6 translation prefix"}, // 6to4 of 192.168.1.1
		{"::1%lo", "loopback"},                                                    // a zone hides the address from every prefix
		{"::%lo", "unspecified address"},                                          // unless it is taken off first
		{"fd00::2%eth0", "unique-local network"},                                  //
		{"fe80::1%2", "link-local"},                                               //
		{"8.8.8.8", ""},
		{"93.184.216.34", ""},
		{"2606:4700::1111", ""},
		{"64:ff9b::808:808", ""}, // NAT64 of a public address
		{"172.32.0.1", ""},
		{"100.128.0.1", ""},
	}
	for _, tt := range tests {
		if got := Classify(netip.MustParseAddr(tt.addr)); got != tt.want {
			t.Errorf("Classify(%s) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}

// fakeDNS answers A queries from a table that a test can change, on
// loopback UDP.
type fakeDNS struct {
	mu      sync.Mutex // protects answers
	answers map[string][]string
	conn    net.PacketConn
}

func newFakeDNS(t *testing.T, answers map[string][]string) *fakeDNS {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeDNS{answers: answers, conn: pc}
	t.Cleanup(func() { pc.Close() })
	go f.serve()
	return f
}

func (f *fakeDNS) set(name string, addrs ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answers[name] = addrs
}

func (f *fakeDNS) serve() {
	buf := make([]byte, 1500)
	for {
		n, from, err := f.conn.ReadFrom(buf)
		if err != nil {
			return
		}
		var p dnsmessage.Parser
		h, err := p.Start(buf[:n])
		if err != nil {
			continue
		}
		q, err := p.Question()
		if err != nil {
			continue
		}
		b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true})
		b.StartQuestions()
		b.Question(q)
		b.StartAnswers()
		f.mu.Lock()
		addrs := f.answers[strings.TrimSuffix(q.Name.String(), ".")]
		f.mu.Unlock()
		if q.Type == dnsmessage.TypeA {
			for _, a := range addrs {
				ip := netip.MustParseAddr(a).As4()
				b.AResource(dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 0}, dnsmessage.AResource{A: ip})
			}
		}
		msg, err := b.Finish()
		if err == nil {
			f.conn.WriteTo(msg, from)
		}
	}
}

func (f *fakeDNS) resolver() *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", f.conn.LocalAddr().String())
	}}
}

func refused(t *testing.T, err error, addr, why string) {
	t.Helper()
	var r *Refused
	if !errors.As(err, &r) {
		t.Fatalf("error %v, want a refusal to connect to %s", err, addr)
	}
	want := "refusing to connect to " + addr + " (" + why + "); set allow_private_networks to allow it"
	if r.Error() != want {
		t.Errorf("error %q, want %q", r.Error(), want)
	}
}

func TestClientRefusesBlockedAddresses(t *testing.T) {
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits++ }))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	dns := newFakeDNS(t, map[string][]string{
		"evil.example":     {"10.0.0.5"},
		"meta.example":     {"169.254.169.254"},
		"rebind.example":   {"127.0.0.1"},
		"innocent.example": {"127.0.0.1"},
	})
	c := NewClient(Policy{}, Options{Resolver: dns.resolver()})

	// Loopback by address, by name, and in the forms that hide it.
	_, err := c.Get(srv.URL)
	refused(t, err, "127.0.0.1", "loopback")
	_, err = c.Get("http://[::ffff:127.0.0.1]:" + port + "/")
	refused(t, err, "127.0.0.1", "loopback")
	// Names that resolve to blocked addresses: the check is on the
	// address connected to, and refuses before any packet is sent.
	_, err = c.Get("http://evil.example:" + port + "/")
	refused(t, err, "10.0.0.5", "private network")
	_, err = c.Get("http://meta.example/latest/meta-data/")
	refused(t, err, "169.254.169.254", "link-local")
	if hits != 0 {
		t.Errorf("the server was reached %d times", hits)
	}

	// Allowed explicitly, loopback works; a name that rebinds to a blocked
	// address between requests is refused on the second.
	c = NewClient(Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}, Options{Resolver: dns.resolver()})
	c.Transport.(*http.Transport).DisableKeepAlives = true
	resp, err := c.Get("http://rebind.example:" + port + "/")
	if err != nil {
		t.Fatalf("allowed request: %v", err)
	}
	resp.Body.Close()
	dns.set("rebind.example", "10.1.2.3")
	_, err = c.Get("http://rebind.example:" + port + "/")
	refused(t, err, "10.1.2.3", "private network")

	// allow_private_networks opens it all.
	c = NewClient(Policy{AllowPrivate: true}, Options{})
	resp, err = c.Get(srv.URL)
	if err != nil {
		t.Fatalf("with AllowPrivate: %v", err)
	}
	resp.Body.Close()
}

func TestZonedAddressesRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback here: %v", err)
	}
	hits := 0
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits++ })}
	go srv.Serve(ln)
	defer srv.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	// Even a policy that allows ::1 refuses it with a zone: a zone names a
	// local interface, which no public host needs.
	for _, p := range []Policy{{}, {Allow: []netip.Prefix{netip.MustParsePrefix("::1/128")}}} {
		c := NewClient(p, Options{})
		_, err := c.Get("http://[::1%25lo]:" + port + "/")
		refused(t, err, "::1%lo", "loopback with an IPv6 zone")
		_, err = c.Get("http://[::%25lo]:" + port + "/")
		refused(t, err, "::%lo", "unspecified address with an IPv6 zone")
	}
	if err := (Policy{}).Check(netip.MustParseAddr("fd00::2%eth0")); err == nil || !strings.Contains(err.Error(), "unique-local network with an IPv6 zone") {
		t.Errorf("fd00::2%%eth0: %v", err)
	}
	if err := (Policy{}).Check(netip.MustParseAddr("2606:4700::1111%eth0")); err == nil {
		t.Error("a public address with a zone was allowed")
	}
	if hits != 0 {
		t.Errorf("the server was reached %d times", hits)
	}
	resp, err := NewClient(Policy{AllowPrivate: true}, Options{}).Get("http://[::1%25lo]:" + port + "/")
	if err != nil {
		t.Fatalf("with AllowPrivate: %v", err)
	}
	resp.Body.Close()
}

func TestRedirects(t *testing.T) {
	// A second loopback address, 127.0.0.2, stands for a blocked host.
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatal(err)
	}
	blockedSrv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("the blocked host was reached")
	})}
	go blockedSrv.Serve(ln)
	defer blockedSrv.Close()
	mux := http.NewServeMux()
	mux.HandleFunc("/to-blocked", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://"+ln.Addr().String()+"/", http.StatusFound)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop", http.StatusFound)
	})
	mux.HandleFunc("/to-file", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c := NewClient(Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}, Options{})

	_, err = c.Get(srv.URL + "/to-blocked")
	refused(t, err, "127.0.0.2", "loopback")
	_, err = c.Get(srv.URL + "/loop")
	if !errors.Is(err, ErrTooManyRedirects) {
		t.Errorf("redirect loop: %v, want too many redirects", err)
	}
	_, err = c.Get(srv.URL + "/to-file")
	if err == nil || !strings.Contains(err.Error(), "only http and https URLs are followed") {
		t.Errorf("redirect to file: %v", err)
	}
}

func TestNoProxyFromEnvironment(t *testing.T) {
	t.Setenv("HTTP_PROXY", "http://10.0.0.1:3128")
	t.Setenv("HTTPS_PROXY", "http://10.0.0.1:3128")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	// Were the proxy used, the policy would refuse it before any packet
	// left: only the test server is allowed.
	c := NewClient(Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}, Options{})
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatalf("request went to the environment's proxy: %v", err)
	}
	resp.Body.Close()
}

func TestCheckHost(t *testing.T) {
	dns := newFakeDNS(t, map[string][]string{"intranet.example": {"10.0.0.5"}, "public.example": {"93.184.216.34"}})
	ctx := context.Background()
	tests := []struct{ host, err string }{
		{"127.0.0.1", "refusing to connect to 127.0.0.1 (loopback)"},
		{"::1%lo", "refusing to connect to ::1%lo (loopback with an IPv6 zone)"},
		{"[fd00::2%eth0]", "refusing to connect to fd00::2%eth0 (unique-local network with an IPv6 zone)"},
		{"intranet.example", "refusing to connect to 10.0.0.5 (private network)"},
		{"public.example", ""},
		{"93.184.216.34", ""},
		{"unknown.example", ""}, // does not resolve: the dial-time check still holds
	}
	for _, tt := range tests {
		err := Policy{}.CheckHost(ctx, tt.host, dns.resolver())
		if tt.err == "" && err != nil || tt.err != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.err)) {
			t.Errorf("CheckHost(%q) = %v, want %q", tt.host, err, tt.err)
		}
	}
	if err := (Policy{AllowPrivate: true}).CheckHost(ctx, "intranet.example", dns.resolver()); err != nil {
		t.Errorf("with AllowPrivate: %v", err)
	}
}

func TestWebURL(t *testing.T) {
	for s, want := range map[string]bool{
		"https://www.koreatimes.co.kr/www/rss/nation.xml": true, "http://127.0.0.1:8080/feed": true, "HTTPS://A.EXAMPLE/": true,
		"ftp://a.example/feed": false, "javascript:alert(1)": false, "file:///etc/passwd": false, "https:///nohost": false,
		"/relative/path": false, "feeds/world.rss": false, "http://[::1": false, "": false,
	} {
		if _, ok := WebURL(s); ok != want {
			t.Errorf("WebURL(%q) = %v, want %v", s, ok, want)
		}
	}
}
