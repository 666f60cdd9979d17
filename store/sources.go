package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Source is the polling state of a source.
type Source struct {
	Name         string
	ConfigURL    string // the URL the configuration gives
	URL          string // where it is polled: ConfigURL, or where it moved permanently
	Title        string
	ETag         string
	LastModified string
	LastPoll     time.Time // zero: never polled
	LastStatus   string    // "200", "304" or "error"
	LastError    string
	Failures     int // consecutive failed polls
	NextPoll     time.Time
	Gone         bool // the source answered 410 Gone; it is no longer polled
	// What the feed says of itself: its id, home page, last change and
	// language, for the <source> of its entries in the filtered feeds.
	FeedID      string
	Link        string
	FeedUpdated time.Time
	Language    string
	// RetryAt is when the server asked to be polled again (Retry-After);
	// zero when it did not.
	RetryAt time.Time
	// FailureKind is what the failures in a row were ("HTTP 404",
	// "network", "parse"): a failure of another kind counts from one.
	FailureKind  string
	LastSuccess  time.Time // zero: never
	LastNew      int       // items new at the last poll
	FailingSince time.Time // the first failure in a row; zero while it works
	// The full text of new items, at the last poll that fetched any:
	// articles tried, how many could not be read, and the last failure.
	FullTextFetched, FullTextFailed int
	FullTextError                   string
	// BodyHash is the hash of the last body recorded; a 200 with the
	// same body is not parsed again. LastRecorded is when it was (the
	// last_seen of the items then in the feed), LastPresent the last poll
	// that found them still there. TTL is the feed's own <ttl>.
	BodyHash                  string
	LastRecorded, LastPresent time.Time
	TTL                       time.Duration
	// PolledBy is the instance that polled it last.
	PolledBy string
}

const sourceColumns = `name, config_url, url, title, etag, last_modified, last_poll, last_status, last_error, failures, next_poll, gone,
	feed_id, link, feed_updated, language, retry_at, failure_kind, last_success, last_new, failing_since,
	fulltext_fetched, fulltext_failed, fulltext_error, body_hash, last_recorded, last_present, ttl_seconds, polled_by`

func scanSource(row interface{ Scan(...any) error }) (Source, error) {
	var s Source
	var lastPoll, nextPoll, feedUpdated, retryAt, lastSuccess, failingSince, lastRecorded, lastPresent, ttl int64
	err := row.Scan(&s.Name, &s.ConfigURL, &s.URL, &s.Title, &s.ETag, &s.LastModified, &lastPoll, &s.LastStatus, &s.LastError, &s.Failures, &nextPoll, &s.Gone,
		&s.FeedID, &s.Link, &feedUpdated, &s.Language, &retryAt, &s.FailureKind, &lastSuccess, &s.LastNew, &failingSince,
		&s.FullTextFetched, &s.FullTextFailed, &s.FullTextError, &s.BodyHash, &lastRecorded, &lastPresent, &ttl, &s.PolledBy)
	s.LastRecorded, s.LastPresent, s.TTL = fromMillis(lastRecorded), fromMillis(lastPresent), time.Duration(ttl)*time.Second
	s.LastPoll, s.NextPoll = fromMillis(lastPoll), fromMillis(nextPoll)
	s.FeedUpdated, s.RetryAt, s.LastSuccess = fromMillis(feedUpdated), fromMillis(retryAt), fromMillis(lastSuccess)
	s.FailingSince = fromMillis(failingSince)
	return s, err
}

// EnsureSource returns the state of the named source, creating it for a
// new source. When the configuration now gives another URL, the state
// starts again from that URL: validators, redirects and failures belong
// to the old one.
func (s *Store) EnsureSource(ctx context.Context, name, configURL string) (Source, error) {
	src, err := scanSource(s.getSource.QueryRowContext(ctx, name))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		src = Source{Name: name, ConfigURL: configURL, URL: configURL}
	case err != nil:
		return Source{}, fmt.Errorf("source %s: %w", name, err)
	case src.ConfigURL == configURL:
		return src, nil
	default:
		src = Source{Name: name, ConfigURL: configURL, URL: configURL, Title: src.Title, LastPoll: src.LastPoll, LastSuccess: src.LastSuccess}
	}
	return src, s.SaveSource(ctx, src)
}

// saveSourceSQL writes a source's state: every column of sourceColumns,
// the name first. It lets the source's lease go: the state is what the
// poll the lease was taken for found.
var saveSourceSQL = func() string {
	cols := strings.Split(strings.Join(strings.Fields(sourceColumns), ""), ",")
	set := make([]string, 0, len(cols)+1)
	for _, c := range cols[1:] {
		set = append(set, c+" = excluded."+c)
	}
	set = append(set, "lease_owner = ''", "lease_until = 0",
		`meta_changed = CASE WHEN sources.title != excluded.title OR sources.link != excluded.link OR sources.language != excluded.language
			OR sources.feed_id != excluded.feed_id OR sources.feed_updated != excluded.feed_updated THEN excluded.last_poll ELSE sources.meta_changed END`)
	return `INSERT INTO sources (` + sourceColumns + `) VALUES (` + placeholders(len(cols)) + `)
	ON CONFLICT (name) DO UPDATE SET ` + strings.Join(set, ", ")
}()

// SaveSource writes the state of a source.
func (s *Store) SaveSource(ctx context.Context, src Source) error {
	_, err := s.saveSource.ExecContext(ctx, sourceArgs(src)...)
	if s.noteWrite(err) != nil {
		return fmt.Errorf("save source %s: %w", src.Name, err)
	}
	return nil
}

// Sources returns the state of every source, by name.
func (s *Store) Sources(ctx context.Context) ([]Source, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+sourceColumns+` FROM sources ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list sources: %w", err)
	}
	defer rows.Close()
	var out []Source
	for rows.Next() {
		src, err := scanSource(rows)
		if err != nil {
			return nil, fmt.Errorf("list sources: %w", err)
		}
		out = append(out, src)
	}
	return out, rows.Err()
}

// SaveSources writes the states of several sources in one transaction,
// which costs little more than writing one.
func (s *Store) SaveSources(ctx context.Context, srcs []Source) error {
	return s.noteWrite(s.saveSources(ctx, srcs))
}

func (s *Store) saveSources(ctx context.Context, srcs []Source) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("save sources: %w", err)
	}
	defer tx.Rollback()
	stmt := tx.StmtContext(ctx, s.saveSource)
	for _, src := range srcs {
		if _, err := stmt.ExecContext(ctx, sourceArgs(src)...); err != nil {
			return fmt.Errorf("save source %s: %w", src.Name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("save sources: %w", err)
	}
	return nil
}

func sourceArgs(src Source) []any {
	return []any{src.Name, src.ConfigURL, src.URL, src.Title, src.ETag, src.LastModified, millis(src.LastPoll),
		src.LastStatus, src.LastError, src.Failures, millis(src.NextPoll), src.Gone,
		src.FeedID, src.Link, millis(src.FeedUpdated), src.Language, millis(src.RetryAt), src.FailureKind, millis(src.LastSuccess),
		src.LastNew, millis(src.FailingSince), src.FullTextFetched, src.FullTextFailed, src.FullTextError,
		src.BodyHash, millis(src.LastRecorded), millis(src.LastPresent), int64(src.TTL / time.Second), src.PolledBy}
}
