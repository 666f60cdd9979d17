package feed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cespare/xxhash/v2"

	"github.com/feedhound/feedhound/internal/version"
)

// UserAgent is sent with every request unless a Reader sets its own: it
// names feedhound's version (package version).
var UserAgent = "feedhound/" + version.String() + " (+https://github.com/feedhound/feedhound)"

// DefaultMaxBytes is the largest body a Reader accepts when MaxBytes is
// zero.
const DefaultMaxBytes = 20 << 20

// Request asks for a source, with the validators of an earlier response
// for a conditional GET.
type Request struct {
	URL          string
	ETag         string
	LastModified string
	// BodyHash is the Response.BodyHash of the body last recorded: a 200
	// from URL itself whose body hashes the same comes back Unchanged, its
	// body not kept. It serves sources that send neither an ETag nor a
	// Last-Modified.
	BodyHash string
	// Truncate cuts a body longer than the Reader's MaxBytes there instead
	// of refusing it: for pages, whose beginning is what matters.
	Truncate bool
}

// Response is what a source sent.
type Response struct {
	URL string // after redirects
	// Moved is true when every redirect on the way to URL was permanent
	// (301 or 308): the source should be polled at URL from now on.
	Moved        bool
	Status       int // 200, or 304 when the source has not changed
	ContentType  string
	ETag         string
	LastModified string
	// MaxAge is the Cache-Control max-age of the response; zero when
	// none is given.
	MaxAge time.Duration
	Body   []byte
	// BodyHash identifies the body of a 200 (see HashBody).
	BodyHash string
	// Unchanged is true for a 200 whose body is the one the request's
	// BodyHash names, read from the URL requested: Body is then nil, as
	// for a 304.
	Unchanged bool
	// Truncated is true when the body was cut at MaxBytes (see
	// Request.Truncate).
	Truncated bool
}

// HashBody returns what Response.BodyHash holds for a body: its xxhash
// and its length. A 64-bit hash is enough to tell a feed from its last
// version, at a tenth of SHA-256's cost.
func HashBody(b []byte) string {
	return fmt.Sprintf("xx%016x-%d", xxhash.Sum64(b), len(b))
}

// Reader reads sources. The zero value is ready to use and reads with
// http.DefaultClient; a Reader is safe for concurrent use.
type Reader struct {
	// Client does the HTTP requests; nil means http.DefaultClient.
	Client *http.Client
	// UserAgent is sent with every request; "" means UserAgent.
	UserAgent string
	// MaxBytes limits a response body, counted after decompression; zero
	// means DefaultMaxBytes.
	MaxBytes int64
	// MaxDepth limits how deeply XML elements may nest; zero means
	// DefaultMaxDepth.
	MaxDepth int
	// Files lets a source be a path of a local file, for commands that
	// read what their user names. Without it only http and https URLs are
	// read: the daemon never reads a file because a feed, a page or an
	// API client named one.
	Files bool
}

// IsURL reports whether src names an http(s) URL rather than a file.
func IsURL(src string) bool {
	return strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://")
}

