package destination

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/feedhound/feedhound/netguard"
)

// mailbox is an SMTP server on loopback (go-smtp's): it offers STARTTLS
// (or speaks TLS from the start), takes AUTH PLAIN only once encrypted,
// and keeps what it is sent.
type mailbox struct {
	mu     sync.Mutex
	mails  []received
	auths  int
	reject *smtp.SMTPError // answered to RCPT, when set
	addr   string
}

type received struct {
	from string
	to   []string
	data []byte
}

type session struct {
	box  *mailbox
	conn *smtp.Conn
	cur  received
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }
func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		s.box.mu.Lock()
		s.box.auths++
		s.box.mu.Unlock()
		if user != "alerts" || pass != "hunter2-secret" {
			return smtp.ErrAuthFailed
		}
		return nil
	}), nil
}
func (s *session) Mail(from string, _ *smtp.MailOptions) error { s.cur.from = from; return nil }
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.box.mu.Lock()
	defer s.box.mu.Unlock()
	if s.box.reject != nil {
		return s.box.reject
	}
	s.cur.to = append(s.cur.to, to)
	return nil
}
func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.data = b
	s.box.mu.Lock()
	s.box.mails = append(s.box.mails, s.cur)
	s.box.mu.Unlock()
	return nil
}
func (s *session) Reset()        { s.cur = received{} }
func (s *session) Logout() error { return nil }

// testCert is a certificate for 127.0.0.1 and the client roots that trust it.
func testCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	ts := httptest.NewUnstartedServer(nil)
	ts.StartTLS()
	defer ts.Close()
	pool := x509.NewCertPool()
	pool.AddCert(ts.Certificate())
	return ts.TLS.Certificates[0], pool
}

// startMailbox serves SMTP: with STARTTLS when starttls, with TLS from the
// start when implicit, in clear otherwise.
func startMailbox(t *testing.T, cert tls.Certificate, starttls, implicit bool) *mailbox {
	box := &mailbox{}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &session{box: box, conn: c}, nil }))
	srv.Domain = "mail.example.org"
	srv.ErrorLog = log{t}
	if starttls || implicit {
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if implicit {
		l = tls.NewListener(l, srv.TLSConfig)
	}
	box.addr = l.Addr().String()
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return box
}

type log struct{ t *testing.T }

func (l log) Printf(format string, v ...any) { l.t.Logf(format, v...) }
func (l log) Println(v ...any)               { l.t.Log(v...) }

// trusting is a client whose TLS trusts the test's certificate.
func trusting(pool *x509.CertPool) *http.Client {
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

func emailDest(url string) Destination {
	return Destination{Name: "desk", Kind: "email", URL: url,
		Options: EncodeOptions(map[string]any{"from": "Feedhound Désk <alerts@newsroom.example>", "to": []any{"editor@newsroom.example", "Night Desk <night@newsroom.example>"}})}
}

func TestEmailThroughStartTLS(t *testing.T) {
	cert, pool := testCert(t)
	box := startMailbox(t, cert, true, false)
	d := emailDest("smtp://alerts:hunter2-secret@" + box.addr)
	if err := Check(&d); err != nil {
		t.Fatal(err)
	}
	e := hostile()
	e.Title = "김정은, 푸틴과 정상회담 <b>위해</b> 러시아 방문"
	m := Message{ID: "fh_42", Rule: "kim-putin", FeedURL: "https://feedhound.example/feeds/kim-putin.atom", Entries: []Entry{e}}
	for range 2 { // the same alert tried again
		o := Send(context.Background(), trusting(pool), d, m, t0)
		if !o.Delivered {
			t.Fatalf("not delivered: %+v", o)
		}
		// What the server said, as SMTP said it: not "HTTP 0".
		if a := o.Answer(); !strings.HasPrefix(a, "SMTP 250 ") || !strings.HasSuffix(a, "(127.0.0.1)") {
			t.Errorf("answer %q, want the server's 250 and its host", a)
		}
	}
	if len(box.mails) != 2 || box.auths != 2 {
		t.Fatalf("%d mails, %d logins", len(box.mails), box.auths)
	}
	got := box.mails[0]
	if got.from != "alerts@newsroom.example" || strings.Join(got.to, " ") != "editor@newsroom.example night@newsroom.example" {
		t.Errorf("envelope %q -> %q", got.from, got.to)
	}
	msg, err := mail.ReadMessage(strings.NewReader(string(got.data)))
	if err != nil {
		t.Fatal(err)
	}
	h := msg.Header
	subject, _ := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
	from, _ := h.AddressList("From")
	if subject != e.Title || len(from) != 1 || from[0].Name != "Feedhound Désk" || h.Get("Auto-Submitted") != "auto-generated" {
		t.Errorf("headers %v (subject %q)", h, subject)
	}
	if date, err := h.Date(); err != nil || !date.Equal(t0) {
		t.Errorf("Date %q: %v", h.Get("Date"), err)
	}
	again, _ := mail.ReadMessage(strings.NewReader(string(box.mails[1].data)))
	if id := h.Get("Message-ID"); id == "" || id != again.Header.Get("Message-ID") || !strings.HasSuffix(id, "@newsroom.example>") {
		t.Errorf("Message-IDs %q and %q", id, again.Header.Get("Message-ID"))
	}
	parts := readParts(t, msg)
	if !strings.Contains(parts["text/plain"], e.Title) || !strings.Contains(parts["text/plain"], "https://news.example/kim-putin?a=1&b=2") {
		t.Errorf("plain part %q", parts["text/plain"])
	}
	rich := parts["text/html"]
	if strings.Contains(rich, "<b>위해</b>") || !strings.Contains(rich, "&lt;b&gt;위해&lt;/b&gt;") || !strings.Contains(rich, "<strong>Kim–Putin summit</strong>") {
		t.Errorf("html part %q", rich)
	}
	// A digest is one mail, its subject the heading.
	if o := Send(context.Background(), trusting(pool), d, digestOf(25), t0); !o.Delivered {
		t.Fatalf("digest: %+v", o)
	}
	dm, _ := mail.ReadMessage(strings.NewReader(string(box.mails[2].data)))
	if s := dm.Header.Get("Subject"); s != "25 new stories for kim-putin" {
		t.Errorf("digest subject %q", s)
	}
}

// readParts returns the parts of a multipart/alternative mail by type.
func readParts(t *testing.T, msg *mail.Message) map[string]string {
	t.Helper()
	kind, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || kind != "multipart/alternative" {
		t.Fatalf("Content-Type %q: %v", msg.Header.Get("Content-Type"), err)
	}
	parts := map[string]string{}
	r := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := r.NextPart() // decodes quoted-printable
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p)
		kind, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		parts[kind] = string(b)
	}
	return parts
}

