package engine

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/statebench/statebench/driver"
	"github.com/statebench/statebench/generator"
	"github.com/statebench/statebench/recorder"
	"github.com/statebench/statebench/result"
	"github.com/statebench/statebench/value"
	"github.com/statebench/statebench/workload"
)

// loadBatch is the number of records per bulk insert in the load phase.
const loadBatch = 500

// ErrLoad is wrapped by errors of a load phase that failed as a whole.
var ErrLoad = errors.New("load phase failed")

// load writes the workload's records, through the driver's bulk path when
// it has one. A load in which no record could be written fails; one with
// some failed records goes on and reports them.
func (e *Engine) load(ctx context.Context) (*result.LoadPhase, error) {
	e.setPhase("load")
	s := e.spec
	start := time.Now()
	var next, errs, written atomic.Int64
	var wg sync.WaitGroup
	var firstErr atomic.Pointer[error]
	workers := max(min(s.Load.Concurrency, 32), 1)
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			sess, err := e.cfg.Driver.Session(ctx)
			if err != nil {
				firstErr.CompareAndSwap(nil, &err)
				return
			}
			defer sess.Close()
			bulk, _ := sess.(driver.BulkLoader)
			rnd := rand.New(rand.NewPCG(uint64(s.Seed), uint64(1<<32+i)))
			vals := value.NewSource(s.Values.Size.Min, s.Values.Size.Max, rnd)
			keys := make([][]byte, 0, loadBatch)
			values := make([][]byte, 0, loadBatch)
			for ctx.Err() == nil {
				from := next.Add(loadBatch) - loadBatch
				if from >= s.Records {
					return
				}
				to := min(from+loadBatch, s.Records)
				keys, values = keys[:0], values[:0]
				for n := from; n < to; n++ {
					k := generator.AppendKey(nil, s.Keys.Prefix, s.Keys.Size, n)
					var v []byte
					if e.tracker != nil {
						v = append([]byte(nil), vals.NextVerified(rnd, k, 1)...)
					} else {
						v = append([]byte(nil), vals.Next(rnd)...)
					}
					keys, values = append(keys, k), append(values, v)
				}
				if bulk != nil {
					err = e.withTimeout(ctx, func(ctx context.Context) error { return bulk.InsertBatch(ctx, keys, values) })
					if err != nil {
						errs.Add(to - from)
						firstErr.CompareAndSwap(nil, &err)
						continue
					}
				} else {
					for j := range keys {
						err := e.withTimeout(ctx, func(ctx context.Context) error { return sess.Insert(ctx, keys[j], values[j]) })
						if err != nil {
							errs.Add(1)
							firstErr.CompareAndSwap(nil, &err)
							keys[j] = nil
						}
					}
				}
				if e.tracker != nil {
					for j, k := range keys {
						if k != nil {
							e.tracker.Loaded(from+int64(j), from+int64(j)+1)
						}
					}
				}
				written.Add(to - from)
				e.loaded.Store(written.Load())
			}
		}(i)
	}
	wg.Wait()
	d := time.Since(start)
	lp := &result.LoadPhase{Records: written.Load() - errs.Load(), Errors: errs.Load(), DurationS: d.Seconds()}
	if d > 0 {
		lp.ThroughputOpsS = float64(lp.Records) / d.Seconds()
	}
	e.event("phase", fmt.Sprintf("load done: %d records in %.1fs", lp.Records, lp.DurationS), nil)
	if ctx.Err() != nil {
		return lp, nil
	}
	if lp.Records == 0 && s.Records > 0 {
		if p := firstErr.Load(); p != nil {
			return lp, fmt.Errorf("%w: %w", ErrLoad, *p)
		}
		return lp, ErrLoad
	}
	return lp, nil
}

func (e *Engine) withTimeout(ctx context.Context, fn func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, e.spec.Timeout.D()*4)
	defer cancel()
	return fn(ctx)
}

// schedule is an open loop's arrival times: constant gaps from an
// absolute anchor, so that the achieved rate does not drift, or Poisson
// arrivals (exponential gaps).
type schedule struct {
	rnd     *rand.Rand
	poisson bool
	rate    float64
	anchor  time.Duration // time of slot 0 at the current rate
	k       float64       // slots since the anchor
	at      time.Duration // the current slot's time
}

