// Package netguard keeps feedhound's outgoing requests away from the
// networks they have no business reaching: loopback, private, link-local,
// carrier-grade NAT, unique-local, multicast, reserved and unspecified
// addresses, in IPv4, IPv6 and the IPv6 forms that embed IPv4 (mapped,
// NAT64, 6to4). The check runs when a connection is made, on the address
// it is made to, so neither DNS rebinding nor a redirect gets around it.
package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// blocked lists the ranges refused unless private networks are allowed,
// with the reason given in errors.
var blocked = []struct {
	prefix netip.Prefix
	why    string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "unspecified address"},
	{netip.MustParsePrefix("10.0.0.0/8"), "private network"},
	{netip.MustParsePrefix("100.64.0.0/10"), "carrier-grade NAT"},
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local"},
	{netip.MustParsePrefix("172.16.0.0/12"), "private network"},
	{netip.MustParsePrefix("192.0.0.0/24"), "reserved"},
	{netip.MustParsePrefix("192.0.2.0/24"), "reserved for documentation"},
	{netip.MustParsePrefix("192.88.99.0/24"), "reserved"},
	{netip.MustParsePrefix("192.168.0.0/16"), "private network"},
	{netip.MustParsePrefix("198.18.0.0/15"), "reserved for benchmarking"},
	{netip.MustParsePrefix("198.51.100.0/24"), "reserved for documentation"},
	{netip.MustParsePrefix("203.0.113.0/24"), "reserved for documentation"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"},
	{netip.MustParsePrefix("::/128"), "unspecified address"},
	{netip.MustParsePrefix("::1/128"), "loopback"},
	{netip.MustParsePrefix("100::/64"), "discard prefix"},
	{netip.MustParsePrefix("2001::/23"), "reserved"},
	{netip.MustParsePrefix("2001:db8::/32"), "reserved for documentation"},
	{netip.MustParsePrefix("fc00::/7"), "unique-local network"},
	{netip.MustParsePrefix("fe80::/10"), "link-local"},
	{netip.MustParsePrefix("fec0::/10"), "site-local"},
	{netip.MustParsePrefix("ff00::/8"), "multicast"},
}

// Embedded IPv4: the address inside is checked as well.
var (
	nat64      = netip.MustParsePrefix("64:ff9b::/96")
	nat64Local = netip.MustParsePrefix("64:ff9b:1::/48")
	sixToFour  = netip.MustParsePrefix("2002::/16")
)

// Refused is the error for a connection the policy does not allow.
type Refused struct {
	Addr netip.Addr
	Why  string
}

func (e *Refused) Error() string {
	return fmt.Sprintf("refusing to connect to %s (%s); set allow_private_networks to allow it", e.Addr, e.Why)
}

// Classify returns why an address is refused, or "" if it is public. An
// IPv6 zone (fe80::1%eth0) is ignored: the address is classified without it,
// since a zoned address is contained in no prefix.
func Classify(a netip.Addr) string {
	a = a.WithZone("").Unmap()
	for _, b := range blocked {
		if b.prefix.Contains(a) {
			return b.why
		}
	}
	if a.Is6() {
		var inner netip.Addr
		b := a.As16()
		switch {
		case nat64.Contains(a):
			inner = netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
		case nat64Local.Contains(a):
			inner = netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
		case sixToFour.Contains(a):
			inner = netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]})
		}
		if inner.IsValid() {
			if why := Classify(inner); why != "" {
				return why + " behind an IPv6 translation prefix"
			}
		}
	}
	return ""
}

// Policy decides which addresses may be connected to. The zero value
// refuses every blocked range.
type Policy struct {
	// AllowPrivate allows every address: for intranet use.
	AllowPrivate bool
	// Allow lists ranges allowed despite being blocked (tests serve on
	// loopback).
	Allow []netip.Prefix
}

// Check returns a *Refused error for an address the policy does not allow.
// An address with an IPv6 zone is refused unless AllowPrivate is set: a
// zone names a local interface, which no public address needs.
func (p Policy) Check(a netip.Addr) error {
	if p.AllowPrivate {
		return nil
	}
	if a.Zone() != "" {
		why := Classify(a)
		if why == "" {
			why = "public address"
		}
		return &Refused{Addr: a, Why: why + " with an IPv6 zone"}
	}
	for _, pre := range p.Allow {
		if pre.Contains(a.Unmap()) {
			return nil
		}
	}
	if why := Classify(a); why != "" {
		return &Refused{Addr: a.Unmap(), Why: why}
	}
	return nil
}

// control is a net.Dialer Control hook: it sees the address a socket is
// about to connect to, after name resolution.
func (p Policy) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("netguard: cannot check address %q: %w", address, err)
	}
	return p.Check(ap.Addr())
}

// MaxRedirects is how many redirects a client follows.
const MaxRedirects = 5

// ErrTooManyRedirects is returned for a chain of more than MaxRedirects.
var ErrTooManyRedirects = errors.New("too many redirects")

// Options are the settings of a client beyond its policy.
type Options struct {
	// Timeout bounds a whole request, reading the body included, so a
	// server that trickles its answer is cut off; zero means 30s.
	Timeout time.Duration
	// Resolver resolves host names; nil means net.DefaultResolver. Tests
	// script it.
	Resolver *net.Resolver
}

// NewClient returns an HTTP client that connects only where the policy
// allows, follows at most MaxRedirects redirects to http and https URLs
// only, takes no proxy from the environment, and gives up after the
// timeout.
func NewClient(p Policy, o Options) *http.Client {
	if o.Timeout == 0 {
		o.Timeout = 30 * time.Second
	}
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: p.control, Resolver: o.Resolver}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: o.Timeout,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{
		Transport: tr,
		Timeout:   o.Timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > MaxRedirects {
				return ErrTooManyRedirects
			}
			if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
				return fmt.Errorf("redirect to %s: only http and https URLs are followed", req.URL.Redacted())
			}
			return nil
		},
	}
}

// CheckHost checks a URL's host before any request is made to it, for
// URLs that are stored to be used later (webhooks): a literal address is
// checked as it is, a name by the addresses r resolves it to (nil r means
// net.DefaultResolver). A name that does not resolve passes: the check
// made when connecting still holds.
func (p Policy) CheckHost(ctx context.Context, host string, r *net.Resolver) error {
	if p.AllowPrivate {
		return nil
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if a, err := netip.ParseAddr(host); err == nil {
		return p.Check(a)
	}
	if r == nil {
		r = net.DefaultResolver
	}
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil
	}
	for _, a := range addrs {
		if err := p.Check(a); err != nil {
			return err
		}
	}
	return nil
}

// WebURL parses s as an absolute http or https URL with a host: the only
// URLs feedhound fetches, republishes or sends to. ok is false for any
// other (a path, javascript:, data:, file:, a URL without a host).
func WebURL(s string) (u *url.URL, ok bool) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, false
	}
	return u, true
}
