package engine

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/statebench/statebench/driver"
	"github.com/statebench/statebench/generator"
	"github.com/statebench/statebench/recorder"
	"github.com/statebench/statebench/value"
	"github.com/statebench/statebench/workload"
)

// worker is one worker's state: its random source, key chooser, value
// source and buffers, so that an operation allocates nothing.
type worker struct {
	e       *Engine
	rnd     *rand.Rand
	keys    generator.Chooser
	scanLen *generator.ScanLength
	values  *value.Source
	sess    driver.Session
	key     []byte
	buf     []byte
	visit   func(k, v []byte)
	scanned int
}

func (e *Engine) newWorker(i int) (*worker, error) {
	s := e.spec
	// Each worker draws from its own stream of the run's seed, so the same
	// seed gives each worker the same sequence.
	rnd := rand.New(rand.NewPCG(uint64(s.Seed), uint64(i)))
	ch, err := generator.NewChooser(s.Keys.Distribution, e.ks, s.Keys.ZipfianConstant, s.Keys.HotspotData, s.Keys.HotspotOps, &e.seq)
	if err != nil {
		return nil, err
	}
	w := &worker{
		e: e, rnd: rnd, keys: ch,
		scanLen: generator.NewScanLength(s.Scan.MinLength, s.Scan.MaxLength, s.Scan.Distribution),
		values:  value.NewSource(s.Values.Size.Min, s.Values.Size.Max, rnd),
		key:     make([]byte, 0, max(s.Keys.Size, 24)),
		buf:     make([]byte, 0, s.Values.Size.Max+64),
	}
	w.visit = func(k, v []byte) { w.scanned++ }
	return w, nil
}

// session opens the worker's session, retrying while the run goes on: a
// target that is down makes operations fail, not workers.
func (w *worker) session(ctx context.Context) bool {
	for w.sess == nil {
		s, err := w.e.cfg.Driver.Session(ctx)
		if err == nil {
			w.sess = s
			return true
		}
		w.e.log.Debug("opening a session", "err", err)
		if !sleep(ctx, 100*time.Millisecond) {
			return false
		}
	}
	return true
}

func (e *Engine) worker(i int, rec *recorder.Recorder) {
	defer e.wg.Done()
	w, err := e.newWorker(i)
	if err != nil {
		e.log.Error("starting a worker", "err", err)
		return
	}
	ctx := e.runCtx
	defer func() {
		if w.sess != nil {
			w.sess.Close()
		}
	}()
	if !w.session(ctx) {
		return
	}
	rw := rec.Worker()
	select {
	case <-e.gate:
	case <-ctx.Done():
		return
	}
	if e.queue != nil {
		w.open(ctx, i, rec, rw)
		return
	}
	w.closed(ctx, i, rec, rw)
}

// closed is a closed-loop worker: the next operation starts when the
// previous one returns (and the think time has passed).
func (w *worker) closed(ctx context.Context, i int, rec *recorder.Recorder, rw *recorder.Worker) {
	e := w.e
	think := e.spec.Load.ThinkTime.D()
	var batch []driver.Request
	// Verification serialises the writes to each key through the tracker,
	// which a batch of several writes cannot do: verified runs do not batch.
	if b, ok := w.sess.(driver.Batcher); ok && b.Depth() > 1 && e.tracker == nil {
		batch = make([]driver.Request, 0, b.Depth())
	}
	for ctx.Err() == nil && int64(i) < e.target.Load() {
		op := e.mix.Load().pick(w.rnd)
		if batch != nil && op != workload.Scan && op != workload.ReadModifyWrite {
			w.batch(ctx, rec, rw, batch, op)
			continue
		}
		start := rec.Now()
		if start >= time.Duration(e.stopAt.Load()) {
			return
		}
		win := rw.Begin(start)
		class := w.do(ctx, op)
		end := rec.Now()
		rw.End(win, op, class, end-start, end-start)
		if think > 0 && !sleep(ctx, think) {
			return
		}
	}
}

// open is an open-loop worker: it takes scheduled times from the pacer and
// runs each operation, or skips it when it cannot start within the
// deadline of its scheduled time.
func (w *worker) open(ctx context.Context, i int, rec *recorder.Recorder, rw *recorder.Worker) {
	e := w.e
	skipAfter := e.spec.Load.SkipAfter.D()
	for int64(i) < e.target.Load() {
		var sched time.Duration
		var ok bool
		select {
		case <-ctx.Done():
			return
		case sched, ok = <-e.queue:
			if !ok {
				return // the pacer has stopped
			}
		}
		start := rec.Now()
		if start >= time.Duration(e.stopAt.Load()) {
			return
		}
		if start-sched > skipAfter {
			rec.Skip(start)
			continue
		}
		op := e.mix.Load().pick(w.rnd)
		win := rw.Begin(start)
		class := w.do(ctx, op)
		end := rec.Now()
		rw.End(win, op, class, end-start, end-sched)
	}
}