// next advances to the next slot and returns its time.
func (s *schedule) next() time.Duration {
	if s.poisson {
		s.at += time.Duration(s.rnd.ExpFloat64() / s.rate * 1e9)
	} else {
		s.k++
		s.at = s.anchor + time.Duration(s.k/s.rate*1e9)
	}
	return s.at
}

// setRate changes the rate from the current slot on.
func (s *schedule) setRate(r float64) {
	s.rate, s.anchor, s.k = r, s.at, 0
}

// pace feeds the workers an open loop's scheduled times. A slot already
// older than the skip deadline when its turn comes (every worker was busy)
// is counted as skipped here, so the backlog never grows without bound.
func (e *Engine) pace(ctx context.Context, rec *recorder.Recorder) {
	defer close(e.queue) // the workers drain what is queued and return
	s := &schedule{
		rnd:     rand.New(rand.NewPCG(uint64(e.spec.Seed), 1<<40)),
		poisson: e.spec.Load.Arrival == workload.Poisson,
		rate:    math.Float64frombits(e.rate.Load()),
	}
	skipAfter := e.spec.Load.SkipAfter.D()
	for slot := time.Duration(0); ; slot = s.next() {
		if r := math.Float64frombits(e.rate.Load()); r != s.rate {
			s.setRate(r)
		}
		for {
			now := rec.Now()
			if now >= slot {
				break
			}
			// Sleep to the slot, but at most 1 ms, so that rate changes
			// and cancellation are seen promptly.
			if !sleep(ctx, min(slot-now, time.Millisecond)) {
				return
			}
		}
		if slot >= time.Duration(e.stopAt.Load()) {
			return
		}
		if now := rec.Now(); now-slot > skipAfter {
			rec.Skip(now)
			continue
		}
		select {
		case e.queue <- slot:
		case <-ctx.Done():
			return
		}
	}
}

// verifyAll reads back every key whose write was acknowledged and counts
// missing, lost and corrupt records.
func (e *Engine) verifyAll(ctx context.Context, v *result.Verify) {
	type item struct {
		key int64
		exp value.Expectation
	}
	items := make(chan item, 1024)
	var acked, verified, missing, lost, corrupt, readErrs atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < max(min(e.spec.Load.Concurrency, 32), 1); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sess, err := e.cfg.Driver.Session(ctx)
			if err != nil {
				for it := range items {
					_ = it
					readErrs.Add(1)
				}
				return
			}
			defer sess.Close()
			var key, buf []byte
			for it := range items {
				key = generator.AppendKey(key[:0], e.spec.Keys.Prefix, e.spec.Keys.Size, it.key)
				var got []byte
				err := e.withTimeout(ctx, func(ctx context.Context) error {
					var err error
					got, err = sess.Read(ctx, key, buf[:0])
					return err
				})
				if err != nil && !errors.Is(err, driver.ErrNotFound) {
					readErrs.Add(1)
					continue
				}
				buf = got[:0]
				verified.Add(1)
				switch value.Judge(key, err == nil, got, it.exp) {
				case value.Corrupt:
					corrupt.Add(1)
				case value.Stale:
					if err != nil {
						missing.Add(1)
					} else {
						lost.Add(1)
					}
				case value.Revived:
					lost.Add(1)
				}
			}
		}()
	}
	e.tracker.Keys(func(k int64, exp value.Expectation) {
		if exp.Version == 0 {
			return // never acknowledged: nothing to check
		}
		acked.Add(1)
		select {
		case items <- item{k, exp}:
		case <-ctx.Done():
		}
	})
	close(items)
	wg.Wait()
	v.Acknowledged, v.Verified = acked.Load(), verified.Load()
	v.Missing, v.Lost, v.ReadErrors = missing.Load(), lost.Load(), readErrs.Load()
	v.Corrupt += corrupt.Load()
	e.event("phase", fmt.Sprintf("verify done: %d records checked, %d missing, %d lost, %d corrupt", v.Verified, v.Missing, v.Lost, corrupt.Load()), nil)
}
