package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/feedhound/feedhound/config"
	"github.com/feedhound/feedhound/internal/password"
	"github.com/feedhound/feedhound/store"
)

const userUsage = `Usage:
  feedhound user add [--config FILE] [--admin] [--password-file FILE] NAME
  feedhound user list [--config FILE] [--json]
  feedhound user passwd [--config FILE] [--password-file FILE] NAME
  feedhound user remove [--config FILE] NAME

Manages the people who sign in to the web app. A user is an account
with a password: its alerts, its sources and its API tokens are the
account's. An admin sees every account's alerts and manages users and
sources.

The password (at least 10 characters) is read from the terminal without
echo, asked twice; from the first line of standard input when it is not
a terminal; or from the first line of --password-file. Only an argon2id
hash of it is kept.

passwd sets a new password and signs the user out everywhere. remove
takes the password away and signs the user out: the account keeps its
alerts and sources, which admins still see, and its API tokens, which
"feedhound token revoke" ends. The last admin who can sign in is not
removed.

Flags:
  --config FILE          the configuration file, for its database (default ./feedhound.yaml)
  --admin                add: an admin (an existing account becomes one)
  --password-file FILE   add, passwd: read the password from FILE's first line
  --json                 list: one JSON object per line: name, admin, created

Exit status: 0 on success, 1 if no such user, 2 for bad usage or an error.

Examples:
  feedhound user add --admin ana
  echo "$PASSWORD" | feedhound user add min-jun
  feedhound user passwd --password-file /run/secrets/min-jun min-jun
  feedhound user list --json | jq -r .name
`

func runUser(ctx context.Context, e *env, args []string) int {
	sub, code, ok := subcommand(e, "user", userUsage, args, "add", "list", "passwd", "remove")
	if !ok {
		return code
	}
	fs := flag.NewFlagSet("user", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), userUsage) }
	path := fs.String("config", defaultConfig, "")
	admin := fs.Bool("admin", false, "")
	pwFile := fs.String("password-file", "", "")
	asJSON := fs.Bool("json", false, "")
	pos, code, ok := parseFlags(fs, args[1:], e)
	if !ok {
		return code
	}
	var name string
	switch {
	case sub == "list" && len(pos) > 0:
		return usageError(e, "user", "unexpected argument %q", pos[0])
	case sub == "list":
	case len(pos) != 1:
		return usageError(e, "user", "want one user name")
	case !config.ValidName(pos[0]):
		return usageError(e, "user", "user name %q: use lower-case letters, digits, '.', '_' and '-'", pos[0])
	default:
		name = pos[0]
	}
	var hash string
	if sub == "add" || sub == "passwd" {
		pw, err := readPassword(e, *pwFile)
		if err == nil {
			hash, err = password.Hash(pw)
		}
		if err != nil {
			fmt.Fprintf(e.stderr, "feedhound: %v\n", err)
			return exitError
		}
	}
	_, st, err := openStore(ctx, *path)
	if err != nil {
		return configError(e, err)
	}
	defer st.Close()
	switch sub {
	case "add":
		err = st.AddUser(ctx, store.User{Name: name, Admin: *admin, Password: hash}, time.Now())
		if errors.Is(err, store.ErrExists) {
			err = fmt.Errorf("user %q exists; change the password with: feedhound user passwd %s", name, name)
		}
	case "passwd":
		err = st.SetPassword(ctx, name, hash)
	case "remove":
		err = st.RemoveUser(ctx, name)
		if errors.Is(err, store.ErrLastAdmin) {
			err = fmt.Errorf("%s is the last admin who can sign in; make another admin first (feedhound user add --admin NAME)", name)
		}
	case "list":
		return listUsers(ctx, e, st, *asJSON)
	}
	if errors.Is(err, store.ErrNotFound) {
		fmt.Fprintf(e.stderr, "feedhound: no user %q\n", name)
		return exitNoMatch
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "feedhound: %v\n", err)
		return exitError
	}
	switch sub {
	case "add":
		role := "user"
		if *admin {
			role = "admin"
		}
		fmt.Fprintf(e.stdout, "%s %q added: sign in at the web app's /login\n", role, name)
	case "passwd":
		fmt.Fprintf(e.stdout, "password of %q changed; its sessions are ended\n", name)
	case "remove":
		fmt.Fprintf(e.stdout, "user %q removed: they can no longer sign in; their alerts and sources stay\n", name)
	}
	return exitMatch
}

func listUsers(ctx context.Context, e *env, st *store.Store, asJSON bool) int {
	users, err := st.Users(ctx)
	if err != nil {
		fmt.Fprintf(e.stderr, "feedhound: %v\n", err)
		return exitError
	}
	enc := json.NewEncoder(e.stdout)
	for _, u := range users {
		created := u.Created.UTC().Format(time.RFC3339)
		if asJSON {
			enc.Encode(struct {
				Name    string `json:"name"`
				Admin   bool   `json:"admin"`
				Created string `json:"created"`
			}{u.Name, u.Admin, created})
			continue
		}
		role := "user"
		if u.Admin {
			role = "admin"
		}
		fmt.Fprintf(e.stdout, "%-24s %-6s created %s\n", u.Name, role, u.Created.UTC().Format("2006-01-02 15:04 UTC"))
	}
	return exitMatch
}

// readPassword reads a new password: from the file's first line; from
// the terminal, without echo, twice; or from standard input's first line.
func readPassword(e *env, file string) (string, error) {
	firstLine := func(r io.Reader) (string, error) {
		line, err := bufio.NewReader(io.LimitReader(r, password.MaxLength+2)).ReadString('\n')
		if err != nil && err != io.EOF {
			return "", err
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	if file != "" {
		f, err := os.Open(file)
		if err != nil {
			return "", fmt.Errorf("--password-file: %w", err)
		}
		defer f.Close()
		return firstLine(f)
	}
	if f, ok := e.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(e.stderr, "Password: ")
		one, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.stderr)
		if err != nil {
			return "", err
		}
		if err := password.Check(string(one)); err != nil {
			return "", err
		}
		fmt.Fprint(e.stderr, "Again: ")
		two, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.stderr)
		if err != nil {
			return "", err
		}
		if string(one) != string(two) {
			return "", errors.New("the two passwords differ")
		}
		return string(one), nil
	}
	return firstLine(e.stdin)
}
