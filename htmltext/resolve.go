package htmltext

import (
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

// urlAttrs are the attributes whose values are URLs.
var urlAttrs = map[string]bool{"href": true, "src": true, "poster": true, "cite": true, "longdesc": true, "srcset": true}

// ResolveURLs makes the relative URLs of an HTML fragment's links and
// images absolute against base, so that a reader showing the fragment
// elsewhere — a filtered feed on another host — finds them. Tags without
// a relative URL, and all text, are kept byte for byte. A nil or relative
// base leaves s as it is.
func ResolveURLs(s string, base *url.URL) string {
	// An attribute with a value has an '=': without one, no tag has a URL.
	if base == nil || !base.IsAbs() || !strings.Contains(s, "<") || !strings.Contains(s, "=") {
		return s
	}
	var b strings.Builder
	changed := false
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		raw := z.Raw()
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			b.Write(raw)
			continue
		}
		t := z.Token()
		tagChanged := false
		for i, a := range t.Attr {
			if a.Namespace != "" || !urlAttrs[a.Key] {
				continue
			}
			v := resolveAttr(a.Key, a.Val, base)
			if v != a.Val {
				t.Attr[i].Val = v
				tagChanged = true
			}
		}
		if tagChanged {
			changed = true
			b.WriteString(t.String())
		} else {
			b.Write(raw)
		}
	}
	if !changed {
		return s
	}
	return b.String()
}

func resolveAttr(key, v string, base *url.URL) string {
	if key == "srcset" {
		parts := strings.Split(v, ",")
		for i, p := range parts {
			fields := strings.Fields(p)
			if len(fields) > 0 {
				fields[0] = resolveOne(fields[0], base)
				parts[i] = strings.Join(fields, " ")
			}
		}
		return strings.Join(parts, ", ")
	}
	return resolveOne(v, base)
}

func resolveOne(v string, base *url.URL) string {
	ref := strings.TrimSpace(v)
	if ref == "" || strings.HasPrefix(ref, "#") {
		return v
	}
	u, err := url.Parse(ref)
	if err != nil || u.IsAbs() {
		return v
	}
	return base.ResolveReference(u).String()
}
