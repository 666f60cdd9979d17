package suggest

import "testing"

func TestNearest(t *testing.T) {
	known := []string{"title", "content", "author", "category", "link", "source"}
	tests := []struct {
		name, want string
		ok         bool
	}{
		{"titel", "title", true},
		{"autor", "author", true},
		{"categories", "", false}, // three edits away
		{"colour", "", false},
		{"link", "link", true},
	}
	for _, tt := range tests {
		got, ok := Nearest(tt.name, known)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Nearest(%q) = %q, %v; want %q, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}
