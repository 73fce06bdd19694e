package redis

import (
	"context"
	"errors"
	"fmt"

	goredis "github.com/redis/go-redis/v9"

	"github.com/statebench/statebench/driver"
	"github.com/statebench/statebench/workload"
)

// session issues one worker's operations. Against a standalone server it
// holds a connection of its own, taken from the driver's pool, as
// redis-benchmark's clients do: a pooled call would check the connection's
// health with a syscall on every operation. After a connection or timeout
// error it gives the connection back (go-redis discards a broken one) and
// takes another on the next call, so it rides through a server restart. In
// a cluster it goes through the cluster client, which routes each key.
//
// It keeps its argument slice between calls so that building a command does
// not allocate one; go-redis keeps a command's arguments only until the call
// returns.
type session struct {
	d    *redisDriver
	c    commander     // conn, or the cluster client
	conn *goredis.Conn // nil in a cluster, and after a connection error until the next call
	args []any

	// Do's command list and argument arena, kept between batches.
	cmds  []goredis.Cmder
	arena []any
}

// commander is what a session sends commands through: a *goredis.Conn or the
// cluster client.
type commander interface {
	Process(ctx context.Context, cmd goredis.Cmder) error
	Pipeline() goredis.Pipeliner
	ZRangeByLex(ctx context.Context, key string, opt *goredis.ZRangeBy) *goredis.StringSliceCmd
	MGet(ctx context.Context, keys ...string) *goredis.SliceCmd
}

// cmd returns what to send the next command through, taking a connection
// if the session has none.
func (s *session) cmd() commander {
	if s.conn == nil {
		if c, ok := s.d.client.(*goredis.Client); ok {
			s.conn = c.Conn()
			s.c = s.conn
		}
	}
	return s.c
}

// check gives the connection back after an error that may have broken it:
// anything but a reply from the server (a nil reply or an error reply). It
// returns err.
func (s *session) check(err error) error {
	if err == nil || s.conn == nil || err == goredis.Nil {
		return err
	}
	var reply goredis.Error
	if errors.As(err, &reply) {
		return err
	}
	s.conn.Close()
	s.conn = nil
	return err
}

var (
	_ driver.Session    = (*session)(nil)
	_ driver.BulkLoader = (*session)(nil)
	_ driver.Batcher    = (*session)(nil)
)

// Read is GET, or HMGET of every field for layout=hash.
func (s *session) Read(ctx context.Context, key, dst []byte) ([]byte, error) {
	if s.d.cfg.layout == LayoutHash {
		s.args = s.d.hmgetArgs(s.args[:0], key)
		cmd := goredis.NewSliceCmd(ctx, s.args...)
		s.check(s.cmd().Process(ctx, cmd))
		return hashValue(cmd, dst)
	}
	s.args = append(s.args[:0], "get", key)
	cmd := goredis.NewStringCmd(ctx, s.args...)
	s.check(s.cmd().Process(ctx, cmd))
	return stringValue(cmd, dst)
}

// Update is SET, or HSET of every field for layout=hash. It does not touch
// the scan index: records are indexed when inserted.
func (s *session) Update(ctx context.Context, key, value []byte) error {
	s.args = s.d.setArgs(s.args[:0], key, value)
	return s.check(s.cmd().Process(ctx, s.d.setCmd(ctx, s.args)))
}

// Insert is Update plus, when the index is on, ZADD of the key to the index,
// both in one pipeline (one round trip, not a transaction).
func (s *session) Insert(ctx context.Context, key, value []byte) error {
	if !s.d.cfg.index {
		return s.Update(ctx, key, value)
	}
	p := s.cmd().Pipeline()
	s.args = s.d.setArgs(s.args[:0], key, value)
	set := s.d.setCmd(ctx, s.args)
	p.Process(ctx, set)
	zadd := goredis.NewIntCmd(ctx, "zadd", s.d.cfg.indexKey, 0, key)
	p.Process(ctx, zadd)
	p.Exec(ctx)
	return s.check(firstErr(set.Err(), zadd.Err()))
}

// Delete is DEL, and ZREM from the index when it is on.
func (s *session) Delete(ctx context.Context, key []byte) error {
	if !s.d.cfg.index {
		s.args = append(s.args[:0], "del", key)
		return s.check(s.cmd().Process(ctx, goredis.NewIntCmd(ctx, s.args...)))
	}
	p := s.cmd().Pipeline()
	del := goredis.NewIntCmd(ctx, "del", key)
	p.Process(ctx, del)
	zrem := goredis.NewIntCmd(ctx, "zrem", s.d.cfg.indexKey, key)
	p.Process(ctx, zrem)
	p.Exec(ctx)
	return s.check(firstErr(del.Err(), zrem.Err()))
}

