package feed

import (
	"bytes"
	"fmt"
	"mime"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/gogs/chardet"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"
)

// DefaultMaxDepth is how deeply XML elements may nest before a document is
// refused: real feeds nest a few levels, and gofeed's parser recurses on
// elements it does not know, so a deep enough document would overflow its
// stack and end the process.
const DefaultMaxDepth = 1000

// xmlDecl matches an XML declaration and its encoding attribute.
var xmlDecl = regexp.MustCompile(`^<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']`)

// prepare turns a fetched body into what gofeed parses well: UTF-8, with
// no byte-order mark or leading white space, with an XML declaration that
// no longer names another encoding, with invalid bytes replaced, and
// checked for runaway nesting. The charset of the HTTP Content-Type wins
// over the XML declaration (RFC 7303); a byte-order mark wins over both.
func prepare(body []byte, contentType string, maxDepth int) ([]byte, error) {
	var enc encoding.Encoding
	switch {
	case bytes.HasPrefix(body, []byte{0xEF, 0xBB, 0xBF}):
		body = body[3:]
	case bytes.HasPrefix(body, []byte{0xFF, 0xFE, 0, 0}), looksUTF32(body, false):
		enc = utf32.UTF32(utf32.LittleEndian, utf32.UseBOM)
	case bytes.HasPrefix(body, []byte{0, 0, 0xFE, 0xFF}), looksUTF32(body, true):
		enc = utf32.UTF32(utf32.BigEndian, utf32.UseBOM)
	case bytes.HasPrefix(body, []byte{0xFF, 0xFE}), looksUTF16(body, false):
		enc = unicode.UTF16(unicode.LittleEndian, unicode.UseBOM)
	case bytes.HasPrefix(body, []byte{0xFE, 0xFF}), looksUTF16(body, true):
		enc = unicode.UTF16(unicode.BigEndian, unicode.UseBOM)
	default:
		label := charsetParam(contentType)
		if label == "" {
			if m := xmlDecl.FindSubmatch(bytes.TrimLeft(body[:min(len(body), 512)], " \t\r\n")); m != nil {
				label = string(m[1])
			}
		}
		body = decodeAs(body, label)
	}
	if enc != nil {
		decoded, err := enc.NewDecoder().Bytes(body)
		if err != nil {
			return nil, fmt.Errorf("decode charset: %w", err)
		}
		body = decoded
	}
	body = bytes.TrimLeft(body, " \t\r\n\uFEFF")
	if m := xmlDecl.FindSubmatchIndex(body); m != nil && !isUTF8(string(body[m[2]:m[3]])) {
		// Already UTF-8: the parser must not convert it again.
		body = append(append(append([]byte{}, body[:m[2]]...), "UTF-8"...), body[m[3]:]...)
	}
	if !utf8.Valid(body) {
		body = bytes.ToValidUTF8(body, []byte("\uFFFD"))
	}
	if len(body) > 0 && body[0] == '<' {
		if err := checkDepth(body, maxDepth); err != nil {
			return nil, err
		}
	}
	return body, nil
}

// decodeAs decodes a body in the charset its label declares, as
// feedparser and browsers read what the web serves: a declaration is
// trusted when the body decodes cleanly in it, UTF-8 is preferred when the
// body is valid UTF-8 but declared as a single-byte charset (a UTF-8 feed
// declared ISO-8859-1 reads "Café", not "CafÃ©"), and a body with no
// declaration, an unknown one, or one it does not fit is read in the
// charset its bytes show.
func decodeAs(body []byte, label string) []byte {
	label = strings.Trim(strings.TrimSpace(label), `"'`)
	valid := utf8.Valid(body)
	if label != "" && isUTF8(label) && valid {
		return body
	}
	if label != "" && !isUTF8(label) {
		if e, err := htmlindex.Get(label); err == nil {
			single := singleByte(e)
			switch {
			case valid && single && !ascii(body):
				return body // UTF-8 declared as Latin-1 or windows-125x
			case single:
				if decoded, err := e.NewDecoder().Bytes(body); err == nil {
					return decoded // every byte is a character
				}
			default:
				if decoded, err := e.NewDecoder().Bytes(body); err == nil && !bytes.ContainsRune(decoded, utf8.RuneError) {
					return decoded
				}
			}
		}
	}
	if valid || mostlyUTF8(body) {
		return body // the invalid bytes are replaced later
	}
	return detect(body)
}

// mostlyUTF8 reports whether a body that is not valid UTF-8 still is
// UTF-8 with a few broken bytes: it has characters of several bytes, and
// at most half as many invalid bytes.
func mostlyUTF8(b []byte) bool {
	multi, invalid := 0, 0
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			invalid++
		} else {
			multi++
		}
		i += n
	}
	return multi > 0 && invalid*2 <= multi
}

