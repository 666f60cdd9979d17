package destination

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"html"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/feedhound/feedhound/netguard"
)

func init() { Register(email{}) }

// email is mail sent through an SMTP server: the url is the server's,
// smtp://user:password@host:587 (STARTTLS, which must be offered before
// a password is sent) or smtps://user:password@host:465 (TLS from the
// start); the password may be left out of the url and given as password
// (or password_file). Each alert is one message, and each digest, in
// plain text and HTML.
type email struct{}

func (email) Name() string { return "email" }
func (email) Options() []Option {
	return []Option{
		{Name: "from", Required: true, Help: "the sender, as Feedhound <alerts@example.org>"},
		{Name: "to", List: true, Required: true, Help: "the recipients"},
		{Name: "password", Secret: true, Help: "the SMTP password, if it is not in the url"},
	}
}
func (email) Rate() (rate.Limit, int) { return 1, 1 }

func (email) Check(d *Destination) error {
	u, err := url.Parse(d.URL)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
		return &OptionError{Option: "url", Problem: "want smtp://user:password@host:587 or smtps://user:password@host:465"}
	}
	if _, err := mail.ParseAddress(d.Option("from")); err != nil {
		return &OptionError{Option: "from", Problem: "not an address: " + err.Error()}
	}
	for _, to := range d.OptionList("to") {
		if _, err := mail.ParseAddress(to); err != nil {
			return &OptionError{Option: "to", Problem: fmt.Sprintf("%q is not an address", to)}
		}
	}
	if len(d.OptionList("to")) == 0 {
		return &OptionError{Option: "to", Problem: "no recipients"}
	}
	if _, pass := u.User.Password(); u.User != nil && !pass && d.Option("password") == "" {
		return &OptionError{Option: "password", Problem: "the url names a user but no password is given"}
	}
	return nil
}

// Send sends the message through the server. The connection goes through
// the client's dialer, and so through its guard of private networks, and
// TLS takes the client's settings (its roots, in tests).
func (email) Send(ctx context.Context, env Env, d *Destination, m *Message) Outcome {
	u, err := url.Parse(d.URL)
	if err != nil {
		return Outcome{Reason: "bad destination URL " + Redact(d.URL)}
	}
	from, _ := mail.ParseAddress(d.Option("from"))
	to := d.OptionList("to")
	msg := Email(*m, d.Name, d.Option("from"), to, env.Now)
	user, password := "", d.Option("password")
	if u.User != nil {
		user = u.User.Username()
		if p, ok := u.User.Password(); ok {
			password = p
		}
	}
	answer, err := smtpSend(ctx, env, u, user, password, from.Address, to, msg)
	if err == nil {
		code, text, _ := strings.Cut(answer, " ")
		status, _ := strconv.Atoi(code)
		return Outcome{Delivered: true, Protocol: "SMTP", Status: status, Reason: oneLine(text) + " (" + u.Hostname() + ")"}
	}
	reason := err.Error()
	for _, secret := range []string{password, d.URL} {
		if secret != "" {
			reason = strings.ReplaceAll(reason, secret, "(secret)")
		}
	}
	var te *textproto.Error
	switch {
	case errors.As(err, &te):
		// 4xx: the server asks to try again; 5xx: it refuses for good.
		return Outcome{Retry: te.Code >= 400 && te.Code < 500, Protocol: "SMTP", Status: te.Code, Reason: oneLine(fmt.Sprintf("SMTP %d %s", te.Code, te.Msg))}
	case errors.Is(err, errCleartext), isRefused(err):
		return Outcome{Reason: oneLine(reason)}
	}
	return Outcome{Retry: true, Reason: oneLine(reason)}
}

// errCleartext is the refusal to send a password over a connection that
// is not encrypted.
var errCleartext = errors.New("the server offers no STARTTLS: the password is not sent in clear")

// smtpSend delivers one message.
func smtpSend(ctx context.Context, env Env, u *url.URL, user, password, from string, to []string, msg []byte) (answer string, err error) {
	host := u.Hostname()
	port := u.Port()
	if port == "" {
		port = map[string]string{"smtp": "587", "smtps": "465"}[u.Scheme]
	}
	dial, tlsConfig := dialerOf(env.Client)
	tlsConfig.ServerName = host
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	conn, err := dial(ctx, "tcp", net.JoinHostPort(host, port))
	if err != nil {
		return "", err
	}
	if deadline, ok := ctx.Deadline(); ok {
		conn.SetDeadline(deadline)
	}
	secure := u.Scheme == "smtps"
	if secure {
		tc := tls.Client(conn, tlsConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return "", err
		}
		conn = tc
	}
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return "", err
	}
	defer c.Close()
	if !secure {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(tlsConfig); err != nil {
				return "", err
			}
			secure = true
		}
	}
	if user != "" {
		if !secure {
			return "", errCleartext
		}
		if err := c.Auth(smtp.PlainAuth("", user, password, host)); err != nil {
			return "", err
		}
	}
	if err := c.Mail(from); err != nil {
		return "", err
	}
	for _, rcpt := range to {
		addr, err := mail.ParseAddress(rcpt)
		if err != nil {
			return "", err
		}
		if err := c.Rcpt(addr.Address); err != nil {
			return "", err
		}
	}
	answer, err = data(c, msg)
	if err != nil {
		return "", err
	}
	c.Quit() // the message is accepted: what QUIT answers changes nothing
	return answer, nil
}

