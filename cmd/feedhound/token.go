package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/feedhound/feedhound/config"
	"github.com/feedhound/feedhound/store"
)

const tokenUsage = `Usage:
  feedhound token create [--config FILE] --name NAME [--user ACCOUNT [--admin]] [--read-only]
  feedhound token list [--config FILE]
  feedhound token revoke [--config FILE] NAME

Manages the tokens of the HTTP API. create prints a new token once: only a
hash of it is kept, so it cannot be shown again. A read-only token can list
and read, not change.

Every token belongs to an account, made when first named. A token sees
and changes only its account's subscriptions and sources, and another
account's are not found; an admin account's tokens see and change all of
them. Without --user a token belongs to the admin account "admin".

Flags:
  --config FILE    the configuration file, for its database (default ./feedhound.yaml)
  --name NAME      create: the token's name, to list and revoke it by
  --user ACCOUNT   create: the account the token belongs to (default admin)
  --admin          create: the account is an admin's (an existing one becomes one)
  --read-only      create: a token that can list and read, not change

Exit status: 0 on success, 1 if revoke finds no token of that name, 2 for
bad usage or an error.

Examples:
  feedhound token create --name newsroom-app
  feedhound token create --name ana-laptop --user ana
  feedhound token revoke newsroom-app
`

func runToken(ctx context.Context, e *env, args []string) int {
	sub, code, ok := subcommand(e, "token", tokenUsage, args, "create", "list", "revoke")
	if !ok {
		return code
	}
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), tokenUsage) }
	path := fs.String("config", defaultConfig, "")
	name := fs.String("name", "", "")
	readOnly := fs.Bool("read-only", false, "")
	user := fs.String("user", store.AdminAccount, "")
	admin := fs.Bool("admin", false, "")
	pos, code, ok := parseFlags(fs, args[1:], e)
	if !ok {
		return code
	}
	if sub == "revoke" && len(pos) == 1 {
		*name, pos = pos[0], nil
	}
	if len(pos) > 0 {
		return usageError(e, "token", "unexpected argument %q", pos[0])
	}
	if (sub == "create" || sub == "revoke") && !config.ValidName(*name) {
		return usageError(e, "token", "want a name: lower-case letters, digits, '.', '_' and '-'")
	}
	if sub == "create" && !config.ValidName(*user) {
		return usageError(e, "token", "--user: want an account name: lower-case letters, digits, '.', '_' and '-'")
	}
	_, st, err := openStore(ctx, *path)
	if err != nil {
		return configError(e, err)
	}
	defer st.Close()
	switch sub {
	case "create":
		secret, err := st.CreateToken(ctx, store.TokenSpec{Name: *name, Account: *user, Admin: *admin, ReadOnly: *readOnly}, time.Now())
		if errors.Is(err, store.ErrTokenExists) {
			fmt.Fprintf(e.stderr, "feedhound: token %q exists; revoke it first or choose another name\n", *name)
			return exitError
		}
		if err != nil {
			fmt.Fprintf(e.stderr, "feedhound: %v\n", err)
			return exitError
		}
		fmt.Fprintln(e.stdout, secret)
		fmt.Fprintf(e.stderr, "Token %q of account %q created. This is the only time it is shown: keep it now.\n", *name, *user)
	case "list":
		tokens, err := st.Tokens(ctx)
		if err != nil {
			fmt.Fprintf(e.stderr, "feedhound: %v\n", err)
			return exitError
		}
		for _, t := range tokens {
			access, used := "read-write", "never used"
			if t.ReadOnly {
				access = "read-only"
			}
			if !t.LastUsed.IsZero() {
				used = "last used " + t.LastUsed.UTC().Format("2006-01-02 15:04 UTC")
			}
			account := t.Account
			if t.Admin {
				account += " (admin)"
			}
			fmt.Fprintf(e.stdout, "%-24s %-10s %-20s created %s, %s\n", t.Name, access, account, t.Created.UTC().Format("2006-01-02 15:04 UTC"), used)
		}
	case "revoke":
		ok, err := st.RevokeToken(ctx, *name)
		if err != nil {
			fmt.Fprintf(e.stderr, "feedhound: %v\n", err)
			return exitError
		}
		if !ok {
			fmt.Fprintf(e.stderr, "feedhound: no token named %q\n", *name)
			return exitNoMatch
		}
		fmt.Fprintf(e.stdout, "token %q revoked\n", *name)
	}
	return exitMatch
}