// Fetch reads a source: an http(s) URL with a conditional GET when the
// request carries validators, or a file if the Reader reads files.
func (r *Reader) Fetch(ctx context.Context, req Request) (*Response, error) {
	if !IsURL(req.URL) {
		if !r.Files {
			return nil, fmt.Errorf("%q: only http and https URLs are read", ShowURL(req.URL))
		}
		body, err := r.readFile(req.URL)
		if err != nil {
			return nil, err
		}
		return &Response{URL: req.URL, Status: http.StatusOK, Body: body, BodyHash: HashBody(body)}, nil
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodGet, req.URL, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ShowURL(req.URL), err)
	}
	hreq.Header.Set("User-Agent", firstNonEmpty(r.UserAgent, UserAgent))
	hreq.Header.Set("Accept", "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8")
	if req.ETag != "" {
		hreq.Header.Set("If-None-Match", req.ETag)
	}
	if req.LastModified != "" {
		hreq.Header.Set("If-Modified-Since", req.LastModified)
	}
	client := r.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(hreq)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ShowURL(req.URL), describe(err, client.Timeout))
	}
	defer resp.Body.Close()
	out := &Response{
		URL:          resp.Request.URL.String(),
		Moved:        movedPermanently(resp),
		Status:       resp.StatusCode,
		ContentType:  resp.Header.Get("Content-Type"),
		ETag:         resp.Header.Get("ETag"),
		LastModified: resp.Header.Get("Last-Modified"),
		MaxAge:       maxAge(resp.Header.Get("Cache-Control")),
	}
	switch {
	case resp.StatusCode == http.StatusNotModified:
		return out, nil
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return nil, &StatusError{URL: ShowURL(req.URL), Code: resp.StatusCode, RetryAfter: resp.Header.Get("Retry-After")}
	}
	buf := getBuffer()
	size := resp.ContentLength // -1 when unknown, and for gzip
	if max := r.maxBytes(); req.Truncate && size > max {
		size = max // what will be read: no growing on the way there
	}
	body, err := r.readLimited(buf, resp.Body, size)
	var large tooLarge
	if req.Truncate && errors.As(err, &large) {
		body, err, out.Truncated = body[:large], nil, true
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ShowURL(req.URL), describe(err, client.Timeout))
	}
	out.BodyHash = HashBody(body)
	if req.BodyHash != "" && out.BodyHash == req.BodyHash && out.URL == req.URL {
		// Nothing is kept of a body the caller has: its buffer serves
		// the next one, and an unchanged feed costs no garbage.
		out.Unchanged = true
		putBuffer(buf, body)
		return out, nil
	}
	out.Body = body
	return out, nil
}

// bodyBuffers recycles the buffers of bodies that were not kept: those
// that came back unchanged.
var bodyBuffers sync.Pool

// maxPooledBuffer bounds the buffers kept for reuse.
const maxPooledBuffer = 1 << 20

func getBuffer() *[]byte {
	if b, ok := bodyBuffers.Get().(*[]byte); ok {
		return b
	}
	return new([]byte)
}

// putBuffer returns buf to the pool with body, which was read into it and
// may have grown past it, as its new contents to overwrite.
func putBuffer(buf *[]byte, body []byte) {
	if cap(body) <= maxPooledBuffer {
		*buf = body[:0]
		bodyBuffers.Put(buf)
	}
}

// describe turns a transport error into what happened, in a few words.
func describe(err error, timeout time.Duration) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		if uerr.Timeout() && timeout > 0 {
			return fmt.Errorf("timed out after %s", timeout)
		}
		err = uerr.Err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		if timeout > 0 {
			return fmt.Errorf("timed out after %s", timeout)
		}
		return errors.New("timed out")
	}
	var nerr net.Error
	if errors.As(err, &nerr) && nerr.Timeout() && timeout > 0 {
		return fmt.Errorf("timed out after %s", timeout)
	}
	return err
}

// movedPermanently reports whether a response came through redirects that
// were all permanent.
func movedPermanently(resp *http.Response) bool {
	hops := 0
	for prev := resp.Request.Response; prev != nil; prev = prev.Request.Response {
		if prev.StatusCode != http.StatusMovedPermanently && prev.StatusCode != http.StatusPermanentRedirect {
			return false
		}
		hops++
	}
	return hops > 0
}

// maxAge returns the max-age directive of a Cache-Control header.
func maxAge(cc string) time.Duration {
	for _, d := range strings.Split(cc, ",") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), "=")
		if strings.EqualFold(name, "max-age") {
			if n, err := strconv.Atoi(strings.Trim(value, `"`)); err == nil && n > 0 {
				return time.Duration(n) * time.Second
			}
		}
	}
	return 0
}

