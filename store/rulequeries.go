package store

import (
	"context"
	"fmt"
)

// RuleQueries returns the query each configured rule had when it was last
// taken up, by rule name.
func (s *Store) RuleQueries(ctx context.Context) (map[string]string, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT rule, query FROM rule_queries`)
	if err != nil {
		return nil, fmt.Errorf("rule queries: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var rule, query string
		if err := rows.Scan(&rule, &query); err != nil {
			return nil, fmt.Errorf("rule queries: %w", err)
		}
		out[rule] = query
	}
	return out, rows.Err()
}

// SetRuleQuery records the query a configured rule has now.
func (s *Store) SetRuleQuery(ctx context.Context, rule, query string) error {
	_, err := s.write.ExecContext(ctx, `INSERT INTO rule_queries (rule, query) VALUES (?, ?)
		ON CONFLICT (rule) DO UPDATE SET query = excluded.query`, rule, query)
	if s.noteWrite(err) != nil {
		return fmt.Errorf("save the query of rule %s: %w", rule, err)
	}
	return nil
}
