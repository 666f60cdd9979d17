package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Notification is an alert in the outbox.
type Notification struct {
	ID          int64
	Notifier    string
	Rule        string
	Created     time.Time
	Status      string // "pending", "delivered" or "failed"
	Attempts    int
	NextAttempt time.Time
	LastError   string
	DeliveredAt time.Time
	Match       Matched // the item and how it matched
}

const notificationColumns = `n.id, n.notifier, n.rule, n.created, n.status, n.attempts, n.next_attempt, n.last_error, n.delivered_at,
	` + matchedColumns + `, m.matched_at, m.hits`

const notificationJoin = ` FROM notifications n JOIN items i ON i.id = n.item_id
	JOIN matches m ON m.item_id = n.item_id AND m.rule = n.rule`

func scanNotification(row interface{ Scan(...any) error }) (Notification, error) {
	var n Notification
	var created, next, delivered, published, updated, firstSeen, matchedAt int64
	var authors, categories, hits, storySource, storyGUID string
	it := &n.Match.Item
	err := row.Scan(&n.ID, &n.Notifier, &n.Rule, &created, &n.Status, &n.Attempts, &next, &n.LastError, &delivered,
		&n.Match.Source, &n.Match.ItemID, &it.ID, &it.Title, &it.Link, &authors, &categories, &published, &updated,
		&it.Summary, &it.Content, &it.Text, &firstSeen, &n.Match.Story, &storySource, &storyGUID, &n.Match.SourceTitle, &matchedAt, &hits)
	if err != nil {
		return n, err
	}
	n.Match.StoryID = ItemUUID(storySource, storyGUID)
	n.Created, n.NextAttempt, n.DeliveredAt = fromMillis(created), fromMillis(next), fromMillis(delivered)
	json.Unmarshal([]byte(authors), &it.Authors)
	json.Unmarshal([]byte(categories), &it.Categories)
	it.Published, it.Updated = fromMillis(published), fromMillis(updated)
	n.Match.Rule = n.Rule
	n.Match.FirstSeen, n.Match.MatchedAt = fromMillis(firstSeen), fromMillis(matchedAt)
	n.Match.Hits, err = fromStoredHits(hits)
	return n, err
}

// NextNotification returns the oldest pending alert for a notifier that is
// not held for a digest, due or not: alerts go out in order, so a later
// one waits for an earlier one that is waiting to be tried again. ok is
// false when none is pending.
func (s *Store) NextNotification(ctx context.Context, notifier string) (n Notification, ok bool, err error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+notificationColumns+notificationJoin+`
		WHERE n.notifier = ? AND n.status = 'pending' AND n.digest = 0 ORDER BY n.id LIMIT 1`, notifier)
	if err != nil {
		return n, false, fmt.Errorf("next notification for %s: %w", notifier, err)
	}
	defer rows.Close()
	if !rows.Next() {
		return n, false, rows.Err()
	}
	if n, err = scanNotification(rows); err != nil {
		return n, false, err
	}
	rows.Close()
	n.Match.Also, err = s.storyCopies(ctx, &n.Match)
	return n, err == nil, err
}

// maxCopies is how many other copies of its story an alert lists.
const maxCopies = 10

