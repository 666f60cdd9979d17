package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/feedhound/feedhound/destination"
)

// Subscription is a keyword alert made through the API.
type Subscription struct {
	ID        string // public, as "sub_…"
	Name      string
	Query     string
	Sources   []string // empty: every source
	FeedToken string   // the unguessable part of its feed URLs
	// Notify is where its alerts go, if its URL is set; its Name and
	// FeedURL are not kept.
	Notify  destination.Destination
	Digest  string // empty, a duration or a cron spec
	Group   string // "story" (alerts once per story; also when empty) or "none"
	Created time.Time
	Updated time.Time
	// Owner is the account whose tokens see and change it; "" when made
	// is AdminAccount.
	Owner string
	seq   int64 // database id, for paging
}

// SubscriptionRulePrefix starts the names of subscriptions' rules, and of
// their notifiers; no configured name can start with it.
const SubscriptionRulePrefix = "@"

// Rule is the name of the subscription's rule in matches, and of its
// notifier in the outbox.
func (s *Subscription) Rule() string { return SubscriptionRulePrefix + s.ID }

// IsSubscriptionRule reports whether a rule is a subscription's.
func IsSubscriptionRule(rule string) bool { return strings.HasPrefix(rule, SubscriptionRulePrefix) }

// Seq orders subscriptions for paging.
func (s *Subscription) Seq() int64 { return s.seq }

// ErrNotFound is returned for a subscription that does not exist.
var ErrNotFound = errors.New("not found")

