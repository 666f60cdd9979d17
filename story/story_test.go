package story

import (
	"bufio"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedhound/feedhound/internal/corpus"
)

// labelled is an item of testdata/stories with its story's label.
type labelled struct {
	label, source string
	doc           Doc
}

func readFixtures(t testing.TB) []labelled {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "testdata", "stories", "stories.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []labelled
	label := ""
	var field *string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "":
			field = nil
		case strings.HasPrefix(line, "=== "):
			label, field = strings.TrimPrefix(line, "=== "), nil
		case strings.HasPrefix(line, "--- "):
			src, at, ok := strings.Cut(strings.TrimPrefix(line, "--- "), " | ")
			tm, err := time.Parse(time.RFC3339, at)
			if !ok || err != nil || label == "" {
				t.Fatalf("stories.txt:%d: want --- SOURCE | RFC 3339 time under a === label", n)
			}
			out = append(out, labelled{label: label, source: src, doc: Doc{Published: tm}})
		case strings.HasPrefix(line, "title:") && len(out) > 0:
			field = &out[len(out)-1].doc.Title
			*field = strings.TrimSpace(strings.TrimPrefix(line, "title:"))
		case strings.HasPrefix(line, "body:") && len(out) > 0:
			field = &out[len(out)-1].doc.Text
			*field = strings.TrimSpace(strings.TrimPrefix(line, "body:"))
		case field != nil:
			*field += " " + strings.TrimSpace(line)
		default:
			t.Fatalf("stories.txt:%d: unexpected line %q", n, line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// sameEvent reports whether two labels are one story or one event: a
// rewrite's label names the event.
func sameEvent(a, b string) bool { return a == b }

// TestPrecisionAndRecall groups the labelled fixtures through an Index,
// in order of publication, and holds pairwise precision (pairs grouped
// that are one story) and recall (pairs of copies that are grouped) to
// thresholds. Precision comes first: a false merge hides news.
func TestPrecisionAndRecall(t *testing.T) {
	items := readFixtures(t)
	slices.SortStableFunc(items, func(a, b labelled) int { return a.doc.Published.Compare(b.doc.Published) })
	ix := NewIndex(0)
	stories := make([]int64, len(items))
	for i, it := range items {
		stories[i] = ix.Add(int64(i+1), Sign(it.doc))
	}
	var grouped, falseMerges, copies, copiesGrouped, rewrites, rewritesGrouped int
	for i := range items {
		for j := i + 1; j < len(items); j++ {
			a, b := items[i], items[j]
			together := stories[i] == stories[j]
			same := sameEvent(a.label, b.label)
			rewrite := same && strings.HasPrefix(a.label, "rewrite:")
			if together {
				grouped++
				if !same {
					falseMerges++
					t.Errorf("false merge: %s %q (%s) with %s %q (%s)", a.source, a.doc.Title, a.label, b.source, b.doc.Title, b.label)
				}
			}
			switch {
			case rewrite:
				rewrites++
				if together {
					rewritesGrouped++
				}
			case same:
				copies++
				if together {
					copiesGrouped++
				} else {
					t.Logf("copies apart: %s %q with %s %q (%s)", a.source, a.doc.Title, b.source, b.doc.Title, a.label)
				}
			}
		}
	}
	precision := 1.0
	if grouped > 0 {
		precision = float64(grouped-falseMerges) / float64(grouped)
	}
	recall := float64(copiesGrouped) / float64(copies)
	t.Logf("%d items; pairs grouped %d, false merges %d; copies %d, grouped %d; rewrites %d, grouped %d",
		len(items), grouped, falseMerges, copies, copiesGrouped, rewrites, rewritesGrouped)
	t.Logf("pairwise precision %.3f, recall of copies %.3f", precision, recall)
	if precision < 0.99 {
		t.Errorf("precision %.3f, want at least 0.99", precision)
	}
	if recall < 0.9 {
		t.Errorf("recall of copies %.3f, want at least 0.9", recall)
	}
}

func TestSameChecksFiguresAndTime(t *testing.T) {
	at := time.Date(2026, 9, 14, 15, 45, 0, 0, time.UTC)
	kospi := func(points, close string, at time.Time) Signature {
		return Sign(Doc{Title: "Seoul shares close higher", Published: at,
			Text: "Seoul shares closed higher, led by gains in chipmakers. The benchmark KOSPI rose " + points +
				" points to close at " + close + ". Trading volume was moderate, with gainers outnumbering losers across the board."})
	}
	a, b, c := kospi("21.37", "2,536.12", at), kospi("21.37", "2,536.12", at.Add(time.Hour)), kospi("8.04", "2,544.16", at.Add(24*time.Hour))
	if !Same(&a, &b) {
		t.Error("two copies of one market report are not the same story")
	}
	if Same(&a, &c) {
		t.Error("two days' market reports with other figures are the same story")
	}
	short := func(title string, at time.Time) Signature { return Sign(Doc{Title: title, Published: at}) }
	s1, s2 := short("Kim-Putin summit ends after three hours of talks", at), short("Kim-Putin summit ends after three hours of talks", at.Add(10*time.Minute))
	s3 := short("Kim-Putin summit ends after three hours of talks", at.Add(2*24*time.Hour))
	s4 := short("Kim-Putin summit begins in Vladivostok", at.Add(5*time.Minute))
	if !Same(&s1, &s2) || Same(&s1, &s3) || Same(&s1, &s4) {
		t.Errorf("titles only: same title close in time %v (want true), days apart %v, another title %v (want false)",
			Same(&s1, &s2), Same(&s1, &s3), Same(&s1, &s4))
	}
	var empty Signature
	if Same(&empty, &empty) || Same(&a, &empty) {
		t.Error("an item without text is some story's")
	}
}

func TestIndexAgesOutAndStaysSmall(t *testing.T) {
	ix := NewIndex(24 * time.Hour)
	start := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	doc := func(i int, at time.Time) Signature {
		return Sign(Doc{Published: at, Title: "Report number " + strings.Repeat("x", i%7),
			Text: "The same agency report about the summit is carried again and again by many outlets across the region today, word for word."})
	}
	first := ix.Add(1, doc(0, start))
	if got := ix.Add(2, doc(1, start.Add(time.Hour))); got != first {
		t.Errorf("a copy an hour later is story %d, want %d", got, first)
	}
	if got := ix.Add(3, doc(2, start.Add(30*time.Hour))); got != 3 {
		t.Errorf("a copy 30 hours later, past the window, is story %d, want its own (3)", got)
	}
	if ix.Len() != 1 {
		t.Errorf("%d items kept, want 1: the first two aged out", ix.Len())
	}
	for i := range 1000 {
		ix.Add(int64(10+i), doc(i, start.Add(time.Duration(i)*time.Hour)))
	}
	if n := ix.Len(); n > 25 {
		t.Errorf("%d items kept of a 24-hour window of hourly items", n)
	}
	if ix.heads.n > 25*bands || ix.nSlots > 30 {
		t.Errorf("%d band keys and %d slots kept for %d items", ix.heads.n, ix.nSlots, ix.Len())
	}
}

// TestMinhashEstimatesJaccard: the share of buckets in which two
// signatures agree is close to the sets' Jaccard similarity, the property
// the index's bands rely on.
func TestMinhashEstimatesJaccard(t *testing.T) {
	for _, c := range []struct{ shared, own int }{{60, 0}, {45, 10}, {30, 20}, {20, 40}, {5, 60}, {3, 1}} {
		var totalAgree, trials float64
		for seed := range 200 {
			var a, b []uint32
			base := uint32(seed * 1000)
			for i := range c.shared {
				a, b = append(a, base+uint32(i)), append(b, base+uint32(i))
			}
			for i := range c.own {
				a, b = append(a, base+500+uint32(i)), append(b, base+700+uint32(i))
			}
			ma, mb := minhash(a), minhash(b)
			agree := 0
			for i := range ma {
				if ma[i] == mb[i] {
					agree++
				}
			}
			totalAgree += float64(agree) / numHashes
			trials++
		}
		j := float64(c.shared) / float64(c.shared+2*c.own)
		if got := totalAgree / trials; got < j-0.06 || got > j+0.06 {
			t.Errorf("%d shared, %d each: buckets agree %.2f of the time, Jaccard %.2f", c.shared, c.own, got, j)
		}
	}
}

func TestAmericanSpelling(t *testing.T) {
	for british, american_ := range map[string]string{
		"organised": "organized", "organisation": "organization", "organisations": "organizations", "colour": "color",
		"labours": "labors", "centre": "center", "defence": "defense", "catalogue": "catalog", "travelled": "traveled",
		"travelling": "traveling", "programme": "program", "analysed": "analyzed", "summit": "summit", "Putin": "Putin",
	} {
		if got := american(british); got != american_ {
			t.Errorf("american(%q) = %q, want %q", british, got, american_)
		}
	}
}

// TestUnrelatedItemsAreSeldomCandidates: items that share only common
// words share a band with few of 20,000 others, so a new item is checked
// against a handful, not a share of the index (banding neighbouring,
// densified buckets once made it a hundred times as many).
func TestUnrelatedItemsAreSeldomCandidates(t *testing.T) {
	at := time.Date(2026, 9, 10, 0, 0, 0, 0, time.UTC)
	g := corpus.New(7, 20000)
	ix := NewIndex(0)
	for i := range 20000 {
		ix.Put(int64(i+1), int64(i+1), signItem(g, 600, at))
	}
	total := 0
	for range 200 {
		sig := signItem(g, 600, at)
		total += ix.candidates(&sig)
	}
	if avg := float64(total) / 200; avg > 0.1 {
		t.Errorf("%.2f candidates a new item among 20,000 unrelated ones, want at most 0.1", avg)
	}
}

// signItem signs a new item of the corpus, of about size bytes,
// published at.
func signItem(g *corpus.Generator, size int, at time.Time) Signature {
	it := g.Item(size)
	return Sign(Doc{Title: it.Title, Text: it.Content, Published: at})
}

// candidates returns how many items of ix share a band with sig: those
// Find checks.
func (ix *Index) candidates(sig *Signature) int {
	seen := map[int32]bool{}
	for b := range bands {
		head, _ := ix.heads.get(sig.bands[b])
		for i := head; i >= 0; i = ix.slot(i).next[b] {
			seen[i] = true
		}
	}
	return len(seen)
}

// TestBandTableAgreesWithAMap: keys pushed and removed at random, many
// of them in one probe run (few distinct low bits), are found as a map
// finds them, through growth and the moves removal makes.
func TestBandTableAgreesWithAMap(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var tb bandTable
	want := map[uint32]int32{}
	key := func() uint32 {
		if r.IntN(2) == 0 {
			return uint32(1+r.IntN(64)) << 24 // same hash's low bits: collisions
		}
		return 1 + r.Uint32()%5000 // not 0, which is kept as 1
	}
	for i := range 200000 {
		k := key()
		if _, ok := want[k]; ok && r.IntN(3) == 0 {
			p, found := tb.find(k)
			if !found {
				t.Fatalf("key %d, pushed, not found", k)
			}
			tb.removeAt(p)
			delete(want, k)
		} else {
			old := tb.push(k, int32(i))
			if prev, ok := want[k]; ok != (old >= 0) || ok && prev != old {
				t.Fatalf("push %d: old head %d, want %d (%v)", k, old, prev, ok)
			}
			want[k] = int32(i)
		}
		if i%1000 == 0 {
			for k, v := range want {
				if got, ok := tb.get(k); !ok || got != v {
					t.Fatalf("after %d steps: key %d gives %d, %v; want %d", i, k, got, ok, v)
				}
			}
			if tb.n != len(want) {
				t.Fatalf("%d keys, want %d", tb.n, len(want))
			}
		}
	}
	for range 1000 {
		k := key()
		_, ok := want[k]
		if _, got := tb.get(k); got != ok {
			t.Fatalf("key %d: found %v, want %v", k, got, ok)
		}
	}
}

// TestIndexReusesWhatAgesOut: items age out by the thousand, so chunks of
// sets empty and are filled again many times over; the items kept are
// still found by their copies, and the chunks and slots stay near what
// the window's items need.
func TestIndexReusesWhatAgesOut(t *testing.T) {
	g := corpus.New(3, 20000)
	ix := NewIndex(10 * time.Hour)
	start := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	var recent []Doc
	used := 0
	for i := range 30000 {
		it := g.Item(600)
		d := Doc{Title: it.Title, Text: it.Content, Published: start.Add(time.Duration(i) * time.Minute)}
		if i%2 == 1 { // some out of order
			d.Published = d.Published.Add(-3 * time.Hour)
		}
		ix.Add(int64(i+1), Sign(d))
		if i >= 29900 {
			recent = append(recent, d)
		}
		if i == 1000 {
			used = int(ix.nSlots)
		}
	}
	for j, d := range recent {
		d.Published = d.Published.Add(time.Minute)
		d.Title = strings.ToUpper(d.Title)
		sig := Sign(d)
		if got, ok := ix.Find(&sig); !ok || got != int64(29900+j+1) {
			t.Fatalf("a copy of item %d is story %d, %v", 29900+j+1, got, ok)
		}
	}
	if n := ix.Len(); n > 800 {
		t.Errorf("%d items kept of a 10-hour window of items a minute apart", n)
	}
	live := 0
	for _, i := range ix.ids {
		live += ix.slot(i).setsLen()
	}
	counted := 0
	for _, n := range ix.sets.live {
		counted += n
	}
	if counted != live {
		t.Errorf("the chunks count %d numbers kept, the items have %d", counted, live)
	}
	if n := len(ix.sets.chunks); n*chunkLen > 3*live+2*chunkLen {
		t.Errorf("%d chunks of sets for %d numbers kept", n, live)
	}
	if int(ix.nSlots) > 2*used {
		t.Errorf("%d slots for a window that needed %d", ix.nSlots, used)
	}
}

// TestStripDateline: the datelines of agencies and of places in capitals
// are dropped, with what ends them; other text is kept whole.
func TestStripDateline(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"SEOUL, Sept. 10 (Yonhap) -- North Korean leader Kim", "North Korean leader Kim"},
		{"VLADIVOSTOK, Russia (AP) — Kim Jong-un arrived", "Kim Jong-un arrived"},
		{"MOSCOW – The Kremlin said", "The Kremlin said"},
		{"(서울=연합뉴스) 김수진 기자 = 김정은 국무위원장이", "김정은 국무위원장이"},
		{"Kim said -- and Putin agreed", "Kim said -- and Putin agreed"},
		{"The talks -- held in (secret) -- ended", "The talks -- held in (secret) -- ended"}, // only the first dash can end one
		{"Officials in Seoul say a summit is near", "Officials in Seoul say a summit is near"},
		{"UN -- short place", "UN -- short place"}, // two capitals are an acronym, not a place
		{"", ""},
		{strings.Repeat("word ", 30) + "(AP) -- late", strings.Repeat("word ", 30) + "(AP) -- late"}, // past the head
	} {
		if got := stripDateline(c.in); got != c.want {
			t.Errorf("stripDateline(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestIsNumber(t *testing.T) {
	for w, want := range map[string]bool{"2026": true, "g20": true, "summit": false, "١٢": true, "café": false, "été3": true, "": false} {
		if got := isNumber(w); got != want {
			t.Errorf("isNumber(%q) = %v, want %v", w, got, want)
		}
	}
}

// TestManyCopiesOfOneStory: a story carried by thousands of feeds is
// found for a new copy by checking a bounded number of its copies, not
// all of them.
func TestManyCopiesOfOneStory(t *testing.T) {
	at := time.Date(2026, 9, 10, 0, 0, 0, 0, time.UTC)
	g := corpus.New(5, 2000)
	it := g.Item(800)
	ix := NewIndex(0)
	first := int64(0)
	for i := range 5000 {
		sig := Sign(Doc{Title: it.Title, Text: it.Content, Published: at.Add(time.Duration(i) * time.Second)})
		story := ix.Add(int64(i+1), sig)
		if i == 0 {
			first = story
		}
		if story != first {
			t.Fatalf("copy %d: story %d, want %d", i, story, first)
		}
		if len(ix.seen) > maxCandidates {
			t.Fatalf("copy %d: %d candidates checked", i, len(ix.seen))
		}
	}
}

// TestQuickUnitsAgree holds the quick path through ASCII text to what
// rules' tokenizer makes of the same text, on news-like items and on
// random strings of letters, digits, punctuation and the separators.
func TestQuickUnitsAgree(t *testing.T) {
	texts := []string{"", "Kim-Putin summit", "U.S. O'Brien's 2-1 win \u2014 \u201cquoted\u201d\u2026 \u2018single\u2019 \u00abguillemets\u00bb", "ORGANISE the centre\u2019s programme", "caf\u00e9 au lait"}
	for _, it := range corpus.New(5, 20000).Items(300, 1024) {
		texts = append(texts, it.Title, it.Content)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("abcXYZ019 .,;:'\"-_/()[]&%$#@!?\t\n\r\u00a0\u2019\u201c\u201d\u2014\u2013\u2026\u00b0")
	others := []rune("\u00e9\u00df\uac00\u4e00\u0301")
	for i := range 3000 {
		var b strings.Builder
		for range rng.IntN(80) {
			b.WriteRune(alphabet[rng.IntN(len(alphabet))])
		}
		if i%4 == 0 { // a character the quick path leaves to the tokenizer
			b.WriteRune(others[rng.IntN(len(others))])
		}
		texts = append(texts, b.String())
	}
	quick := 0
	for _, s := range texts {
		for _, limit := range []int{1, 5, 60} {
			got, ok := quickUnits(nil, s, limit)
			if !ok {
				continue
			}
			quick++
			if want := tokenizedUnits(nil, s, limit); !slices.Equal(got, want) {
				t.Fatalf("%q, limit %d: quick %v, tokenizer %v", s, limit, got, want)
			}
		}
	}
	if quick < len(texts) {
		t.Errorf("the quick path read %d of %d texts", quick, 3*len(texts))
	}
	for _, it := range corpus.New(5, 20000).Items(300, 1024) {
		if _, ok := quickUnits(nil, it.Content, 60); !ok {
			t.Fatalf("the quick path declined a corpus item: %.80q", it.Content)
		}
	}
}

// TestOldItemsFindTheSameStories holds Add to a model of the index — an
// item is the story of the earliest item it is the Same as among those
// still kept (published within a window of the newest) and published
// within a window of it — for items in any order over ten days, copies
// among them; and holds to it a watcher's shortcut of not signing items
// published before Horizon, which makes them stories of their own.
func TestOldItemsFindTheSameStories(t *testing.T) {
	const window = 24 * time.Hour
	start := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	g := corpus.New(11, 5000)
	rng := rand.New(rand.NewPCG(3, 4))
	type added struct {
		id, story int64
		sig       Signature
	}
	var model []added
	var newest time.Time
	ix, skipping := NewIndex(window), NewIndex(window)
	var docs []corpus.Item
	skipped, grouped := 0, 0
	for n := range 2000 {
		id := int64(n + 1)
		var it corpus.Item
		if len(docs) > 0 && rng.IntN(3) == 0 {
			it = docs[rng.IntN(len(docs))] // a copy, dated anew
		} else {
			it = g.Item(400)
			if docs = append(docs, it); len(docs) > 40 {
				docs = docs[1:] // copies are of recent items
			}
		}
		// Mostly the last days, as a watcher sees them; now and then an
		// old item, as a new source's first poll brings.
		at := start.Add(time.Duration(n) * 15 * time.Minute).Add(-time.Duration(rng.IntN(12)) * time.Hour)
		if rng.IntN(10) == 0 {
			at = at.Add(-time.Duration(rng.IntN(10*24)) * time.Hour)
		}
		sig := Sign(Doc{Title: it.Title, Text: it.Content, Published: at})
		want := id
		var best *added
		for k := range model {
			m := &model[k]
			gap := m.sig.published.Sub(at)
			if newest.Sub(m.sig.published) > window || gap > window || gap < -window || !Same(&m.sig, &sig) {
				continue
			}
			if best == nil || m.sig.published.Before(best.sig.published) || m.sig.published.Equal(best.sig.published) && m.id < best.id {
				best = m
			}
		}
		if best != nil {
			want = best.story
			grouped++
		}
		model = append(model, added{id: id, story: want, sig: sig})
		if at.After(newest) {
			newest = at
		}
		if got := ix.Add(id, sig); got != want {
			t.Fatalf("item %d, published %s: story %d, want %d", id, at, got, want)
		}
		if at.Before(skipping.Horizon()) {
			if want != id {
				t.Fatalf("item %d, published %s before the horizon %s, is a copy of story %d", id, at, skipping.Horizon(), want)
			}
			skipped++
			continue
		}
		if got := skipping.Add(id, sig); got != want {
			t.Fatalf("item %d, published %s, with the old ones skipped: story %d, want %d", id, at, got, want)
		}
	}
	if ix.Len() != skipping.Len() {
		t.Errorf("%d items kept, %d when the old ones are skipped", ix.Len(), skipping.Len())
	}
	t.Logf("%d items skipped, %d grouped", skipped, grouped)
	if skipped < 100 || grouped < 300 {
		t.Errorf("%d items skipped and %d grouped: the test no longer tries the shortcut", skipped, grouped)
	}
}
