// Package embedded is the zero-setup driver: a Pebble LSM store on local
// disk, the same kind of storage engine as Cassandra's, so its disk I/O is
// real. The target is a directory (a fresh temporary one, removed at Close,
// when empty). Options: sync=true makes every write durable (fsync of the
// write-ahead log before it returns); the default is sync=false.
package embedded

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/cockroachdb/pebble/v2"

	"github.com/statebench/statebench/driver"
)

// DB is the embedded driver.
type DB struct {
	db      *pebble.DB
	dir     string
	temp    bool // dir was created by Open and is removed by Close
	sync    bool
	wo      *pebble.WriteOptions
	created bool
}

var (
	_ driver.Driver          = (*DB)(nil)
	_ driver.Session         = (*session)(nil)
	_ driver.BulkLoader      = (*session)(nil)
	_ driver.TimeoutEnforcer = (*DB)(nil)
	_ driver.Cleaner         = (*DB)(nil)
)

// Open opens (creating if needed) a Pebble store in cfg.Target, a
// directory or file:// URL with options in its query; "" means a fresh
// temporary directory.
func Open(_ context.Context, cfg driver.Config) (driver.Driver, error) {
	d := &DB{}
	opts := map[string]string{}
	for k, v := range cfg.Options {
		opts[k] = v
	}
	dir := cfg.Target
	if strings.HasPrefix(dir, "file://") || strings.HasPrefix(dir, "embedded://") {
		u, err := url.Parse(dir)
		if err != nil {
			return nil, fmt.Errorf("embedded driver: target %q: %w", dir, err)
		}
		dir = u.Path
		for k, v := range u.Query() {
			opts[k] = v[len(v)-1]
		}
	}
	for k, v := range opts {
		switch k {
		case "sync":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return nil, fmt.Errorf("embedded driver: sync=%q: want true or false", v)
			}
			d.sync = b
		case "fields", "key_prefix":
		default:
			return nil, fmt.Errorf("embedded driver: unknown option %q (want sync)", k)
		}
	}
	if dir == "" {
		tmp, err := os.MkdirTemp("", "statebench-embedded-")
		if err != nil {
			return nil, fmt.Errorf("embedded driver: creating a temporary directory: %w: %w", driver.ErrUnreachable, err)
		}
		dir, d.temp = tmp, true
	} else if entries, err := os.ReadDir(dir); err != nil || len(entries) == 0 {
		d.created = true // a new or empty directory: statebench's to remove on --cleanup
	}
	d.dir = dir
	d.wo = pebble.NoSync
	if d.sync {
		d.wo = pebble.Sync
	}
	db, err := pebble.Open(dir, &pebble.Options{Logger: quietLogger{}})
	if err != nil {
		if d.temp {
			os.RemoveAll(dir)
		}
		return nil, fmt.Errorf("embedded driver: opening %s: %w: %w", dir, driver.ErrUnreachable, err)
	}
	d.db = db
	return d, nil
}

// EnforcesTimeout reports that operations need no deadline: they are local
// and bounded by the disk.
func (d *DB) EnforcesTimeout() bool { return true }

// Describe describes the store.
func (d *DB) Describe(context.Context) (map[string]string, error) {
	m := d.db.Metrics()
	desc := map[string]string{
		"store":         "pebble",
		"version":       "v2",
		"format":        fmt.Sprint(d.db.FormatMajorVersion()),
		"sync":          strconv.FormatBool(d.sync),
		"disk_bytes":    strconv.FormatUint(m.DiskSpaceUsage(), 10),
		"lsm_levels":    strconv.Itoa(len(m.Levels)),
		"temporary_dir": strconv.FormatBool(d.temp),
	}
	return desc, nil
}

// Cleanup removes the store's directory if statebench created it.
func (d *DB) Cleanup(context.Context) error {
	if !d.created && !d.temp {
		return nil // the user's existing store: never removed
	}
	d.temp = true // removed at Close
	return nil
}

// Close closes the store, and removes its directory if it was temporary.
func (d *DB) Close() error {
	err := d.db.Close()
	if d.temp {
		err = errors.Join(err, os.RemoveAll(d.dir))
	}
	return err
}

// Session returns a session; Pebble is safe for concurrent use.
func (d *DB) Session(context.Context) (driver.Session, error) { return &session{d: d}, nil }

type session struct{ d *DB }

func (s *session) Read(_ context.Context, key, dst []byte) ([]byte, error) {
	v, closer, err := s.d.db.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return dst, driver.ErrNotFound
	}
	if err != nil {
		return dst, err
	}
	dst = append(dst, v...)
	return dst, closer.Close()
}

func (s *session) Update(_ context.Context, key, value []byte) error {
	return s.d.db.Set(key, value, s.d.wo)
}

func (s *session) Insert(ctx context.Context, key, value []byte) error {
	return s.Update(ctx, key, value)
}

func (s *session) Delete(_ context.Context, key []byte) error {
	return s.d.db.Delete(key, s.d.wo)
}

func (s *session) Scan(_ context.Context, start []byte, n int, visit func(k, v []byte)) (int, error) {
	it, err := s.d.db.NewIter(&pebble.IterOptions{LowerBound: start})
	if err != nil {
		return 0, err
	}
	i := 0
	for ok := it.First(); ok && i < n; ok = it.Next() {
		if bytes.Compare(it.Key(), start) < 0 {
			continue
		}
		visit(it.Key(), it.Value())
		i++
	}
	return i, errors.Join(it.Error(), it.Close())
}

func (s *session) InsertBatch(_ context.Context, keys, values [][]byte) error {
	b := s.d.db.NewBatch()
	for i := range keys {
		if err := b.Set(keys[i], values[i], nil); err != nil {
			b.Close()
			return err
		}
	}
	return b.Commit(s.d.wo)
}

func (s *session) Close() error { return nil }

// quietLogger keeps Pebble's informational logs off the terminal;
// its fatal errors still stop the process, as Pebble requires.
type quietLogger struct{}

func (quietLogger) Infof(string, ...any)  {}
func (quietLogger) Errorf(string, ...any) {}
func (quietLogger) Fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "statebench: pebble: "+format+"\n", args...)
	os.Exit(1)
}
