package rules

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestWordsAgreesWithNormalize(t *testing.T) {
	for _, s := range []string{"Kim Jong-un may visit Russia", "Sergéi Shoigu, Ｐｕｔｉｎ and ½", "김정은 푸틴 정상회담", "東京で会談", ""} {
		var got []string
		Words(s, func(w string) bool { got = append(got, strings.Clone(w)); return true })
		if want := strings.Fields(Normalize(s)); !slices.Equal(got, want) {
			t.Errorf("Words(%q) = %q, want %q", s, got, want)
		}
	}
	n := 0
	Words("one two three four", func(string) bool { n++; return n < 2 })
	if n != 2 {
		t.Errorf("Words called fn %d times after it returned false at 2", n)
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"Kim Jong-un", "kim jong un"},
		{"Kim–Putin summit", "kim putin summit"},
		{"KIM—PUTIN SUMMIT", "kim putin summit"},
		{"Kim‑Putin", "kim putin"}, // non-breaking hyphen U+2011
		{"Kim－Putin", "kim putin"}, // fullwidth hyphen-minus
		{"ＫＩＭ", "kim"},
		{"Sergéi Lavróv", "sergei lavrov"},
		{"Serge\u0301i", "sergei"}, // decomposed acute accent
		{"Straße", "strasse"},
		{"U.S.", "u s"},
		{"Putin's", "putin s"},
		{"ΣΊΣΥΦΟΣ", "σισυφοσ"},
		{"Łódź", "łodz"},
		{"김정은과 푸틴", "김정은과 푸틴"},
		{"金正恩氏とプーチン氏", "金正恩氏とプーチン氏"},
		{"ガス", "ガス"},  // voicing marks stay: ガ is not カ
		{"ｶﾞｽ", "ガス"}, // halfwidth kana with a separate voicing mark
		{"G7정상회의", "g7 정상회의"},
		{"①-②", "1 2"},
		{"ﬁnance", "finance"},
		{"", ""},
		{"  --  ", ""},
	}
	for _, tt := range tests {
		if got := Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTokenOffsets(t *testing.T) {
	text := "Sergéi met ＫＩＭ–Putin"
	var tz tokenizer
	var got []string
	tz.each(text, func(tk token) { got = append(got, text[tk.start:tk.end]) })
	want := []string{"Sergéi", "met", "ＫＩＭ", "Putin"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("token spans = %q, want %q", got, want)
	}
}

// koreaTimes is modelled on the story that started the project.
var koreaTimes = Document{
	Title:      "Kim Jong-un may visit Russia to meet Putin",
	Content:    "North Korean leader Kim Jong-un may travel to Vladivostok this month for the upcoming Kim–Putin summit, officials in Seoul said on Tuesday.",
	Authors:    []string{"Jung Da-min"},
	Categories: []string{"North Korea", "Diplomacy"},
	Link:       "https://www.koreatimes.co.kr/www/nation/2026/09/103_1.html",
	Source:     "koreatimes",
}

func TestMatch(t *testing.T) {
	sports := Document{Title: "Kim scores twice as Putin watches", Content: "A sports report on the summit cup final.", Categories: []string{"Sports"}}
	tests := []struct {
		query string
		doc   Document
		want  bool
	}{
		// Words and phrases.
		{`Putin`, koreaTimes, true},
		{`putin`, koreaTimes, true},
		{`PUTIN`, koreaTimes, true},
		{`Puti`, koreaTimes, false},
		{`"Kim-Putin summit"`, koreaTimes, true},
		{`"Kim-Putin summit"`, Document{Content: "the Kim Putin summit"}, true},
		{`"Kim-Putin summit"`, Document{Content: "the KIM—PUTIN SUMMIT"}, true},
		{`"Kim-Putin summit"`, Document{Content: "Kim&#8209;Putin summit"}, false}, // entities are decoded before matching, not by it
		{`"Kim-Putin summit"`, Document{Content: "Kim‑Putin summit"}, true},
		{`"Kim-Putin summit"`, Document{Content: "Kimchi prices rose before the Putin summit"}, false},
		{`"Kim-Putin summit"`, Document{Content: "Putin-Kim summit"}, false},
		{`Kim-Putin`, Document{Content: "the Kim–Putin talks"}, true},
		{`Kim-Putin`, Document{Content: "Kim met Putin"}, false},
		{`U.S.`, Document{Content: "the U.S. envoy"}, true},
		{`U.S.`, Document{Content: "us envoy"}, false},
		{`Kim`, Document{Content: "Kimchi exports"}, false},
		{`Sergei`, Document{Content: "Sergéi Shoigu arrived"}, true},
		{`Sergéi`, Document{Content: "Sergei Shoigu arrived"}, true},
		{`ＫＩＭ`, Document{Content: "kim"}, true},
		{`KIM`, Document{Content: "ＫＩＭ"}, true},
		// Boolean operators.
		{`Kim Putin`, koreaTimes, true},
		{`Kim AND Xi`, koreaTimes, false},
		{`Xi OR Putin`, koreaTimes, true},
		{`Kim -sports`, koreaTimes, true},
		{`Kim -sports`, sports, false},
		{`Kim NOT sports`, sports, false},
		{`Kim -"summit cup"`, sports, false},
		{`Kim -(cup OR final)`, sports, false},
		{`Kim -(cup AND tennis)`, sports, true},
		{`Xi OR Kim AND Putin`, koreaTimes, true},
		{`(Xi OR Kim) AND Putin`, koreaTimes, true},
		{`Xi OR Kim AND Trump`, koreaTimes, false},
		{`NOT NOT Putin`, koreaTimes, true},
		// Prefixes.
		{`denuclear*`, Document{Content: "talks on denuclearization stalled"}, true},
		{`denuclear*`, Document{Content: "a plan to denuclearize"}, true},
		{`denuclear*`, Document{Content: "nuclear talks"}, false},
		{`Putin*`, Document{Content: "Putinism, explained"}, true},
		{`Putin`, Document{Content: "Putinism, explained"}, false},
		{`"Kim-Put*"`, koreaTimes, true},
		// NEAR.
		{`Kim NEAR/8 Putin`, koreaTimes, true},
		{`Kim NEAR/0 Putin`, Document{Content: "Kim Putin"}, true},
		{`Kim NEAR/0 Putin`, Document{Content: "Kim met Putin"}, false},
		{`Kim NEAR/1 Putin`, Document{Content: "Putin met Kim"}, true},
		{`Kim NEAR/2 Putin`, Document{Content: "Kim a b c Putin"}, false},
		{`Kim NEAR Putin`, Document{Content: "Kim " + strings.Repeat("w ", 10) + "Putin"}, true},
		{`Kim NEAR Putin`, Document{Content: "Kim " + strings.Repeat("w ", 11) + "Putin"}, false},
		{`Kim NEAR Putin`, Document{Title: "Kim arrives", Content: "Putin waits"}, false}, // never across fields
		{`Kim NEAR Putin`, Document{Categories: []string{"Kim", "Putin"}}, false},         // nor across values
		{`"Kim Jong-un" NEAR/5 Putin`, koreaTimes, true},
		{`denuclear* NEAR/3 talks`, Document{Content: "denuclearization talks"}, true},
		{`Kim NEAR/8 Putin -sports`, sports, false},
		{`Kim NEAR Kim`, Document{Content: "Kim"}, false},
		{`Kim NEAR Kim`, Document{Content: "Kim and Kim"}, true},
		// Fields.
		{`title:summit`, koreaTimes, false},
		{`content:summit`, koreaTimes, true},
		{`title:(Putin OR Xi)`, koreaTimes, true},
		{`title:summit (Putin OR Xi)`, Document{Title: "Summit ends", Content: "Xi left"}, true},
		{`title:summit (Putin OR Xi)`, Document{Title: "Talks end", Content: "summit with Xi"}, false},
		{`author:"Jung Da-min"`, koreaTimes, true},
		{`author:Jung`, Document{Content: "Jung"}, false},
		{`category:diplomacy`, koreaTimes, true},
		{`diplomacy`, koreaTimes, true}, // categories are searched by default
		{`"korea diplomacy"`, koreaTimes, false},
		{`link:koreatimes`, koreaTimes, true},
		{`koreatimes`, koreaTimes, false},
		{`source:koreatimes`, koreaTimes, true},
		{`title:"Russia to meet"`, koreaTimes, true},
		{`-category:sports Putin`, sports, false},
		{`-title:sports Putin`, sports, true},
		{`title:Kim NEAR Putin`, koreaTimes, true},
		// Regexes.
		{`/kim.{0,20}putin/`, koreaTimes, true},
		{`/KIM JONG-UN/`, koreaTimes, true},
		{`title:/summit/`, koreaTimes, false},
		{`/\bv\w+stok\b/`, koreaTimes, true},
		// CJK substrings.
		{`푸틴`, Document{Title: "김정은, 푸틴과 정상회담"}, true},
		{`김정은 푸틴`, Document{Title: "김정은, 푸틴과 정상회담"}, true},
		{`김정은 시진핑`, Document{Title: "김정은, 푸틴과 정상회담"}, false},
		{`プーチン`, Document{Title: "金正恩氏とプーチン氏が会談"}, true},
		{`金正恩`, Document{Title: "金正恩氏とプーチン氏が会談"}, true},
		{`"김정은 위원장"`, Document{Content: "김정은 위원장은 러시아를 방문했다"}, true},
		{`"김정은 위원장"`, Document{Content: "위원장 김정은"}, false},
		{`정상회의`, Document{Title: "G7정상회의 개막"}, true},
		{`G7`, Document{Title: "G7정상회의 개막"}, true},
		{`ガス`, Document{Title: "カス"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			q, err := Parse(tt.query)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.query, err)
			}
			m := NewMatcher([]Rule{{Name: "r", Query: q}})
			got := len(m.Match(&tt.doc)) == 1
			if got != tt.want {
				t.Errorf("%q on %+v: matched = %v, want %v (canonical %s)", tt.query, tt.doc, got, tt.want, q)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		query, want string
	}{
		{``, "empty query"},
		{`   `, "empty query"},
		{`(Kim Putin`, "column 1: unbalanced parenthesis: this ( is not closed"},
		{`Kim Putin)`, "column 10: unbalanced parenthesis: no ( for this )"},
		{`Kim (Putin OR Xi`, "column 5: unbalanced parenthesis: this ( is not closed"},
		{`"Kim Putin`, "column 1: unbalanced quote: the phrase is not closed"},
		{`Kim ""`, "column 5: empty phrase"},
		{`Kim "  "`, "column 5: empty phrase"},
		{`titel:summit`, `column 1: unknown field "titel" (did you mean "title"?)`},
		{`Kim colour:red`, `column 5: unknown field "colour" (fields are title, content, author, category, link, source)`},
		{`Kim NEAR`, "column 5: NEAR needs a term on each side"},
		{`NEAR Putin`, "column 1: NEAR needs a term on each side"},
		{`Kim NEAR/x Putin`, "column 5: NEAR/ takes a number of words from 0 to 1000, as in NEAR/5"},
		{`(Kim Xi) NEAR Putin`, "column 1: NEAR needs a word, phrase or prefix on each side, not a group or regex"},
		{`a NEAR b NEAR c`, "column 10: NEAR joins exactly two terms; join several NEAR pairs with AND"},
		{`title:Kim NEAR content:Putin`, "column 11: NEAR terms are in different fields (title, content); a match never spans two fields"},
		{`/kim(/`, "column 1: invalid regex: missing closing ): `(?i)kim(`"},
		{`/kim`, "column 1: unterminated regex: no closing /"},
		{`//`, "column 1: empty regex"},
		{`-sports`, "column 1: query has only negated terms, so it would match everything; add a term to look for"},
		{`NOT sports -tennis`, "column 1: query has only negated terms, so it would match everything; add a term to look for"},
		{`Kim OR -sports`, "column 1: query would match items that contain none of its terms; an OR with a negated term matches almost everything"},
		{`Kim OR`, "column 5: OR needs a term on each side"},
		{`AND Kim`, "column 1: AND needs a term on each side"},
		{`Kim AND`, "column 5: AND needs a term on each side"},
		{`()`, "column 1: empty parentheses"},
		{`Kim NOT`, "column 5: NOT needs a term after it"},
		{`Kim - Putin`, `column 5: "-" has no letters or digits to match`},
		{`de*nuclear`, "column 3: * may only end a word, as in denuclear*"},
		{`"kim *"`, "column 6: * needs a word before it"},
		{`title:`, "column 1: field title: needs a term right after the colon"},
		{`title:(content:x)`, "column 8: field content: inside a group restricted to title:"},
		{`title:-x`, "column 7: put the negation before the field, as in -title:word"},
		{`김정은 (푸틴`, "column 5: unbalanced parenthesis: this ( is not closed"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			_, err := Parse(tt.query)
			if err == nil {
				t.Fatalf("Parse(%q) succeeded, want error %q", tt.query, tt.want)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("Parse(%q) error\n got %q\nwant %q", tt.query, got, tt.want)
			}
		})
	}
}

// TestParseLimits: 30,000 nested parentheses were accepted and made every
// matcher rebuild take seconds, and a chain of NOTs parsed in quadratic
// time (each token counted its column from the start of the query).
func TestParseLimits(t *testing.T) {
	deep := func(n int) string { return strings.Repeat("(", n) + "Putin" + strings.Repeat(")", n) }
	nots := func(n int) string { return "Kim " + strings.Repeat("NOT ", n) + "sports" }
	if _, err := Parse(deep(MaxDepth)); err != nil {
		t.Errorf("%d nested groups: %v", MaxDepth, err)
	}
	if _, err := Parse(nots(MaxDepth)); err != nil {
		t.Errorf("%d NOTs: %v", MaxDepth, err)
	}
	tests := []struct{ query, want string }{
		{deep(MaxDepth + 1), "column 33: ( nested more than 32 deep; simplify the query"},
		{deep(30000), "column 8193: query longer than 8192 bytes (60005); split it into several rules"},
		{nots(MaxDepth + 1), "column 133: NOT nested more than 32 deep; simplify the query"},
		{"Kim " + strings.Repeat("-", MaxDepth+1) + "x", "column 37: - nested more than 32 deep; simplify the query"},
		{"Kim (" + strings.Repeat("NOT (", 16) + "x" + strings.Repeat(")", 17), "column 85: ( nested more than 32 deep; simplify the query"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.query)
		if err == nil || err.Error() != tt.want {
			t.Errorf("Parse(%.40q...) = %v, want %q", tt.query, err, tt.want)
		}
	}
	// Columns are still counted in runes, however far into a long query.
	var long strings.Builder
	for long.Len() < MaxQueryBytes-200 {
		long.WriteString("김정은 OR ")
	}
	q := long.String() + "(푸틴"
	want := fmt.Sprintf("column %d: unbalanced parenthesis: this ( is not closed", utf8.RuneCountInString(long.String())+1)
	if _, err := Parse(q); err == nil || err.Error() != want {
		t.Errorf("an error at the end of a long query: %v, want %q", err, want)
	}
}

func TestCanonical(t *testing.T) {
	tests := []struct {
		query, want string
	}{
		{`"Kim-Putin summit"`, `"kim putin summit"`},
		{`Kim-Putin`, `"kim putin"`},
		{`Kim NEAR/8 Putin -sports`, `kim NEAR/8 putin AND NOT sports`},
		{`Kim NEAR Putin`, `kim NEAR/10 putin`},
		{`title:summit (Putin OR Xi)`, `title:summit AND (putin OR xi)`},
		{`title:(a OR "b c")`, `title:a OR title:"b c"`},
		{`a OR b c`, `a OR (b AND c)`},
		{`a (b OR c) -(d e)`, `a AND (b OR c) AND NOT (d AND e)`},
		{`a -(b NEAR c)`, `a AND NOT (b NEAR/10 c)`},
		{`denuclear*`, `denuclear*`},
		{`/a\/b/`, `/a\/b/`},
		{`content:/x\d+/`, `content:/x\d+/`},
		{`ＫＩＭ Sergéi`, `kim AND sergei`},
		{`김정은 푸틴`, `김정은 AND 푸틴`},
		{`((a))`, `a`},
		{`a AND (b AND c)`, `a AND b AND c`},
		{`Title:Kim`, `title:kim`},
		{`link:https://example.com/x`, `link:"https example com x"`},
		{`https://example.com`, `"https example com"`},
	}
	for _, tt := range tests {
		q, err := Parse(tt.query)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.query, err)
			continue
		}
		if got := q.String(); got != tt.want {
			t.Errorf("Parse(%q).String() = %q, want %q", tt.query, got, tt.want)
		}
		q2, err := Parse(q.String())
		if err != nil {
			t.Errorf("reparse %q: %v", q.String(), err)
			continue
		}
		if q2.String() != q.String() {
			t.Errorf("reparse %q gives %q", q.String(), q2.String())
		}
	}
}