func randomID(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// CreateSubscription stores a new subscription, giving it an id and a
// feed token.
func (s *Store) CreateSubscription(ctx context.Context, sub Subscription, now time.Time) (Subscription, error) {
	subs, err := s.CreateSubscriptions(ctx, []Subscription{sub}, now)
	if err != nil {
		return Subscription{}, err
	}
	return subs[0], nil
}

// CreateSubscriptions stores new subscriptions in one transaction, as
// CreateSubscription stores one: all of them or none.
func (s *Store) CreateSubscriptions(ctx context.Context, subs []Subscription, now time.Time) ([]Subscription, error) {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("create subscription: %w", err)
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO subscriptions (public_id, name, query, sources, feed_token, created, updated, notify_type, notify_url, notify_secret, notify_options, digest, grouping, owner)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`)
	if err != nil {
		return nil, fmt.Errorf("create subscription: %w", err)
	}
	defer stmt.Close()
	out := make([]Subscription, len(subs))
	for i, sub := range subs {
		sub.ID = "sub_" + randomID(12)
		sub.FeedToken = randomID(24)
		sub.Created, sub.Updated = now, now
		sources, _ := json.Marshal(orEmpty(sub.Sources))
		if sub.Group == "" {
			sub.Group = "story"
		}
		if sub.Owner == "" {
			sub.Owner = AdminAccount
		}
		err := stmt.QueryRowContext(ctx, sub.ID, sub.Name, sub.Query, string(sources), sub.FeedToken, millis(now), millis(now),
			sub.Notify.Kind, sub.Notify.URL, sub.Notify.Secret, sub.Notify.Options, sub.Digest, sub.Group, sub.Owner).Scan(&sub.seq)
		if err != nil {
			return nil, fmt.Errorf("create subscription: %w", err)
		}
		out[i] = sub
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("create subscription: %w", err)
	}
	return out, nil
}

const subscriptionColumns = `id, public_id, name, query, sources, feed_token, created, updated, notify_type, notify_url, notify_secret, notify_options, digest, grouping, owner`

func scanSubscription(row interface{ Scan(...any) error }) (Subscription, error) {
	var sub Subscription
	var sources string
	var created, updated int64
	if err := row.Scan(&sub.seq, &sub.ID, &sub.Name, &sub.Query, &sources, &sub.FeedToken, &created, &updated,
		&sub.Notify.Kind, &sub.Notify.URL, &sub.Notify.Secret, &sub.Notify.Options, &sub.Digest, &sub.Group, &sub.Owner); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return sub, ErrNotFound
		}
		return sub, err
	}
	json.Unmarshal([]byte(sources), &sub.Sources)
	sub.Created, sub.Updated = fromMillis(created), fromMillis(updated)
	return sub, nil
}

// Subscription returns the subscription with a public id.
func (s *Store) Subscription(ctx context.Context, id string) (Subscription, error) {
	return scanSubscription(s.read.QueryRowContext(ctx, `SELECT `+subscriptionColumns+` FROM subscriptions WHERE public_id = ?`, id))
}

// SubscriptionByFeedToken returns the subscription whose feeds a token
// opens.
func (s *Store) SubscriptionByFeedToken(ctx context.Context, token string) (Subscription, error) {
	return scanSubscription(s.read.QueryRowContext(ctx, `SELECT `+subscriptionColumns+` FROM subscriptions WHERE feed_token = ?`, token))
}

// Subscriptions lists subscriptions in creation order, after the one
// whose Seq is after (0 for the first page), at most limit of them: those
// of the account owner, or everyone's when owner is "".
func (s *Store) Subscriptions(ctx context.Context, owner string, after int64, limit int) ([]Subscription, error) {
	q, args := `SELECT `+subscriptionColumns+` FROM subscriptions WHERE id > ? ORDER BY id LIMIT ?`, []any{after, limit}
	if owner != "" {
		q, args = `SELECT `+subscriptionColumns+` FROM subscriptions WHERE owner = ? AND id > ? ORDER BY id LIMIT ?`, []any{owner, after, limit}
	}
	rows, err := s.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list subscriptions: %w", err)
	}
	defer rows.Close()
	var out []Subscription
	for rows.Next() {
		sub, err := scanSubscription(rows)
		if err != nil {
			return nil, fmt.Errorf("list subscriptions: %w", err)
		}
		out = append(out, sub)
	}
	return out, rows.Err()
}

// DeleteSubscription deletes a subscription and its matches.
func (s *Store) DeleteSubscription(ctx context.Context, id string) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("delete subscription: %w", err)
	}
	defer tx.Rollback()
	r, err := tx.ExecContext(ctx, `DELETE FROM subscriptions WHERE public_id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete subscription: %w", err)
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM matches WHERE rule = ?`, SubscriptionRulePrefix+id); err != nil {
		return fmt.Errorf("delete subscription: %w", err)
	}
	return tx.Commit()
}

// RotateFeedToken gives a subscription a new feed token; the old feed URLs
// stop working.
func (s *Store) RotateFeedToken(ctx context.Context, id string, now time.Time) (Subscription, error) {
	r, err := s.write.ExecContext(ctx, `UPDATE subscriptions SET feed_token = ?, updated = ? WHERE public_id = ?`, randomID(24), millis(now), id)
	if err != nil {
		return Subscription{}, fmt.Errorf("rotate feed token: %w", err)
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return Subscription{}, ErrNotFound
	}
	return s.Subscription(ctx, id)
}

// UpdateSubscription changes a subscription's name, query, sources,
// destination, digest and grouping.
func (s *Store) UpdateSubscription(ctx context.Context, sub Subscription, now time.Time) (Subscription, error) {
	sources, _ := json.Marshal(orEmpty(sub.Sources))
	if sub.Group == "" {
		sub.Group = "story"
	}
	r, err := s.write.ExecContext(ctx, `UPDATE subscriptions SET name = ?, query = ?, sources = ?, updated = ?,
		notify_type = ?, notify_url = ?, notify_secret = ?, notify_options = ?, digest = ?, grouping = ? WHERE public_id = ?`,
		sub.Name, sub.Query, string(sources), millis(now), sub.Notify.Kind, sub.Notify.URL, sub.Notify.Secret, sub.Notify.Options, sub.Digest, sub.Group, sub.ID)
	if err != nil {
		return Subscription{}, fmt.Errorf("update subscription: %w", err)
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return Subscription{}, ErrNotFound
	}
	return s.Subscription(ctx, sub.ID)
}

// SubscriptionCount counts the subscriptions.
func (s *Store) SubscriptionCount(ctx context.Context) (int, error) {
	var n int
	if err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM subscriptions`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count subscriptions: %w", err)
	}
	return n, nil
}

// Owned counts what an account owns: its subscriptions, and the sources
// it added.
func (s *Store) Owned(ctx context.Context, owner string) (subscriptions, sources int, err error) {
	err = s.read.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM subscriptions WHERE owner = ?), (SELECT COUNT(*) FROM api_sources WHERE owner = ?)`,
		owner, owner).Scan(&subscriptions, &sources)
	if err != nil {
		return 0, 0, fmt.Errorf("count what %s owns: %w", owner, err)
	}
	return subscriptions, sources, nil
}
