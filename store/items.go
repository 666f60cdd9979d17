package store

import (
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/feedhound/feedhound/feed"
	"github.com/feedhound/feedhound/rules"
)

// Match is a rule that matched an item, with where its terms matched and
// the notifiers to alert.
type Match struct {
	Rule   string
	Hits   []rules.Hit
	Notify []string // names of notifiers; an alert for each goes in the outbox
	// DigestAt, when set, holds the alerts for a digest sent then.
	DigestAt time.Time
	// OncePerStory alerts only for the first item of a story that the
	// rule matches: a later copy's match is recorded without alerts.
	OncePerStory bool
}

// NewItem is an item to record, with the rules it matched.
type NewItem struct {
	Item    feed.Item
	Matches []Match
	// Story is the database id of the first item of the story the item
	// is a copy of; zero when it is the first of its own, or when SameAs
	// says: 1 + the index of an earlier item of the same Record whose
	// story it joins (an aggregator's feed may carry two copies).
	Story  int64
	SameAs int
}

// RecordResult counts what Record did.
type RecordResult struct {
	New           int // items stored for the first time
	Updated       int // known items whose content changed
	Matches       int // matches recorded
	Notifications int // alerts put in the outbox
	// IDs holds the database id of each item stored for the first time,
	// zero for the others, in the order given; Stories the story each was
	// stored with (its own id when it starts one).
	IDs, Stories []int64
}

// chunk is how many values go into one IN (...) list.
const chunk = 500