func (r *Reader) maxBytes() int64 {
	if r.MaxBytes > 0 {
		return r.MaxBytes
	}
	return DefaultMaxBytes
}

// readLimited reads a body of at most MaxBytes into buf, or a new buffer
// when buf is nil or too small. size, when known (a Content-Length, a
// file's size) and within the limit, sizes the buffer at once (else it
// starts at 32 KiB); it grows as io.ReadAll's does past that.
func (r *Reader) readLimited(buf *[]byte, body io.Reader, size int64) ([]byte, error) {
	max := r.maxBytes()
	if size <= 0 || size > max {
		size = min(32<<10, max) // unknown: most feeds fit, larger ones grow
	}
	lr := io.LimitReader(body, max+1)
	var b []byte
	if buf != nil && int64(cap(*buf)) > size {
		b = (*buf)[:0]
	} else {
		b = make([]byte, 0, size+1) // +1: EOF is seen without growing
	}
	for {
		n, err := lr.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if len(b) == cap(b) {
			// Doubled, up to the limit: append grows a large slice by a
			// quarter, reallocating a body of megabytes many times.
			nb := make([]byte, len(b), min(2*cap(b), int(max)+1))
			copy(nb, b)
			b = nb
		}
	}
	if int64(len(b)) > max {
		return b, tooLarge(max)
	}
	return b, nil
}

// tooLarge is the error of a body past its limit; readLimited returns
// what it read with it, one byte past the limit.
type tooLarge int64

func (e tooLarge) Error() string { return "response larger than " + byteSize(int64(e)) }

func (r *Reader) readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err // *PathError names the file
	}
	defer f.Close()
	var size int64
	if fi, err := f.Stat(); err == nil {
		size = fi.Size()
	}
	b, err := r.readLimited(nil, f, size)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}

// StatusError is an HTTP response that is neither a success nor 304.
type StatusError struct {
	URL        string
	Code       int
	RetryAfter string // the Retry-After header, if any
}

// RetryDelay returns how long the server asked to wait, from a
// Retry-After of seconds or an HTTP date; ok is false when it did not ask.
func (e *StatusError) RetryDelay(now time.Time) (d time.Duration, ok bool) {
	v := strings.TrimSpace(e.RetryAfter)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("%s: HTTP %d %s", e.URL, e.Code, http.StatusText(e.Code))
	if e.RetryAfter != "" {
		msg += ", retry after " + e.RetryAfter
		if _, err := time.ParseDuration(e.RetryAfter + "s"); err == nil {
			msg += "s"
		}
	}
	return msg
}

// Read fetches and parses a source.
func (r *Reader) Read(ctx context.Context, src string) (*Feed, error) {
	resp, err := r.Fetch(ctx, Request{URL: src})
	if err != nil {
		return nil, err
	}
	if IsURL(src) && resp.IsHTML() {
		if resp, err = r.FeedFrom(ctx, resp); err != nil {
			return nil, err
		}
	}
	f, err := r.Parse(resp)
	if err != nil {
		return nil, err
	}
	f.URL = src
	return f, nil
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// ErrFormat is what the errors of a source whose answer was read, but is
// not a feed feedhound can use, are: an empty answer, a parse error, a
// page without a feed, a page whose items are gone. The watcher counts
// such failures apart from the network's and the server's.
var ErrFormat = errors.New("not a usable feed")

// formatError is an error of a source's content: it is ErrFormat, and the
// error that caused it, if any.
type formatError struct {
	msg   string
	cause error
}

func (e *formatError) Error() string { return e.msg }

func (e *formatError) Unwrap() []error {
	if e.cause == nil {
		return []error{ErrFormat}
	}
	return []error{ErrFormat, e.cause}
}

// FormatErrorf returns an error of a source's content, with a message as
// fmt.Sprintf makes it; errors.Is(err, ErrFormat) holds for it.
func FormatErrorf(format string, args ...any) error {
	return &formatError{msg: fmt.Sprintf(format, args...)}
}
