package rules

import (
	"strings"
	"testing"
)

func TestSnippetOf(t *testing.T) {
	q, _ := Parse(`"Kim-Putin summit" OR Vladivostok`)
	m := NewMatcher([]Rule{{Query: q}})
	doc := Document{Content: strings.Repeat("Earlier reports said little. ", 6) +
		"North Korean leader Kim Jong-un may travel to Vladivostok this month for the upcoming Kim–Putin summit, officials said. " +
		strings.Repeat("Other news followed. ", 6)}
	var hits []Hit
	for _, h := range m.Match(&doc)[0].Hits {
		if h.Field == FieldContent {
			hits = append(hits, h)
		}
	}
	s := SnippetOf(doc.Content, hits, 40)
	if wide := SnippetOf(doc.Content, hits, 90); !strings.Contains(wide.Text, "Kim–Putin summit") || len(wide.Spans) != 2 {
		t.Errorf("a wider snippet has both hits: %+v", wide)
	}
	var marked strings.Builder
	at := 0
	for _, sp := range s.Spans {
		marked.WriteString(s.Text[at:sp[0]] + "[" + s.Text[sp[0]:sp[1]] + "]")
		at = sp[1]
	}
	marked.WriteString(s.Text[at:])
	want := "…leader Kim Jong-un may travel to [Vladivostok] this month for the upcoming…"
	if marked.String() != want {
		t.Errorf("snippet\n got %s\nwant %s", marked.String(), want)
	}
	if s := SnippetOf("short text", nil, 40); s.Text != "short text" || len(s.Spans) != 0 {
		t.Errorf("no hits: %+v", s)
	}
}