// Unseen returns which of ids the source has never had.
func (s *Store) Unseen(ctx context.Context, source string, ids []string) (map[string]bool, error) {
	unseen := make(map[string]bool, len(ids))
	for _, id := range ids {
		unseen[id] = true
	}
	for start := 0; start < len(ids); start += chunk {
		part := ids[start:min(start+chunk, len(ids))]
		args := make([]any, 0, len(part)+1)
		args = append(args, source)
		for _, id := range part {
			args = append(args, id)
		}
		rows, err := s.read.QueryContext(ctx, `SELECT guid FROM items WHERE source = ? AND guid IN (`+placeholders(len(part))+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("look up items of %s: %w", source, err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			delete(unseen, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return unseen, nil
}

// Record stores the items of one poll of a source in one transaction: an
// item new to the source is inserted with its matches; a known item is
// marked as seen now and, if its content changed, updated in place, and
// its matches are left as they were. Either all of it is stored or none.
func (s *Store) Record(ctx context.Context, source string, items []NewItem, now time.Time) (RecordResult, error) {
	res, err := s.record(ctx, source, items, now)
	return res, s.noteWrite(err)
}

func (s *Store) record(ctx context.Context, source string, items []NewItem, now time.Time) (RecordResult, error) {
	var res RecordResult
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return res, fmt.Errorf("record %s: %w", source, err)
	}
	defer tx.Rollback()
	insert, err := tx.PrepareContext(ctx, `INSERT INTO items (source, guid, title, link, authors, categories, published, updated, summary, content, text, content_hash, first_seen, last_seen, story)
		VALUES (`+placeholders(14)+`, NULLIF(CAST(? AS BIGINT), 0)) ON CONFLICT (source, guid) DO NOTHING RETURNING id`)
	if err != nil {
		return res, fmt.Errorf("record %s: %w", source, err)
	}
	update, err := tx.PrepareContext(ctx, `UPDATE items SET title = ?, link = ?, authors = ?, categories = ?, published = ?, updated = ?,
			summary = ?, content = ?, text = ?, content_hash = ?, last_seen = ?
		WHERE source = ? AND guid = ? AND content_hash != ?`)
	if err != nil {
		return res, fmt.Errorf("record %s: %w", source, err)
	}
	touch, err := tx.PrepareContext(ctx, `UPDATE items SET last_seen = ? WHERE source = ? AND guid = ?`)
	if err != nil {
		return res, fmt.Errorf("record %s: %w", source, err)
	}
	addMatch, err := tx.PrepareContext(ctx, `INSERT INTO matches (rule, item_id, matched_at, hits) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`)
	if err != nil {
		return res, fmt.Errorf("record %s: %w", source, err)
	}
	addNotification, err := tx.PrepareContext(ctx, `INSERT INTO notifications (notifier, rule, item_id, created, digest, next_attempt) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
	if err != nil {
		return res, fmt.Errorf("record %s: %w", source, err)
	}
	// Whether the rule matched an earlier copy of the story, which had
	// the alert.
	storyMatched, err := tx.PrepareContext(ctx, `SELECT EXISTS (SELECT 1 FROM matches m JOIN items i ON i.id = m.item_id
		WHERE m.rule = ? AND i.id != ? AND (i.id = ? OR i.story = ?))`)
	if err != nil {
		return res, fmt.Errorf("record %s: %w", source, err)
	}
	res.IDs = make([]int64, len(items))
	res.Stories = make([]int64, len(items))
	stories := res.Stories
	at := millis(now)
	for k, ni := range items {
		if ni.SameAs > 0 && ni.SameAs <= k {
			ni.Story = stories[ni.SameAs-1]
		}
		it := &ni.Item
		authors, _ := json.Marshal(orEmpty(it.Authors))
		categories, _ := json.Marshal(orEmpty(it.Categories))
		hash := contentHash(it)
		var id int64
		err := insert.QueryRowContext(ctx, source, it.ID, it.Title, it.Link, string(authors), string(categories),
			millis(it.Published), millis(it.Updated), it.Summary, it.Content, it.Text, hash, at, at, ni.Story).Scan(&id)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return res, fmt.Errorf("record %s item %s: %w", source, it.ID, err)
		}
		if err != nil { // seen before: no row inserted
			r, err := update.ExecContext(ctx, it.Title, it.Link, string(authors), string(categories), millis(it.Published), millis(it.Updated),
				it.Summary, it.Content, it.Text, hash, at, source, it.ID, hash)
			if err != nil {
				return res, fmt.Errorf("update %s item %s: %w", source, it.ID, err)
			}
			if n, _ := r.RowsAffected(); n > 0 {
				res.Updated++
			} else if _, err := touch.ExecContext(ctx, at, source, it.ID); err != nil {
				return res, fmt.Errorf("update %s item %s: %w", source, it.ID, err)
			}
			continue
		}
		res.New++
		res.IDs[k] = id
		stories[k] = ni.Story
		if stories[k] == 0 {
			stories[k] = id
		}

		for _, m := range ni.Matches {
			hits, err := json.Marshal(toStoredHits(m.Hits))
			if err != nil {
				return res, err
			}
			if _, err := addMatch.ExecContext(ctx, m.Rule, id, at, string(hits)); err != nil {
				return res, fmt.Errorf("record match of %s: %w", m.Rule, err)
			}
			res.Matches++
			if m.OncePerStory && ni.Story != 0 && len(m.Notify) > 0 {
				var told bool
				if err := storyMatched.QueryRowContext(ctx, m.Rule, id, ni.Story, ni.Story).Scan(&told); err != nil {
					return res, fmt.Errorf("record match of %s: %w", m.Rule, err)
				}
				if told {
					continue // a copy of a story the rule has alerted about
				}
			}
			for _, n := range m.Notify {
				if _, err := addNotification.ExecContext(ctx, n, m.Rule, id, at, !m.DigestAt.IsZero(), millis(m.DigestAt)); err != nil {
					return res, fmt.Errorf("record notification of %s to %s: %w", m.Rule, n, err)
				}
				res.Notifications++
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return RecordResult{}, fmt.Errorf("record %s: %w", source, err)
	}
	return res, nil
}

func orEmpty(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}

// contentHash fingerprints what a reader sees of an item, to notice edits.
func contentHash(it *feed.Item) string {
	h := sha256.New()
	for _, s := range []string{it.Title, it.Link, it.Summary, it.Content} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// storedHit is a rules.Hit as the database keeps it.
type storedHit struct {
	Term  string `json:"term"`
	Field string `json:"field"`
	Value int    `json:"value,omitempty"`
	Start int    `json:"start"`
	End   int    `json:"end"`
}

var fieldByName = func() map[string]rules.Field {
	m := map[string]rules.Field{}
	for f := rules.FieldTitle; f <= rules.FieldSource; f <<= 1 {
		m[f.String()] = f
	}
	return m
}()

func toStoredHits(hits []rules.Hit) []storedHit {
	out := make([]storedHit, len(hits))
	for i, h := range hits {
		out[i] = storedHit{Term: h.Term, Field: h.Field.String(), Value: h.Value, Start: h.Start, End: h.End}
	}
	return out
}

func fromStoredHits(s string) ([]rules.Hit, error) {
	var stored []storedHit
	if err := json.Unmarshal([]byte(s), &stored); err != nil {
		return nil, err
	}
	out := make([]rules.Hit, len(stored))
	for i, h := range stored {
		out[i] = rules.Hit{Term: h.Term, Field: fieldByName[h.Field], Value: h.Value, Start: h.Start, End: h.End}
	}
	return out, nil
}

// Matched is a stored match with its item.
type Matched struct {
	Rule      string
	Source    string
	Item      feed.Item
	ItemID    int64 // the database's id of the item
	FirstSeen time.Time
	MatchedAt time.Time
	Hits      []rules.Hit
	// Story is the database id of the first item of the item's story,
	// its own when it is the first; StoryID is the first item's ItemUUID,
	// the story's public id.
	Story   int64
	StoryID string
	// SourceTitle is the title of the source's feed, as last read.
	SourceTitle string
	// Also holds, for LatestStories, the later copies of the story that
	// the rule matched, in the order they were matched.
	Also []Matched
}

// matchedColumns are what collectMatched reads: a match and its item.
const matchedColumns = `i.source, i.id, i.guid, i.title, i.link, i.authors, i.categories, i.published, i.updated,
	i.summary, i.content, i.text, i.first_seen, COALESCE(i.story, i.id),
	COALESCE((SELECT f.source FROM items f WHERE f.id = i.story), i.source), COALESCE((SELECT f.guid FROM items f WHERE f.id = i.story), i.guid),
	COALESCE((SELECT s.title FROM sources s WHERE s.name = i.source), '')`

// ItemUUID is an item's public id in the filtered feeds and alerts: a
// name-based UUID of its source and stable ID, the same in every render,
// format and restart.
func ItemUUID(source, guid string) string {
	h := sha1.New()
	h.Write([]byte("feedhound\x00" + source + "\x00" + guid))
	u := h.Sum(nil)[:16]
	u[6] = u[6]&0x0f | 0x50 // version 5
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// LatestMatches returns the newest limit matches of a rule, newest first.
func (s *Store) LatestMatches(ctx context.Context, rule string, limit int) ([]Matched, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT m.rule, `+matchedColumns+`, m.matched_at, m.hits
		FROM matches m JOIN items i ON i.id = m.item_id
		WHERE m.rule = ? ORDER BY m.matched_at DESC, i.published DESC, m.item_id DESC LIMIT ?`, rule, limit)
	return collectMatched(rows, err, "matches of "+rule)
}

// storyScan is how many of a rule's latest matches per story a feed asks
// for LatestStories reads.
const storyScan = 50

// LatestStories returns the newest limit stories a rule matched, newest
// first by when the rule first matched them (then by publication, as
// LatestMatches orders items): each is the first copy the rule matched,
// with the later ones in Also.
func (s *Store) LatestStories(ctx context.Context, rule string, limit int) ([]Matched, error) {
	// The stories are found among the rule's latest matches, so that a
	// render does not read all of a busy rule's history; a story whose
	// copies are further apart than that many matches shows by its later
	// ones.
	rows, err := s.read.QueryContext(ctx, `WITH recent AS (
			SELECT item_id, matched_at FROM matches WHERE rule = ? ORDER BY matched_at DESC LIMIT ?),
		st AS (
			SELECT COALESCE(i.story, i.id) AS story, MIN(r.matched_at) AS first_at, MIN(i.published) AS published
			FROM recent r JOIN items i ON i.id = r.item_id
			GROUP BY 1 ORDER BY first_at DESC, published DESC, story DESC LIMIT ?)
		SELECT m.rule, `+matchedColumns+`, m.matched_at, m.hits
		FROM st JOIN items i ON i.id = st.story OR i.story = st.story
		JOIN matches m ON m.item_id = i.id AND m.rule = ?
		ORDER BY st.first_at DESC, st.published DESC, st.story DESC, m.matched_at, i.id`, rule, storyScan*limit, limit, rule)
	copies, err := collectMatched(rows, err, "stories of "+rule)
	if err != nil {
		return nil, err
	}
	var out []Matched
	for _, c := range copies {
		if n := len(out); n > 0 && out[n-1].Story == c.Story {
			out[n-1].Also = append(out[n-1].Also, c)
			continue
		}
		out = append(out, c)
	}
	return out, nil
}

// LatestItems returns the newest limit items of a source, newest first
// seen, as Matched values without a rule (MatchedAt is when each was first
// seen): a source's own feed.
func (s *Store) LatestItems(ctx context.Context, source string, limit int) ([]Matched, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT '', `+matchedColumns+`, i.first_seen, '[]'
		FROM items i WHERE i.source = ? ORDER BY i.first_seen DESC, i.published DESC, i.id DESC LIMIT ?`, source, limit)
	return collectMatched(rows, err, "items of "+source)
}

// collectMatched reads the rows of a query of a rule, matchedColumns, the
// time matched and the hits; what names the query in errors.
func collectMatched(rows *sql.Rows, err error, what string) ([]Matched, error) {
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []Matched
	for rows.Next() {
		var m Matched
		var authors, categories, hits, storySource, storyGUID string
		var published, updated, firstSeen, matchedAt int64
		it := &m.Item
		if err := rows.Scan(&m.Rule, &m.Source, &m.ItemID, &it.ID, &it.Title, &it.Link, &authors, &categories, &published, &updated,
			&it.Summary, &it.Content, &it.Text, &firstSeen, &m.Story, &storySource, &storyGUID, &m.SourceTitle, &matchedAt, &hits); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		m.StoryID = ItemUUID(storySource, storyGUID)
		json.Unmarshal([]byte(authors), &it.Authors)
		json.Unmarshal([]byte(categories), &it.Categories)
		it.Published, it.Updated = fromMillis(published), fromMillis(updated)
		m.FirstSeen, m.MatchedAt = fromMillis(firstSeen), fromMillis(matchedAt)
		if m.Hits, err = fromStoredHits(hits); err != nil {
			return nil, fmt.Errorf("%s: hits of item %d: %w", what, m.ItemID, err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// RuleStats is how often a rule has matched: its matches, and the stories
// they are copies of.
type RuleStats struct {
	Matches   int
	Stories   int
	LastMatch time.Time
}

// RuleStats returns the match counts of the rules named, or, when none
// is, of every rule that has matched.
func (s *Store) RuleStats(ctx context.Context, rules ...string) (map[string]RuleStats, error) {
	where, args := "", make([]any, len(rules))
	if len(rules) > 0 {
		where = ` WHERE m.rule IN (` + placeholders(len(rules)) + `)`
		for i, r := range rules {
			args[i] = r
		}
	}
	rows, err := s.read.QueryContext(ctx, `SELECT m.rule, COUNT(*), COUNT(DISTINCT COALESCE(i.story, i.id)), MAX(m.matched_at)
		FROM matches m JOIN items i ON i.id = m.item_id`+where+` GROUP BY m.rule`, args...)
	if err != nil {
		return nil, fmt.Errorf("rule stats: %w", err)
	}
	defer rows.Close()
	out := map[string]RuleStats{}
	for rows.Next() {
		var rule string
		var n, stories int
		var last int64
		if err := rows.Scan(&rule, &n, &stories, &last); err != nil {
			return nil, err
		}
		out[rule] = RuleStats{Matches: n, Stories: stories, LastMatch: fromMillis(last)}
	}
	return out, rows.Err()
}

// ItemCounts returns how many items each source has stored.
func (s *Store) ItemCounts(ctx context.Context) (map[string]int, error) {
	return s.countBy(ctx, `SELECT source, COUNT(*) FROM items GROUP BY source`, "item counts")
}

// seenSQL is when an item was last seen in its feed: its last_seen, or,
// for the items present at the source's last full record, the last poll
// that found its body unchanged.
const seenSQL = `(CASE WHEN items.last_seen = (SELECT last_recorded FROM sources WHERE sources.name = items.source)
	THEN (SELECT CASE WHEN last_present > items.last_seen THEN last_present ELSE items.last_seen END FROM sources WHERE sources.name = items.source)
	ELSE items.last_seen END)`

// Prune deletes the items that matched no rule and that no poll has seen
// since before: an item still in its feed is kept, so it is never taken
// for new.
func (s *Store) Prune(ctx context.Context, before time.Time) (int64, error) {
	r, err := s.write.ExecContext(ctx, `DELETE FROM items WHERE `+seenSQL+` < ? AND NOT EXISTS (SELECT 1 FROM matches WHERE item_id = items.id)`, millis(before))
	if err != nil {
		return 0, fmt.Errorf("prune: %w", err)
	}
	return r.RowsAffected()
}

// ItemsSeenSince calls fn for each item last seen at since or later, of
// the given sources (all when empty), oldest first. The items come
// without their HTML summary and content: what backfills match and the
// story index signs is the plain text, and at start-up the index reads a
// whole window of items.
func (s *Store) ItemsSeenSince(ctx context.Context, since time.Time, sources []string, fn func(Matched) error) error {
	q := `SELECT source, id, guid, title, link, authors, categories, published, updated, text, first_seen, COALESCE(story, id),
		COALESCE((SELECT s.title FROM sources s WHERE s.name = items.source), '')
		FROM items WHERE ` + seenSQL + ` >= ?`
	args := []any{millis(since)}
	if len(sources) > 0 {
		q += ` AND source IN (` + placeholders(len(sources)) + `)`
		for _, src := range sources {
			args = append(args, src)
		}
	}
	rows, err := s.read.QueryContext(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return fmt.Errorf("items since %v: %w", since, err)
	}
	defer rows.Close()
	for rows.Next() {
		var m Matched
		var authors, categories string
		var published, updated, firstSeen int64
		it := &m.Item
		if err := rows.Scan(&m.Source, &m.ItemID, &it.ID, &it.Title, &it.Link, &authors, &categories, &published, &updated,
			&it.Text, &firstSeen, &m.Story, &m.SourceTitle); err != nil {
			return err
		}
		json.Unmarshal([]byte(authors), &it.Authors)
		json.Unmarshal([]byte(categories), &it.Categories)
		it.Published, it.Updated, m.FirstSeen = fromMillis(published), fromMillis(updated), fromMillis(firstSeen)
		if err := fn(m); err != nil {
			return err
		}
	}
	return rows.Err()
}

// AddMatches records matches of one rule with items already stored, as a
// backfill does: no alerts are written for them. It returns how many were
// new.
func (s *Store) AddMatches(ctx context.Context, rule string, ms []Matched, at time.Time) (int, error) {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("add matches: %w", err)
	}
	defer tx.Rollback()
	n := 0
	for _, m := range ms {
		hits, _ := json.Marshal(toStoredHits(m.Hits))
		r, err := tx.ExecContext(ctx, `INSERT INTO matches (rule, item_id, matched_at, hits) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			rule, m.ItemID, millis(at), string(hits))
		if err != nil {
			return 0, fmt.Errorf("add matches: %w", err)
		}
		k, _ := r.RowsAffected()
		n += int(k)
	}
	return n, tx.Commit()
}

// Document is what rules see of a stored item: the one adapter of an item
// to the matcher's document, for live polls (DocumentOf), backfills and
// alerts alike, so that a rule's hits are the same wherever it matches.
func (m *Matched) Document() rules.Document { return DocumentOf(m.Source, m.SourceTitle, &m.Item) }

// DocumentOf is what rules see of an item of a source: its fields, and as
// its source the source's name and its feed's title ("kt The Korea Times"),
// so that source:korea finds it.
func DocumentOf(source, sourceTitle string, it *feed.Item) rules.Document {
	src := source
	if sourceTitle != "" {
		src += " " + sourceTitle
	}
	return rules.Document{
		Title: it.Title, Content: it.Text, Authors: it.Authors, Categories: it.Categories,
		Link: it.Link, Source: src,
	}
}
