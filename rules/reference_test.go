package rules

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// The reference matcher below evaluates one query on one document the
// obvious way, straight from the syntax tree. The real Matcher must agree
// with it on every rule of a large rule set.

type refToken struct {
	text string
	kind tokenKind
}

func refTokens(s string) []refToken {
	var tz tokenizer
	var out []refToken
	tz.each(s, func(t token) { out = append(out, refToken{strings.Clone(t.text), t.kind}) })
	return out
}

func refPartMatches(p Part, t refToken) bool {
	switch {
	case p.CJK:
		return t.kind == kindCJK && strings.Contains(t.text, p.Text)
	case p.Prefix:
		return t.kind == kindWord && strings.HasPrefix(t.text, p.Text)
	default:
		return t.kind == kindWord && t.text == p.Text
	}
}

// refSpans returns the token spans [start, end] where t occurs in one value.
func refSpans(t *Term, toks []refToken) [][2]int {
	var spans [][2]int
	for s := 0; s+len(t.Parts) <= len(toks); s++ {
		ok := true
		for k, p := range t.Parts {
			if !refPartMatches(p, toks[s+k]) {
				ok = false
				break
			}
		}
		if ok {
			spans = append(spans, [2]int{s, s + len(t.Parts) - 1})
		}
	}
	return spans
}

func refMatch(q *Query, d *Document) bool {
	return eval(q.Root, func(n Node) bool {
		for f := range numFields {
			var fields Field
			switch n := n.(type) {
			case *Term:
				fields = n.Fields
			case *Near:
				fields = n.A.Fields
			case *Regex:
				fields = n.Fields
			}
			if fields&(1<<f) == 0 {
				continue
			}
			for _, v := range d.values(f) {
				switch n := n.(type) {
				case *Term:
					if len(refSpans(n, refTokens(v))) > 0 {
						return true
					}
				case *Near:
					toks := refTokens(v)
					for _, a := range refSpans(n.A, toks) {
						for _, b := range refSpans(n.B, toks) {
							if a[1] < b[0] && b[0]-a[1]-1 <= n.Max || b[1] < a[0] && a[0]-b[1]-1 <= n.Max {
								return true
							}
						}
					}
				case *Regex:
					for _, loc := range n.re.FindAllStringIndex(v, -1) {
						if loc[0] < loc[1] {
							return true
						}
					}
				}
			}
		}
		return false
	})
}

var refVocab = []string{
	"kim", "putin", "summit", "xi", "korea", "russia", "talks", "nuclear", "denuclearization",
	"the", "a", "of", "visit", "vladivostok", "sanctions", "missile", "sports", "cup",
	"Sergéi", "ＫＩＭ", "Kim-Putin", "U.S.", "김정은", "푸틴과", "정상회담", "プーチン氏", "金正恩",
}

func randomQuery(r *rand.Rand, depth int) string {
	word := func() string {
		w := refVocab[r.IntN(len(refVocab))]
		switch r.IntN(8) {
		case 0:
			if len(w) > 3 && !strings.ContainsAny(w, "-.") {
				return w[:3] + "*"
			}
		case 1:
			return fmt.Sprintf("%q", w+" "+refVocab[r.IntN(len(refVocab))])
		case 2:
			return []string{"title:", "content:", "category:"}[r.IntN(3)] + w
		}
		return w
	}
	if depth <= 0 || r.IntN(3) == 0 {
		switch r.IntN(10) {
		case 0:
			return fmt.Sprintf("%s NEAR/%d %s", word(), r.IntN(4), word())
		case 1:
			return "/" + refVocab[r.IntN(9)] + ".{0,10}" + refVocab[r.IntN(9)] + "/"
		}
		return word()
	}
	a, b := randomQuery(r, depth-1), randomQuery(r, depth-1)
	switch r.IntN(5) {
	case 0:
		return "(" + a + " OR " + b + ")"
	case 1:
		return a + " -" + word()
	case 2:
		return a + " NOT (" + b + ")"
	default:
		return a + " " + b
	}
}

func randomDoc(r *rand.Rand) Document {
	text := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteString(refVocab[r.IntN(len(refVocab))])
			b.WriteString([]string{" ", " ", ", ", "–", " "}[r.IntN(5)])
		}
		return b.String()
	}
	return Document{
		Title:      text(1 + r.IntN(8)),
		Content:    text(r.IntN(40)),
		Categories: []string{text(1), text(2)},
	}
}

func TestMatcherAgreesWithReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var rs []Rule
	var qs []*Query
	for len(rs) < 1500 {
		src := randomQuery(r, 3)
		q, err := Parse(src)
		if err != nil {
			continue // random negations can make a query match everything
		}
		rs = append(rs, Rule{Name: src, Query: q})
		qs = append(qs, q)
	}
	m := NewMatcher(rs)
	matches := 0
	var reused Result // one Result for every document, as the watcher keeps
	for range 200 {
		d := randomDoc(r)
		ms := m.Match(&d)
		m.MatchInto(&reused, &d)
		if len(ms) != len(reused.Matches) || len(ms) > 0 && !reflect.DeepEqual(ms, reused.Matches) {
			t.Fatalf("on %+v: MatchInto differs from Match (-Match +MatchInto):\n%s", d, cmp.Diff(ms, reused.Matches))
		}
		got := map[int]bool{}
		for _, mt := range ms {
			got[mt.Rule] = true
			if len(mt.Hits) == 0 {
				t.Errorf("rule %q matched with no hits", rs[mt.Rule].Name)
			}
		}
		for i, q := range qs {
			if want := refMatch(q, &d); got[i] != want {
				t.Fatalf("rule %q (%s) on %+v: matcher says %v, reference %v", rs[i].Name, q, d, got[i], want)
			}
		}
		matches += len(got)
	}
	if matches == 0 {
		t.Fatal("no rule matched any document: the test proves nothing")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`"Kim-Putin summit" OR (Kim NEAR/8 Putin AND summit)`, `Kim NEAR/8 Putin -sports`,
		`title:summit (Putin OR Xi)`, `김정은 푸틴`, `denuclear*`, `/kim\/putin/`, `-(a b) c`,
		`a OR -b`, `title:(a "b c*")`, `NOT NOT x`, `"`, `(`, `link:https://x.org/a`,
	} {
		f.Add(s)
	}
	opts := cmpopts.IgnoreUnexported(Regex{})
	f.Fuzz(func(t *testing.T, src string) {
		q, err := Parse(src)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("Parse(%q) error %T, want *Error", src, err)
			}
			return
		}
		canon := q.String()
		q2, err := Parse(canon)
		if err != nil {
			t.Fatalf("Parse(%q) ok, but its canonical form %q fails: %v", src, canon, err)
		}
		if diff := cmp.Diff(q.Root, q2.Root, opts); diff != "" {
			t.Fatalf("canonical form %q of %q parses to another tree (-first +second):\n%s", canon, src, diff)
		}
		if got := q2.String(); got != canon {
			t.Fatalf("canonical form not stable: %q -> %q", canon, got)
		}
	})
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"Kim–Putin summit", "ＫＩＭ", "Serge\u0301i", "ｶﾞｽ", "G7정상회의", "\xff\xfe", "①"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		if again := Normalize(n); again != n {
			t.Fatalf("Normalize not idempotent: %q -> %q -> %q", s, n, again)
		}
		var tz tokenizer
		lastStart, lastEnd := 0, 0
		tz.each(s, func(tk token) {
			// Tokens follow each other; two may share the span of one rune
			// whose normalised form is two words, as ½ is 1⁄2.
			if tk.start < lastStart || tk.end < lastEnd || tk.end <= tk.start || tk.end > len(s) {
				t.Fatalf("token %q of %q has span %d..%d after %d..%d", tk.text, s, tk.start, tk.end, lastStart, lastEnd)
			}
			lastStart, lastEnd = tk.start, tk.end
		})
	})
}

func FuzzMatch(f *testing.F) {
	f.Add(`"Kim-Putin summit"`, "Kim Jong-un may visit Russia", "the upcoming Kim–Putin summit")
	f.Add(`Kim NEAR/2 Putin -sports`, "Kim and Putin", "sports")
	f.Add(`푸틴 OR denuclear*`, "김정은, 푸틴과", "denuclearization")
	f.Fuzz(func(t *testing.T, src, title, content string) {
		q, err := Parse(src)
		if err != nil {
			return
		}
		d := Document{Title: title, Content: content, Categories: []string{title, content}}
		got := len(NewMatcher([]Rule{{Query: q}}).Match(&d)) == 1
		if want := refMatch(q, &d); got != want {
			t.Fatalf("query %q (%s) on %+v: matcher says %v, reference %v", src, q, d, got, want)
		}
	})
}
