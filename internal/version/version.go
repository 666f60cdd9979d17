// Package version says which feedhound this is, from one source: the
// build information the go command records in every binary (the module
// version of 'go install …@v1.2.3', the pseudo-version and VCS revision of
// a 'go build' in a checkout), or the version a release build sets with
//
//	go build -ldflags "-X github.com/feedhound/feedhound/internal/version.release=v1.2.3" ./cmd/feedhound
//
// `feedhound version`, the User-Agent of every request and the generator
// of every feed all say the same.
package version

import (
	"runtime/debug"
	"strings"
	"sync"
)

// release, when set at link time, is the version.
var release string

// Info is what the build says of this binary.
type Info struct {
	Version  string `json:"version"` // v1.2.3, a pseudo-version, or devel
	Revision string `json:"revision,omitempty"`
	Time     string `json:"time,omitempty"`
	Modified bool   `json:"modified,omitempty"`
	Go       string `json:"go"`
}

// Get returns the build's information, read once.
var Get = sync.OnceValue(func() Info {
	v := Info{Version: "devel"}
	bi, ok := debug.ReadBuildInfo()
	if ok {
		v.Go = bi.GoVersion
		if m := bi.Main.Version; m != "" && m != "(devel)" {
			v.Version = m
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				v.Revision = s.Value
			case "vcs.time":
				v.Time = s.Value
			case "vcs.modified":
				v.Modified = s.Value == "true"
			}
		}
	}
	if release != "" {
		v.Version = release
	}
	v.Version = strings.TrimSuffix(v.Version, "+dirty")
	return v
})

// String is the version alone: what the User-Agent and the feeds'
// generator carry.
func String() string { return Get().Version }