// data sends the message and returns what the server answered, as "250
// 2.0.0 Ok: queued as 4XYZ": net/smtp's Data does the same but drops the
// answer.
func data(c *smtp.Client, msg []byte) (string, error) {
	id, err := c.Text.Cmd("DATA")
	if err != nil {
		return "", err
	}
	c.Text.StartResponse(id)
	_, _, err = c.Text.ReadResponse(354)
	c.Text.EndResponse(id)
	if err != nil {
		return "", err
	}
	w := c.Text.DotWriter()
	if _, err := w.Write(msg); err != nil {
		return "", err
	}
	if err := w.Close(); err != nil {
		return "", err
	}
	code, text, err := c.Text.ReadResponse(250)
	if err != nil {
		return "", err
	}
	return strconv.Itoa(code) + " " + text, nil
}

// dialerOf returns the dialer and TLS settings of an HTTP client's
// transport: the guard's, for a client the guard made.
func dialerOf(c *http.Client) (func(ctx context.Context, network, addr string) (net.Conn, error), *tls.Config) {
	dial := (&net.Dialer{Timeout: 10 * time.Second}).DialContext
	cfg := &tls.Config{}
	if c != nil {
		if tr, ok := c.Transport.(*http.Transport); ok {
			if tr.DialContext != nil {
				dial = tr.DialContext
			}
			if tr.TLSClientConfig != nil {
				cfg = tr.TLSClientConfig.Clone()
			}
		}
	}
	cfg.MinVersion = max(cfg.MinVersion, tls.VersionTLS12)
	return dial, cfg
}

// isRefused reports whether err is the guard's refusal of an address: not
// a passing fault.
func isRefused(err error) bool {
	var r *netguard.Refused
	return errors.As(err, &r)
}

// Email renders a message as a mail: multipart/alternative, plain text
// and HTML (the feed's text escaped), a Subject of the story's title or
// the digest's heading, and a Message-ID made of the alert's id, the same
// on every try, so a message sent twice is one to a reader's client.
func Email(m Message, destName, from string, to []string, now time.Time) []byte {
	subject := heading(&m)
	if len(m.Entries) == 1 && m.More == 0 {
		subject = m.Entries[0].Title
	}
	domain := "feedhound.invalid"
	if a, err := mail.ParseAddress(from); err == nil {
		if _, d, ok := strings.Cut(a.Address, "@"); ok {
			domain = d
		}
	}
	var plain, rich strings.Builder
	rich.WriteString(`<!DOCTYPE html><html><body style="font-family: sans-serif">`)
	if len(m.Entries) != 1 || m.More > 0 {
		plain.WriteString(heading(&m) + "\n\n")
		rich.WriteString("<h2>" + html.EscapeString(heading(&m)) + "</h2>")
	}
	for _, e := range m.Entries {
		about := strings.Join(nonEmpty(e.Source, when(e.Published), "rule "+m.Rule), " · ")
		plain.WriteString(e.Title + "\n")
		title := html.EscapeString(linkText(e.Title, e.Link))
		if e.Link != "" {
			plain.WriteString(e.Link + "\n")
			title = `<a href="` + html.EscapeString(e.Link) + `">` + title + "</a>"
		}
		rich.WriteString("<h3>" + title + "</h3>")
		if e.Snippet.Text != "" {
			plain.WriteString(e.Snippet.Text + "\n")
			rich.WriteString("<p>" + marked(e.Snippet, html.EscapeString, "<strong>", "</strong>") + "</p>")
		}
		plain.WriteString(about + "\n\n")
		rich.WriteString(`<p style="color: #666">` + html.EscapeString(about) + "</p>")
	}
	if m.More > 0 {
		plain.WriteString(fmt.Sprintf("and %d more in the feed\n", m.More))
		rich.WriteString(fmt.Sprintf("<p>and %d more in the feed</p>", m.More))
	}
	if m.FeedURL != "" {
		plain.WriteString("The feed: " + m.FeedURL + "\n")
		rich.WriteString(`<p><a href="` + html.EscapeString(m.FeedURL) + `">The feed of ` + html.EscapeString(m.Rule) + "</a></p>")
	}
	rich.WriteString("</body></html>")

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, part := range []struct{ kind, text string }{{"text/plain", plain.String()}, {"text/html", rich.String()}} {
		w, _ := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {part.kind + "; charset=utf-8"},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		qp := quotedprintable.NewWriter(w)
		qp.Write([]byte(part.text))
		qp.Close()
	}
	mw.Close()
	var b bytes.Buffer
	id := strings.Map(func(r rune) rune {
		if r < 0x80 && (r == '.' || r == '-' || r == '_' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return r
		}
		return '-'
	}, m.ID+"."+destName)
	// Addresses are written again, their names encoded.
	addresses := func(list ...string) string {
		var out []string
		for _, s := range list {
			if a, err := mail.ParseAddress(s); err == nil {
				out = append(out, a.String())
			}
		}
		return strings.Join(out, ", ")
	}
	header := [][2]string{
		{"From", addresses(from)},
		{"To", addresses(to...)},
		{"Subject", mime.QEncoding.Encode("utf-8", Truncate(subject, 200))},
		{"Date", now.Format(time.RFC1123Z)},
		{"Message-ID", "<" + id + "@" + domain + ">"},
		{"Auto-Submitted", "auto-generated"},
		{"X-Auto-Response-Suppress", "All"},
		{"MIME-Version", "1.0"},
		{"Content-Type", "multipart/alternative; boundary=" + mw.Boundary()},
	}
	for _, h := range header {
		b.WriteString(h[0] + ": " + h[1] + "\r\n")
	}
	b.WriteString("\r\n")
	b.Write(body.Bytes())
	return b.Bytes()
}