// errNoIndex is returned by scans when the index is off.
var errNoIndex = errors.New("redis scan needs the key index (option index=true)")

// Scan reads up to n keys >= start from the index (ZRANGEBYLEX), then their
// values in one round trip (MGET, or a pipeline in a cluster or for hashes).
// Keys deleted between the two steps are skipped, so it may visit fewer.
func (s *session) Scan(ctx context.Context, start []byte, n int, visit func(key, value []byte)) (int, error) {
	if !s.d.cfg.index {
		return 0, errNoIndex
	}
	if n <= 0 {
		return 0, nil
	}
	keys, err := s.cmd().ZRangeByLex(ctx, s.d.cfg.indexKey, &goredis.ZRangeBy{
		Min: "[" + string(start), Max: "+", Count: int64(n),
	}).Result()
	if err != nil {
		return 0, s.check(err)
	}
	if len(keys) == 0 {
		return 0, nil
	}
	visited := 0
	var buf []byte
	if s.d.cfg.layout == LayoutString && !s.d.cfg.cluster {
		vals, err := s.cmd().MGet(ctx, keys...).Result()
		if err != nil {
			return 0, s.check(err)
		}
		for i, v := range vals {
			if sv, ok := v.(string); ok {
				buf = append(buf[:0], sv...)
				visit([]byte(keys[i]), buf)
				visited++
			}
		}
		return visited, nil
	}
	p := s.cmd().Pipeline()
	cmds := make([]goredis.Cmder, len(keys))
	for i, k := range keys {
		if s.d.cfg.layout == LayoutHash {
			cmds[i] = goredis.NewSliceCmd(ctx, s.d.hmgetArgs(nil, []byte(k))...)
		} else {
			cmds[i] = goredis.NewStringCmd(ctx, "get", k)
		}
		p.Process(ctx, cmds[i])
	}
	p.Exec(ctx)
	for i, cmd := range cmds {
		var err error
		switch cmd := cmd.(type) {
		case *goredis.SliceCmd:
			buf, err = hashValue(cmd, buf[:0])
		case *goredis.StringCmd:
			buf, err = stringValue(cmd, buf[:0])
		}
		switch {
		case errors.Is(err, driver.ErrNotFound):
			continue
		case err != nil:
			return visited, s.check(err)
		}
		visit([]byte(keys[i]), buf)
		visited++
	}
	return visited, nil
}

// InsertBatch stores the records in one pipeline, with one ZADD of all the
// keys to the index.
func (s *session) InsertBatch(ctx context.Context, keys, values [][]byte) error {
	if len(keys) != len(values) {
		return fmt.Errorf("redis bulk insert: %d keys but %d values", len(keys), len(values))
	}
	if len(keys) == 0 {
		return nil
	}
	p := s.cmd().Pipeline()
	for i := range keys {
		p.Process(ctx, s.d.setCmd(ctx, s.d.setArgs(nil, keys[i], values[i])))
	}
	if s.d.cfg.index {
		args := make([]any, 0, 2+2*len(keys))
		args = append(args, "zadd", s.d.cfg.indexKey)
		for _, k := range keys {
			args = append(args, 0, k)
		}
		p.Process(ctx, goredis.NewIntCmd(ctx, args...))
	}
	cmds, err := p.Exec(ctx)
	if err != nil {
		s.check(err)
		for _, c := range cmds {
			if c.Err() != nil {
				return fmt.Errorf("redis bulk insert: %w", c.Err())
			}
		}
		return fmt.Errorf("redis bulk insert: %w", err)
	}
	return nil
}

// Depth returns the pipeline option: how many operations of a worker the
// engine sends through Do at a time (1: no pipelining).
func (s *session) Depth() int { return s.d.cfg.pipeline }

