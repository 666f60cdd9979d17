package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/feedhound/feedhound/source"
)

// APISource is a source added through the API.
type APISource struct {
	// Spec is the source, checked by source.Check when it was added.
	source.Spec
	Title   string
	Created time.Time
	// Owner is the account whose tokens see and delete it; "" when added
	// is AdminAccount.
	Owner string
}

// ErrExists is returned for a name already in use.
var ErrExists = fmt.Errorf("exists")

// AddAPISource stores a source.
func (s *Store) AddAPISource(ctx context.Context, src APISource) error {
	if src.Owner == "" {
		src.Owner = AdminAccount
	}
	_, err := s.write.ExecContext(ctx, `INSERT INTO api_sources (name, url, schedule, title, created, kind, options, fulltext, timezone, owner) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		src.Name, src.URL, src.Schedule, src.Title, millis(src.Created), src.KindName(), src.Options, src.FullText, src.Timezone, src.Owner)
	if err != nil && strings.Contains(err.Error(), "UNIQUE") {
		return ErrExists
	}
	if err != nil {
		return fmt.Errorf("add source: %w", err)
	}
	return nil
}

// APISources lists the sources added through the API, by name.
func (s *Store) APISources(ctx context.Context) ([]APISource, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT name, url, schedule, title, created, kind, options, fulltext, timezone, owner FROM api_sources ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list sources: %w", err)
	}
	defer rows.Close()
	var out []APISource
	for rows.Next() {
		var src APISource
		var created int64
		if err := rows.Scan(&src.Name, &src.URL, &src.Schedule, &src.Title, &created, &src.Kind, &src.Options, &src.FullText, &src.Timezone, &src.Owner); err != nil {
			return nil, err
		}
		src.Created = fromMillis(created)
		out = append(out, src)
	}
	return out, rows.Err()
}

// DeleteAPISource deletes a source added through the API, of the account
// owner (of any account when owner is ""); its items stay until pruned.
// ErrNotFound is returned for a source there is not, or of another
// account.
func (s *Store) DeleteAPISource(ctx context.Context, name, owner string) error {
	r, err := s.write.ExecContext(ctx, `DELETE FROM api_sources WHERE name = ? AND (owner = ? OR ? = '')`, name, owner, owner)
	if err != nil {
		return fmt.Errorf("delete source: %w", err)
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}