func TestEmailImplicitTLS(t *testing.T) {
	cert, pool := testCert(t)
	box := startMailbox(t, cert, false, true)
	d := emailDest("smtps://alerts@" + box.addr)
	d.Options = EncodeOptions(map[string]any{"from": "alerts@newsroom.example", "to": []any{"editor@newsroom.example"}, "password": "hunter2-secret"})
	if o := Send(context.Background(), trusting(pool), d, Message{ID: "fh_1", Rule: "r", Entries: []Entry{hostile()}}, t0); !o.Delivered || len(box.mails) != 1 {
		t.Fatalf("%+v, %d mails", o, len(box.mails))
	}
	// A server whose certificate is not trusted gets nothing.
	if o := Send(context.Background(), http.DefaultClient, d, Message{ID: "fh_2", Rule: "r", Entries: []Entry{hostile()}}, t0); o.Delivered || len(box.mails) != 1 {
		t.Errorf("untrusted server: %+v", o)
	}
}

func TestEmailFailures(t *testing.T) {
	cert, pool := testCert(t)
	m := Message{ID: "fh_9", Rule: "r", Entries: []Entry{hostile()}}
	c := trusting(pool)

	// No STARTTLS: the password is never sent in clear.
	clear := startMailbox(t, cert, false, false)
	o := Send(context.Background(), c, emailDest("smtp://alerts:hunter2-secret@"+clear.addr), m, t0)
	if o.Delivered || o.Retry || o.Reason != errCleartext.Error() || clear.auths != 0 || len(clear.mails) != 0 {
		t.Errorf("no STARTTLS: %+v, %d logins", o, clear.auths)
	}
	// Without credentials, a server in clear is used as it is.
	if o := Send(context.Background(), c, emailDest("smtp://"+clear.addr), m, t0); !o.Delivered || len(clear.mails) != 1 {
		t.Errorf("no credentials: %+v", o)
	}

	box := startMailbox(t, cert, true, false)
	d := emailDest("smtp://alerts:wrong-pass@" + box.addr)
	if o := Send(context.Background(), c, d, m, t0); o.Delivered || o.Retry || o.Status != 535 || strings.Contains(o.Reason, "wrong-pass") {
		t.Errorf("wrong password: %+v", o)
	}
	d = emailDest("smtp://alerts:hunter2-secret@" + box.addr)
	box.reject = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Mailbox busy, try later"}
	if o := Send(context.Background(), c, d, m, t0); !o.Retry || o.Status != 451 || !strings.Contains(o.Reason, "try later") {
		t.Errorf("4xx: %+v", o)
	}
	box.reject = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user here"}
	if o := Send(context.Background(), c, d, m, t0); o.Retry || o.Delivered || o.Reason != "SMTP 550 5.1.1 No such user here" {
		t.Errorf("5xx: %+v", o)
	}
	// The private-network guard stands between feedhound and the server.
	guarded := netguard.NewClient(netguard.Policy{}, netguard.Options{})
	if o := Send(context.Background(), guarded, d, m, t0); o.Delivered || o.Retry || !strings.Contains(o.Reason, "refusing") {
		t.Errorf("guarded: %+v", o)
	}
	// A server that is not there is tried again.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	if o := Send(context.Background(), c, emailDest(fmt.Sprintf("smtp://%s", addr)), m, t0); !o.Retry {
		t.Errorf("no server: %+v", o)
	}
}