// Do sends the requests in one pipeline and fills in each one's Result and
// Err. An insert or delete adds its index command to the same pipeline.
func (s *session) Do(ctx context.Context, reqs []driver.Request) {
	if len(reqs) == 0 {
		return
	}
	p := s.cmd().Pipeline()
	// cmds[2*i] is request i's command, cmds[2*i+1] its index command or
	// nil. The commands' arguments are cut from one arena; both are reused
	// by the next batch, when these commands are gone.
	s.cmds = append(s.cmds[:0], make([]goredis.Cmder, 2*len(reqs))...)
	cmds := s.cmds
	s.arena = s.arena[:0]
	for i := range reqs {
		r := &reqs[i]
		var main, idx goredis.Cmder
		start := len(s.arena)
		switch r.Op {
		case workload.Read:
			if s.d.cfg.layout == LayoutHash {
				s.arena = s.d.hmgetArgs(s.arena, r.Key)
				main = goredis.NewSliceCmd(ctx, s.arena[start:len(s.arena):len(s.arena)]...)
			} else {
				s.arena = append(s.arena, "get", r.Key)
				main = goredis.NewStringCmd(ctx, s.arena[start:len(s.arena):len(s.arena)]...)
			}
		case workload.Update, workload.Insert:
			s.arena = s.d.setArgs(s.arena, r.Key, r.Value)
			main = s.d.setCmd(ctx, s.arena[start:len(s.arena):len(s.arena)])
			if r.Op == workload.Insert && s.d.cfg.index {
				idx = goredis.NewIntCmd(ctx, "zadd", s.d.cfg.indexKey, 0, r.Key)
			}
		case workload.Delete:
			s.arena = append(s.arena, "del", r.Key)
			main = goredis.NewIntCmd(ctx, s.arena[start:len(s.arena):len(s.arena)]...)
			if s.d.cfg.index {
				idx = goredis.NewIntCmd(ctx, "zrem", s.d.cfg.indexKey, r.Key)
			}
		default:
			r.Err = fmt.Errorf("redis batch: operation %v cannot be batched", r.Op)
			continue
		}
		cmds[2*i], cmds[2*i+1] = main, idx
		p.Process(ctx, main)
		if idx != nil {
			p.Process(ctx, idx)
		}
	}
	_, err := p.Exec(ctx)
	s.check(err)
	for i := range reqs {
		r := &reqs[i]
		main, idx := cmds[2*i], cmds[2*i+1]
		if main == nil {
			continue
		}
		switch cmd := main.(type) {
		case *goredis.StringCmd:
			r.Result, r.Err = stringValue(cmd, r.Result)
		case *goredis.SliceCmd:
			r.Result, r.Err = hashValue(cmd, r.Result)
		default:
			r.Err = main.Err()
			if r.Err == nil && idx != nil {
				r.Err = idx.Err()
			}
		}
	}
}

// Close gives the session's connection back to the pool.
func (s *session) Close() error {
	if s.conn != nil {
		s.conn.Close()
		s.conn = nil
	}
	return nil
}

// setArgs appends SET key value, or HSET key field0 part0 ... for hashes, to args.
func (d *redisDriver) setArgs(args []any, key, value []byte) []any {
	if d.cfg.layout != LayoutHash {
		return append(args, "set", key, value)
	}
	args = append(args, "hset", key)
	n := len(d.fieldNames)
	for i, f := range d.fieldNames {
		args = append(args, f, value[i*len(value)/n:(i+1)*len(value)/n])
	}
	return args
}

// setCmd makes the command for setArgs: SET replies with a status, HSET
// with the number of fields it added.
func (d *redisDriver) setCmd(ctx context.Context, args []any) goredis.Cmder {
	if d.cfg.layout == LayoutHash {
		return goredis.NewIntCmd(ctx, args...)
	}
	return goredis.NewStatusCmd(ctx, args...)
}

// hmgetArgs appends HMGET key field0 ... to args.
func (d *redisDriver) hmgetArgs(args []any, key []byte) []any {
	args = append(args, "hmget", key)
	return append(args, d.fieldNames...)
}

// stringValue appends a GET reply to dst; a nil reply is ErrNotFound.
func stringValue(cmd *goredis.StringCmd, dst []byte) ([]byte, error) {
	v, err := cmd.Result()
	switch {
	case err == goredis.Nil:
		return dst, driver.ErrNotFound
	case err != nil:
		return dst, err
	}
	return append(dst, v...), nil
}

// hashValue appends the fields of an HMGET reply to dst, in field order; a
// hash with none of the fields is ErrNotFound.
func hashValue(cmd *goredis.SliceCmd, dst []byte) ([]byte, error) {
	vals, err := cmd.Result()
	if err != nil {
		return dst, err
	}
	found := false
	for _, v := range vals {
		if sv, ok := v.(string); ok {
			dst = append(dst, sv...)
			found = true
		}
	}
	if !found {
		return dst, driver.ErrNotFound
	}
	return dst, nil
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