// batch sends the worker's next Depth operations in one round trip; each
// operation's latency is the batch's.
func (w *worker) batch(ctx context.Context, rec *recorder.Recorder, rw *recorder.Worker, reqs []driver.Request, first workload.Op) {
	b := w.sess.(driver.Batcher)
	// The requests and their buffers are reused from batch to batch, so
	// batching allocates nothing either.
	reqs = reqs[:cap(reqs)]
	op := first
	for i := range reqs {
		if op == workload.Scan || op == workload.ReadModifyWrite {
			op = workload.Read
		}
		r := &reqs[i]
		r.Op, r.Err, r.Result = op, nil, r.Result[:0]
		r.Key = generator.AppendKey(r.Key[:0], w.e.spec.Keys.Prefix, w.e.spec.Keys.Size, w.pick(op))
		r.Value = r.Value[:0]
		if op == workload.Update || op == workload.Insert {
			r.Value = append(r.Value, w.values.Next(w.rnd)...)
		}
		op = w.e.mix.Load().pick(w.rnd)
	}
	start := rec.Now()
	if start >= time.Duration(w.e.stopAt.Load()) {
		return
	}
	win := rw.Begin(start)
	cctx, cancel := w.opContext(ctx)
	b.Do(cctx, reqs)
	cancel()
	end := rec.Now()
	for i := range reqs {
		class := w.classify(reqs[i].Err)
		if i > 0 {
			win = rw.Begin(start)
		}
		rw.End(win, reqs[i].Op, class, end-start, end-start)
		if reqs[i].Op == workload.Insert && reqs[i].Err == nil {
			w.e.ks.Acked()
		}
	}
}

func noCancel() {}

// opContext returns the context of one operation: with the workload's
// timeout as its deadline, unless the driver enforces it itself.
func (w *worker) opContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if !w.e.timeouts {
		return ctx, noCancel
	}
	return context.WithTimeout(ctx, w.e.spec.Timeout.D())
}

// pick returns the record an operation touches.
func (w *worker) pick(op workload.Op) int64 {
	if op == workload.Insert {
		return w.e.ks.NextInsert()
	}
	return w.keys.Next(w.rnd)
}

// classify sorts an operation's error into a class.
func (w *worker) classify(err error) driver.Class {
	class := driver.Classify(err)
	if class == driver.Other {
		if c, ok := w.e.cfg.Driver.(driver.Classifier); ok {
			class = c.Classify(err)
		}
	}
	return class
}

// do runs one operation and returns its class.
func (w *worker) do(ctx context.Context, op workload.Op) driver.Class {
	e := w.e
	n := w.pick(op)
	w.key = generator.AppendKey(w.key[:0], e.spec.Keys.Prefix, e.spec.Keys.Size, n)
	ctx, cancel := w.opContext(ctx)
	defer cancel()
	var err error
	switch op {
	case workload.Read:
		err = w.read(ctx, n)
	case workload.Update, workload.Insert:
		err = w.write(ctx, op, n)
		if op == workload.Insert && err == nil {
			e.ks.Acked()
		}
	case workload.Scan:
		w.scanned = 0
		_, err = w.sess.Scan(ctx, w.key, w.scanLen.Next(w.rnd), w.visit)
	case workload.ReadModifyWrite:
		if err = w.read(ctx, n); err == nil || errors.Is(err, driver.ErrNotFound) {
			err = w.write(ctx, workload.Update, n)
		}
	case workload.Delete:
		err = w.delete(ctx, n)
	}
	return w.classify(err)
}

func (w *worker) read(ctx context.Context, n int64) error {
	t := w.e.tracker
	if t == nil {
		v, err := w.sess.Read(ctx, w.key, w.buf[:0])
		w.buf = v[:0]
		return err
	}
	exp := t.Expect(n)
	v, err := w.sess.Read(ctx, w.key, w.buf[:0])
	w.buf = v[:0]
	if err != nil && !errors.Is(err, driver.ErrNotFound) {
		return err
	}
	w.e.verify.checked.Add(1)
	if err != nil && t.Expect(n).Version != exp.Version {
		// Writes overlapped the read; one may have been a delete, so not
		// found may be right.
		return err
	}
	switch value.Judge(w.key, err == nil, v, exp) {
	case value.Corrupt:
		w.e.verify.corrupt.Add(1)
	case value.Stale, value.Revived:
		w.e.verify.stale.Add(1)
	}
	return err
}

func (w *worker) write(ctx context.Context, op workload.Op, n int64) error {
	t := w.e.tracker
	write := w.sess.Update
	if op == workload.Insert {
		write = w.sess.Insert
	}
	if t == nil {
		return write(ctx, w.key, w.values.Next(w.rnd))
	}
	wr := t.Begin(n)
	err := write(ctx, w.key, w.values.NextVerified(w.rnd, w.key, wr.Version))
	wr.End(err == nil, false)
	return err
}

func (w *worker) delete(ctx context.Context, n int64) error {
	t := w.e.tracker
	if t == nil {
		return w.sess.Delete(ctx, w.key)
	}
	wr := t.Begin(n)
	err := w.sess.Delete(ctx, w.key)
	wr.End(err == nil, true)
	return err
}
