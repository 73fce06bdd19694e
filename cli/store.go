package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/statebench/statebench/result"
	"github.com/statebench/statebench/store"
	"github.com/statebench/statebench/store/postgres"
	"github.com/statebench/statebench/store/sqlite"
)

// storeOpener opens a results store from the location its URL names.
type storeOpener func(ctx context.Context, env *Env, location string) (store.Store, error)

// stores names every results store backend by URL scheme. A name appears
// once: a duplicate is a compile error in a map literal.
var stores = map[string]storeOpener{
	"postgres":   openPostgres,
	"postgresql": openPostgres,
	"sqlite":     openSQLite,
}

func openSQLite(ctx context.Context, env *Env, path string) (store.Store, error) {
	return sqlite.Open(ctx, path, env.Logger, store.Options{})
}

func openPostgres(ctx context.Context, env *Env, url string) (store.Store, error) {
	return postgres.Open(ctx, url, env.Logger, store.Options{})
}

// openStore opens the results store named by url: "" means
// $STATEBENCH_STORE, and when that is empty too the SQLite file
// $STATEBENCH_HOME/results.db; postgres://... selects PostgreSQL, and
// sqlite:PATH or a plain path an SQLite file. A bad URL is invalid input
// (exit code 2); a store that cannot be opened is exit code 1.
func (e *Env) openStore(ctx context.Context, url string) (store.Store, error) {
	if url == "" {
		url = e.getenv("STATEBENCH_STORE")
	}
	if url == "" {
		home, err := e.home()
		if err != nil {
			return nil, withCode(ExitInternal, err)
		}
		url = filepath.Join(home, "results.db")
	}
	scheme, location := "sqlite", url
	if s, rest, ok := strings.Cut(url, ":"); ok && len(s) > 1 && !strings.ContainsAny(s, `/\.`) {
		// A scheme; one letter is a Windows drive.
		scheme = strings.ToLower(s)
		switch scheme {
		case "sqlite":
			location = strings.TrimPrefix(rest, "//")
		default:
			location = url
		}
	}
	open, ok := stores[scheme]
	if !ok {
		return nil, invalidf("--store %q: unknown store %q: want a postgres:// URL, sqlite:PATH or a file path", url, scheme)
	}
	if location == "" {
		return nil, invalidf("--store %q: no path", url)
	}
	s, err := open(ctx, e, location)
	if err != nil {
		return nil, withCode(ExitInternal, err)
	}
	return s, nil
}

// addStoreFlag adds --store to cmd.
func addStoreFlag(cmd *cobra.Command, url *string) {
	cmd.Flags().StringVar(url, "store", "", "results store: a postgres:// URL or an SQLite file (default $STATEBENCH_STORE, else $STATEBENCH_HOME/results.db)")
}

// saveFallback writes doc to home/runs/<id>.json, for when the results
// store cannot take it (a full disk, a read-only store): nothing measured
// is lost, and `statebench import` stores it later. It returns the path.
func saveFallback(home string, doc *result.Document) (string, error) {
	if err := store.Check(doc); err != nil {
		return "", fmt.Errorf("saving the run to a file: %w", err)
	}
	dir := filepath.Join(home, "runs")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("saving the run to a file: %w", err)
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return "", fmt.Errorf("saving the run to a file: %w", err)
	}
	path := filepath.Join(dir, doc.ID+".json")
	// Written aside and renamed, so that the file is whole or absent.
	f, err := os.CreateTemp(dir, doc.ID+".*.tmp")
	if err != nil {
		return "", fmt.Errorf("saving the run to a file: %w", err)
	}
	_, err = f.Write(append(b, '\n'))
	if err == nil {
		err = f.Sync()
	}
	err = errors.Join(err, f.Close())
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("saving the run to %s: %w", path, err)
	}
	return path, nil
}

// resolveRun returns the id of the run ref names; an unknown, malformed or
// ambiguous reference is invalid input.
func resolveRun(ctx context.Context, s store.Store, ref, benchmark string) (string, error) {
	id, err := s.Resolve(ctx, ref, benchmark)
	var amb *store.AmbiguousError
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalidRef) || errors.As(err, &amb) {
		return "", withCode(ExitInvalid, err)
	}
	return id, err
}

// closeStore closes s, joining its error to *err.
func closeStore(s store.Store, err *error) {
	if cerr := s.Close(); cerr != nil && *err == nil {
		*err = fmt.Errorf("closing the results store: %w", cerr)
	}
}