// detect decodes a body in the charset its bytes look most like (ICU's
// detector, as gogs/chardet ports it), or leaves it to be read as UTF-8
// with the invalid bytes replaced when none fits.
func detect(body []byte) []byte {
	r, err := chardet.NewHtmlDetector().DetectBest(body) // markup left out: its ASCII words look French
	if err != nil {
		return body
	}
	e, err := htmlindex.Get(r.Charset)
	if err != nil {
		return body
	}
	decoded, err := e.NewDecoder().Bytes(body)
	if err != nil {
		return body
	}
	return decoded
}

// singleByte reports whether an encoding maps every byte to a character:
// the ISO-8859 and windows-125x families, KOI8 and the like.
func singleByte(e encoding.Encoding) bool {
	_, ok := e.(*charmap.Charmap)
	return ok || e == charmap.Windows1252
}

func ascii(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

func isUTF8(label string) bool {
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return true
	}
	return false
}

// charsetParam returns the charset parameter of a Content-Type.
func charsetParam(contentType string) string {
	if contentType == "" {
		return ""
	}
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	return params["charset"]
}

// looksUTF32 recognises UTF-32 without a byte-order mark from its first
// character, '<' or '{', and the three zero bytes beside it.
func looksUTF32(b []byte, bigEndian bool) bool {
	if len(b) < 8 {
		return false
	}
	if bigEndian {
		return b[0] == 0 && b[1] == 0 && b[2] == 0 && (b[3] == '<' || b[3] == '{')
	}
	return (b[0] == '<' || b[0] == '{') && b[1] == 0 && b[2] == 0 && b[3] == 0
}

// looksUTF16 recognises UTF-16 without a byte-order mark from its first
// character, '<' or '{', and a zero byte beside it.
func looksUTF16(b []byte, bigEndian bool) bool {
	if len(b) < 4 {
		return false
	}
	if bigEndian {
		return b[0] == 0 && (b[1] == '<' || b[1] == '{') && b[2] == 0
	}
	return (b[0] == '<' || b[0] == '{') && b[1] == 0 && b[3] == 0
}

// checkDepth scans an XML document's tags and refuses one whose elements
// nest deeper than max, naming the line. It is a scan, not a parse:
// comments, CDATA sections, processing instructions and quoted attribute
// values are skipped so that their '<' and '>' do not count.
func checkDepth(b []byte, max int) error {
	depth := 0
	lineAt := func(i int) int { return 1 + bytes.Count(b[:i], []byte("\n")) }
	for i := 0; i < len(b); i++ {
		j := bytes.IndexByte(b[i:], '<')
		if j < 0 {
			return nil
		}
		i += j
		rest := b[i:]
		var end []byte
		switch {
		case bytes.HasPrefix(rest, []byte("<!--")):
			end = []byte("-->")
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			end = []byte("]]>")
		case bytes.HasPrefix(rest, []byte("<?")):
			end = []byte("?>")
		case bytes.HasPrefix(rest, []byte("<!")):
			end = []byte(">")
		case bytes.HasPrefix(rest, []byte("</")):
			depth--
			continue
		}
		if end != nil {
			k := bytes.Index(rest, end)
			if k < 0 {
				return nil // unterminated: the parser will say so
			}
			i += k + len(end) - 1
			continue
		}
		// A start tag: find its end, minding quoted attribute values.
		var quote byte
		k := 1
		for ; k < len(rest); k++ {
			c := rest[k]
			if quote != 0 {
				if c == quote {
					quote = 0
				}
				continue
			}
			if c == '"' || c == '\'' {
				quote = c
			} else if c == '>' {
				break
			}
		}
		if k < len(rest) && rest[k-1] != '/' {
			depth++
			if depth > max {
				return fmt.Errorf("XML nested deeper than %d elements at line %d", max, lineAt(i))
			}
		}
		i += k
	}
	return nil
}

// cdfRoot finds the root of a CDF document, <CHANNEL HREF=…>.
var cdfRoot = regexp.MustCompile(`^(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?i:channel)\s+(?i:href)=`)

// cutRoots finds the root of an XML feed, to close a document cut off at
// the end: RSS 2.0 and 0.9x, RSS 1.0 (RDF), Atom.
var cutRoots = regexp.MustCompile(`<(rss|(?:[A-Za-z_][\w.-]*:)?RDF|feed)[\s>]`)

// mendCut closes a feed document cut off at the end after its last whole
// item (or entry), as a reader does with what it received; ok is false
// when there is no whole item to keep.
func mendCut(body []byte) (whole []byte, ok bool) {
	m := cutRoots.FindSubmatch(body[:min(len(body), 4096)])
	if m == nil {
		return nil, false
	}
	root, closeItem, closing := string(m[1]), "</item>", ""
	switch {
	case root == "rss":
		closing = "</channel></rss>"
	case root == "feed":
		closeItem, closing = "</entry>", "</feed>"
	default: // RDF: items are the root's children
		closing = "</" + root + ">"
	}
	end := bytes.LastIndex(body, []byte(closeItem))
	if end < 0 {
		return nil, false
	}
	end += len(closeItem)
	if bytes.Contains(body[end:], []byte(closing)) {
		return nil, false // not cut: it has its end, and another fault
	}
	return append(append([]byte{}, body[:end]...), closing...), true
}
