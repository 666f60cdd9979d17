package feed

import (
	"github.com/feedhound/feedhound/netguard"
	"net/url"
	"strings"
)

// Redacted is what a secret in a shown URL becomes.
const Redacted = "REDACTED"

// secretKeys are query keys whose values are credentials, lower-cased,
// without '-', '_' and '.'.
var secretKeys = map[string]bool{
	"key": true, "token": true, "auth": true, "authorization": true, "password": true, "passwd": true,
	"pass": true, "pwd": true, "secret": true, "sig": true, "signature": true, "session": true,
	"sessionid": true, "sid": true, "credential": true, "credentials": true, "code": true,
	"xamzcredential": true, "xamzsecuritytoken": true, "jwt": true, "hmac": true, "hash": true,
}

// secretSuffixes end query keys whose values are credentials: apikey,
// access_token, client_secret, user-password, X-Amz-Signature.
var secretSuffixes = []string{"key", "token", "secret", "password", "signature", "sessionid"}

func secretKey(k string) bool {
	k = strings.NewReplacer("-", "", "_", "", ".", "").Replace(strings.ToLower(k))
	if secretKeys[k] {
		return true
	}
	for _, s := range secretSuffixes {
		if strings.HasSuffix(k, s) {
			return true
		}
	}
	return false
}

// ShowURL returns a source's URL as it may be shown — on the status page,
// in the API, in republished feeds, in logs and errors — without user
// name or password, and with the values of secret-looking query
// parameters (apikey, token, sig, ...) replaced by REDACTED. Only the
// request itself carries the URL whole. A string that is not a URL with a
// host is returned as it is.
func ShowURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		// Unparsable: show no more than scheme and host, if it has them.
		if scheme, rest, ok := strings.Cut(raw, "://"); ok {
			host, _, _ := strings.Cut(rest, "/")
			if _, h, ok := strings.Cut(host, "@"); ok {
				host = h
			}
			return scheme + "://" + host + "/" + Redacted
		}
		return raw
	}
	if u.Host == "" {
		return raw
	}
	u.User = nil
	if u.RawQuery != "" {
		parts := strings.Split(u.RawQuery, "&")
		for i, p := range parts {
			k, _, hasValue := strings.Cut(p, "=")
			name, err := url.QueryUnescape(k)
			if err != nil {
				name = k
			}
			if hasValue && secretKey(name) {
				parts[i] = k + "=" + Redacted
			}
		}
		u.RawQuery = strings.Join(parts, "&")
	}
	return u.String()
}

// WebLink returns s if it is an absolute http or https URL, else "": an
// item's link of another scheme (javascript:, data:, file:) is never
// republished or sent.
func WebLink(s string) string {
	if _, ok := netguard.WebURL(s); !ok {
		return ""
	}
	return s
}
