package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"github.com/feedhound/feedhound/config"
)

const completionUsage = `Usage:
  feedhound completion bash|zsh|fish

Prints a script that makes the shell complete feedhound's commands, their
flags, and the names of the rules, sources and notifiers of the
configuration file (--config, or ./feedhound.yaml) where a flag or an
argument takes one. The script asks feedhound itself what to offer, so it
stays true as commands change.

Exit status: 0, or 2 for bad usage.

Examples:
  source <(feedhound completion bash)                 # in ~/.bashrc
  feedhound completion zsh > "${fpath[1]}/_feedhound"  # then restart zsh
  feedhound completion fish > ~/.config/fish/completions/feedhound.fish
`

// The scripts ask 'feedhound __complete WORD...' with the words typed
// after the command's name, the last the one being completed. An answer
// of one line ":files" asks for the shell's own completion of files.
const (
	bashCompletion = `# bash completion for feedhound
_feedhound() {
	local cur=${COMP_WORDS[COMP_CWORD]}
	local out
	out=$("${COMP_WORDS[0]}" __complete "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)
	if [ "$out" = ":files" ]; then
		COMPREPLY=($(compgen -f -- "$cur"))
		return
	fi
	COMPREPLY=($(compgen -W "$out" -- "$cur"))
}
complete -o default -F _feedhound feedhound
`
	zshCompletion = `#compdef feedhound
# zsh completion for feedhound
_feedhound() {
	local -a words_typed out
	words_typed=("${(@)words[2,CURRENT]}")
	out=("${(@f)$("${words[1]}" __complete "${(@)words_typed}" 2>/dev/null)}")
	if [[ "${out[1]}" == ":files" ]]; then
		_files
		return
	fi
	compadd -- "${(@)out}"
}
compdef _feedhound feedhound
`
	fishCompletion = `# fish completion for feedhound
function __feedhound_complete
	set -l typed (commandline -opc) (commandline -ct)
	set -l out (feedhound __complete $typed[2..-1] 2>/dev/null)
	if test "$out" = ":files"
		__fish_complete_path (commandline -ct)
		return
	end
	printf '%s\n' $out
end
complete -c feedhound -f -a '(__feedhound_complete)'
`
)

func runCompletion(_ context.Context, e *env, args []string) int {
	fs := flag.NewFlagSet("completion", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), completionUsage) }
	pos, code, ok := parseFlags(fs, args, e)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return usageError(e, "completion", "want bash, zsh or fish")
	}
	script, ok := map[string]string{"bash": bashCompletion, "zsh": zshCompletion, "fish": fishCompletion}[pos[0]]
	if !ok {
		return usageError(e, "completion", "no completion for %q; want bash, zsh or fish", pos[0])
	}
	fmt.Fprint(e.stdout, script)
	return exitMatch
}

// subcommands are the words that come first after a command.
var subcommands = map[string][]string{
	"token":         {"create", "list", "revoke"},
	"notifications": {"retry"},
	"notify":        {"test"},
	"completion":    {"bash", "zsh", "fish"},
}

// flagValues are what a flag's value may be, where feedhound knows:
// "files" for a file, "rules", "sources" or "notifiers" for names of the
// configuration, or the words.
var flagValues = map[string][]string{
	"--config":     {"files"},
	"--rules":      {"files"},
	"--from":       {"files"},
	"--rule":       {"rules"},
	"--source":     {"sources"},
	"--notifier":   {"notifiers"},
	"--log-format": {"text", "json"},
	"--log-level":  {"debug", "info", "warn", "error"},
	"--color":      {"auto", "always", "never"},
}

// flagRE finds the flags a command's help lists: "  --config FILE".
var flagRE = regexp.MustCompile(`(?m)^\s+(--[a-z][a-z-]*)`)

// runComplete answers the completion scripts: the words that may follow
// those typed, one a line, the last word being the one completed.
func runComplete(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 {
		args = []string{""}
	}
	typed, cur := args[:len(args)-1], args[len(args)-1]
	var offer []string
	switch {
	case len(typed) == 0:
		for _, c := range commands() {
			offer = append(offer, c.name)
		}
	case typed[0] == "help":
		if len(typed) == 1 {
			for _, c := range commands() {
				offer = append(offer, c.name)
			}
		}
	default:
		cmd := typed[0]
		prev := typed[len(typed)-1]
		flags := flagsOf(ctx, cmd)
		if values, ok := flagValues[prev]; ok && slices.Contains(flags, prev) {
			offer = valuesOf(ctx, values, configOf(typed))
			break
		}
		if strings.HasPrefix(cur, "-") {
			offer = flags
			break
		}
		switch {
		case len(typed) == 1 && subcommands[cmd] != nil:
			offer = subcommands[cmd]
		case cmd == "notify" && len(typed) == 2 && typed[1] == "test":
			offer = valuesOf(ctx, []string{"notifiers"}, configOf(typed))
		case cmd == "match" || cmd == "scrape":
			offer = []string{":files"} // feeds and pages saved as files
		}
	}
	for _, o := range offer {
		if strings.HasPrefix(o, cur) || o == ":files" {
			fmt.Fprintln(e.stdout, o)
		}
	}
	return exitMatch
}

// flagsOf lists the flags a command's help names.
func flagsOf(ctx context.Context, cmd string) []string {
	var b strings.Builder
	if run(ctx, []string{cmd, "--help"}, nil, &b, io.Discard) != exitMatch {
		return nil
	}
	var out []string
	for _, m := range flagRE.FindAllStringSubmatch(b.String(), -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	return append(out, "--help")
}

// flagTakes reports whether a command has a flag that takes a value.
func flagTakes(cmd, flag string) bool {
	return slices.Contains(flagsOf(context.Background(), cmd), flag)
}

// configOf is the configuration file the typed words name, if any.
func configOf(typed []string) string {
	for i, w := range typed {
		if w == "--config" && i+1 < len(typed) {
			return typed[i+1]
		}
		if v, ok := strings.CutPrefix(w, "--config="); ok {
			return v
		}
	}
	return defaultConfig
}

// valuesOf turns the kinds of values into what to offer: the names of
// the configuration at path, ":files" for the shell's own completion of
// files, or the words themselves.
func valuesOf(ctx context.Context, kinds []string, path string) []string {
	var out []string
	var c *config.Config
	load := func() *config.Config {
		if c == nil {
			// A file with problems offers nothing.
			if c, _ = config.LoadWithoutSecrets(path); c == nil {
				c = &config.Config{}
			}
		}
		return c
	}
	for _, k := range kinds {
		switch k {
		case "files":
			return []string{":files"}
		case "rules":
			for _, r := range load().Rules {
				out = append(out, r.Name)
			}
		case "sources":
			for _, s := range load().Sources {
				out = append(out, s.Name)
			}
		case "notifiers":
			for _, n := range load().Notifiers {
				out = append(out, n.Name)
			}
		default:
			out = append(out, k)
		}
	}
	return out
}