// storyCopies returns the other copies of a match's story stored so far,
// in the order they were first seen, at most maxCopies of them.
func (s *Store) storyCopies(ctx context.Context, m *Matched) ([]Matched, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT '', `+matchedColumns+`, i.first_seen, '[]' FROM items i
		WHERE (i.id = ? OR i.story = ?) AND i.id != ? ORDER BY i.first_seen, i.id LIMIT ?`, m.Story, m.Story, m.ItemID, maxCopies)
	return collectMatched(rows, err, "copies of a story")
}

// maxDigest is how many alerts one digest takes from the outbox.
const maxDigest = 500

// DueDigest returns the alerts of the digest of one rule for a notifier
// that is due by now, oldest first, at most maxDigest of them, and when
// the next digest after that is due (zero if none is waiting).
func (s *Store) DueDigest(ctx context.Context, notifier string, now time.Time) (due []Notification, next time.Time, err error) {
	var rule string
	var at int64
	err = s.read.QueryRowContext(ctx, `SELECT rule, next_attempt FROM notifications
		WHERE notifier = ? AND status = 'pending' AND digest = 1 ORDER BY next_attempt, id LIMIT 1`, notifier).Scan(&rule, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, time.Time{}, nil
	}
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("digests for %s: %w", notifier, err)
	}
	if fromMillis(at).After(now) {
		return nil, fromMillis(at), nil
	}
	rows, err := s.read.QueryContext(ctx, `SELECT `+notificationColumns+notificationJoin+`
		WHERE n.notifier = ? AND n.rule = ? AND n.status = 'pending' AND n.digest = 1 AND n.next_attempt <= ?
		ORDER BY n.id LIMIT ?`, notifier, rule, millis(now), maxDigest)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("digest of %s for %s: %w", rule, notifier, err)
	}
	defer rows.Close()
	for rows.Next() {
		n, err := scanNotification(rows)
		if err != nil {
			return nil, time.Time{}, err
		}
		due = append(due, n)
	}
	if err := rows.Err(); err != nil {
		return nil, time.Time{}, err
	}
	rows.Close()
	for i := range due {
		if due[i].Match.Also, err = s.storyCopies(ctx, &due[i].Match); err != nil {
			return nil, time.Time{}, err
		}
	}
	return due, time.Time{}, nil
}

// DueNotifiers returns up to limit notifiers whose names start with
// prefix and that have an alert due by now.
func (s *Store) DueNotifiers(ctx context.Context, prefix string, now time.Time, limit int) ([]string, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT DISTINCT notifier FROM notifications
		WHERE status = 'pending' AND substr(notifier, 1, ?) = ? AND next_attempt <= ? LIMIT ?`,
		utf8.RuneCountInString(prefix), prefix, millis(now), limit)
	if err != nil {
		return nil, fmt.Errorf("due notifiers: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// FailPending fails every pending alert of a notifier, with a reason.
func (s *Store) FailPending(ctx context.Context, notifier, reason string) error {
	_, err := s.write.ExecContext(ctx, `UPDATE notifications SET status = 'failed', last_error = ? WHERE notifier = ? AND status = 'pending'`, reason, notifier)
	return wrap(err, "fail alerts of %s", notifier)
}

// Delivered marks alerts delivered, all of them or none.
func (s *Store) Delivered(ctx context.Context, ids []int64, at time.Time, attempts int) error {
	return s.updateAlerts(ctx, ids, "mark alerts delivered",
		`UPDATE notifications SET status = 'delivered', delivered_at = ?, attempts = ?, last_error = '' WHERE id = ?`, millis(at), attempts)
}

// Retry records a failed attempt to send alerts, to be tried again at
// next.
func (s *Store) Retry(ctx context.Context, ids []int64, attempts int, next time.Time, reason string) error {
	return s.updateAlerts(ctx, ids, "reschedule alerts",
		`UPDATE notifications SET attempts = ?, next_attempt = ?, last_error = ? WHERE id = ?`, attempts, millis(next), reason)
}

// Failed marks alerts failed for good, with the reason.
func (s *Store) Failed(ctx context.Context, ids []int64, attempts int, reason string) error {
	return s.updateAlerts(ctx, ids, "mark alerts failed",
		`UPDATE notifications SET status = 'failed', attempts = ?, last_error = ? WHERE id = ?`, attempts, reason)
}

// updateAlerts runs query, which updates the alert whose id is its last
// argument, for each of ids in one transaction: the alerts of a digest
// were sent in one message, and are recorded together or not at all.
func (s *Store) updateAlerts(ctx context.Context, ids []int64, what, query string, args ...any) error {
	return s.noteWrite(s.updateAlertsTx(ctx, ids, what, query, args...))
}

func (s *Store) updateAlertsTx(ctx context.Context, ids []int64, what, query string, args ...any) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return wrap(err, "%s", what)
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, query)
	if err != nil {
		return wrap(err, "%s", what)
	}
	defer stmt.Close()
	for _, id := range ids {
		if _, err := stmt.ExecContext(ctx, append(args, id)...); err != nil {
			return wrap(err, "%s", what)
		}
	}
	return wrap(tx.Commit(), "%s", what)
}

// Notifications lists alerts, newest first: all of them, or only failed.
func (s *Store) Notifications(ctx context.Context, failedOnly bool, limit int) ([]Notification, error) {
	return s.NotificationsOf(ctx, NotificationFilter{Failed: failedOnly}, limit)
}

// NotificationFilter says which alerts NotificationsOf lists: the zero
// value, every one.
type NotificationFilter struct {
	Failed   bool   // only those that failed
	Rule     string // only those of a rule
	Notifier string // only those of a notifier
	Source   string // only those of a source's items
}

// NotificationsOf lists the alerts a filter lets through, newest first,
// at most limit of them.
func (s *Store) NotificationsOf(ctx context.Context, f NotificationFilter, limit int) ([]Notification, error) {
	var conds []string
	var args []any
	if f.Failed {
		conds = append(conds, `n.status = 'failed'`)
	}
	for _, c := range []struct{ col, v string }{{"n.rule", f.Rule}, {"n.notifier", f.Notifier}, {"i.source", f.Source}} {
		if c.v != "" {
			conds = append(conds, c.col+` = ?`)
			args = append(args, c.v)
		}
	}
	where := ""
	if len(conds) > 0 {
		where = ` WHERE ` + strings.Join(conds, ` AND `)
	}
	rows, err := s.read.QueryContext(ctx, `SELECT `+notificationColumns+notificationJoin+where+` ORDER BY n.id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("list notifications: %w", err)
	}
	defer rows.Close()
	var out []Notification
	for rows.Next() {
		n, err := scanNotification(rows)
		if err != nil {
			return nil, fmt.Errorf("list notifications: %w", err)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// RetryNotifications puts failed alerts back in the outbox, to be sent
// at once: the ones with the ids, or every failed one when ids is empty.
// It returns how many it put back.
func (s *Store) RetryNotifications(ctx context.Context, ids []int64) (int64, error) {
	q := `UPDATE notifications SET status = 'pending', next_attempt = 0, attempts = 0 WHERE status = 'failed'`
	args := []any{}
	if len(ids) > 0 {
		q += ` AND id IN (` + placeholders(len(ids)) + `)`
		for _, id := range ids {
			args = append(args, id)
		}
	}
	r, err := s.write.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("retry notifications: %w", err)
	}
	return r.RowsAffected()
}

// NotificationCounts counts alerts by status.
func (s *Store) NotificationCounts(ctx context.Context) (map[string]int, error) {
	return s.countBy(ctx, `SELECT status, COUNT(*) FROM notifications GROUP BY status`, "count notifications")
}

// countBy runs a query of (key, count) rows into a map.
func (s *Store) countBy(ctx context.Context, query, what string) (map[string]int, error) {
	rows, err := s.read.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var key string
		var n int
		if err := rows.Scan(&key, &n); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out[key] = n
	}
	return out, rows.Err()
}

func wrap(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}