func TestExplain(t *testing.T) {
	q, err := Parse(`"Kim-Putin summit" OR (Kim NEAR/8 Putin AND summit) -sports`)
	if err != nil {
		t.Fatal(err)
	}
	m := NewMatcher([]Rule{{Name: "kim-putin", Query: q}})
	got := m.Match(&koreaTimes)
	if len(got) != 1 {
		t.Fatalf("got %d matches, want 1", len(got))
	}
	if got[0].Name != "kim-putin" || got[0].Rule != 0 {
		t.Errorf("match names rule %d %q, want 0 \"kim-putin\"", got[0].Rule, got[0].Name)
	}
	var spans []string
	for _, h := range got[0].Hits {
		spans = append(spans, h.Field.String()+":"+koreaTimes.Value(h.Field, h.Value)[h.Start:h.End]+"="+h.Term)
	}
	want := []string{
		"title:Kim=kim NEAR/8 putin",
		"title:Putin=kim NEAR/8 putin",
		"content:Kim=kim NEAR/8 putin",
		"content:Kim–Putin summit=\"kim putin summit\"",
		"content:Putin=kim NEAR/8 putin",
		"content:summit=summit",
	}
	if strings.Join(spans, "\n") != strings.Join(want, "\n") {
		t.Errorf("hits:\n%s\nwant:\n%s", strings.Join(spans, "\n"), strings.Join(want, "\n"))
	}
}

// A phrase longer than the compact index of terms records (255 words) is
// matched from its atom, with its anchor far inside it.
func TestLongPhrase(t *testing.T) {
	words := make([]string, 300)
	for i := range words {
		words[i] = fmt.Sprintf("w%d", i%50)
	}
	words[280] = "anchorwordthelongest"
	phrase := strings.Join(words, " ")
	q, err := Parse(`"` + phrase + `"`)
	if err != nil {
		t.Fatal(err)
	}
	m := NewMatcher([]Rule{{Name: "long", Query: q}})
	if got := m.Match(&Document{Content: "before " + phrase + " after"}); len(got) != 1 {
		t.Errorf("the whole phrase: %d matches, want 1", len(got))
	}
	changed := strings.Replace(phrase, "w10 w11", "w10 x11", 1)
	if got := m.Match(&Document{Content: changed}); len(got) != 0 {
		t.Errorf("one word changed: %d matches, want 0", len(got))
	}
}
