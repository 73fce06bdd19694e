// Package generator makes the random choices of a workload: which record an
// operation touches (uniform, zipfian, latest, hotspot, sequential, after
// YCSB's generators), how long a scan is, and how keys are written.
//
// A Chooser belongs to one worker and is not safe for concurrent use; the
// state shared between workers (the number of records inserted so far) is a
// Keyspace, read with atomics.
package generator

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync/atomic"
)

// Keyspace is the set of records shared by a run's workers: the records of
// the load phase plus those inserted since.
type Keyspace struct {
	// Initial is the number of records the load phase wrote.
	Initial int64
	next    atomic.Int64 // record number of the next insert
	acked   atomic.Int64 // inserts acknowledged
}

// NewKeyspace returns a keyspace of n loaded records.
func NewKeyspace(n int64) *Keyspace {
	k := &Keyspace{Initial: n}
	k.next.Store(n)
	return k
}

// NextInsert returns the record number for a new insert.
func (k *Keyspace) NextInsert() int64 { return k.next.Add(1) - 1 }

// Acked records that an insert was acknowledged.
func (k *Keyspace) Acked() { k.acked.Add(1) }

// Size returns the number of records that reads may expect to find: the
// loaded ones and the acknowledged inserts.
func (k *Keyspace) Size() int64 { return k.Initial + k.acked.Load() }

// A Chooser picks record numbers.
type Chooser interface {
	// Next returns a record number in [0, ks.Size()).
	Next(r *rand.Rand) int64
}

// NewChooser returns a chooser for the named distribution (see the workload
// package's key distributions). hotData and hotOps are the hotspot's
// fractions of data and operations.
func NewChooser(dist string, ks *Keyspace, theta, hotData, hotOps float64, seq *atomic.Int64) (Chooser, error) {
	n := max(ks.Initial, 1)
	switch dist {
	case "uniform":
		return &uniform{ks: ks}, nil
	case "zipfian":
		return &scrambled{z: NewZipfian(n, theta), n: n}, nil
	case "latest":
		return &latest{ks: ks, z: NewZipfian(max(ks.Size(), 1), theta)}, nil
	case "hotspot":
		return &hotspot{ks: ks, data: hotData, ops: hotOps}, nil
	case "sequential":
		return &sequential{ks: ks, next: seq}, nil
	}
	return nil, fmt.Errorf("unknown key distribution %q", dist)
}

type uniform struct{ ks *Keyspace }

func (u *uniform) Next(r *rand.Rand) int64 { return r.Int64N(max(u.ks.Size(), 1)) }

type sequential struct {
	ks   *Keyspace
	next *atomic.Int64
}

func (s *sequential) Next(*rand.Rand) int64 { return (s.next.Add(1) - 1) % max(s.ks.Size(), 1) }

type hotspot struct {
	ks        *Keyspace
	data, ops float64
}

func (h *hotspot) Next(r *rand.Rand) int64 {
	n := max(h.ks.Size(), 1)
	hot := max(int64(float64(n)*h.data), 1)
	if r.Float64() < h.ops || hot >= n {
		return r.Int64N(hot)
	}
	return hot + r.Int64N(n-hot)
}

// Zipfian draws from a Zipf distribution over [0, n): item i has a
// probability proportional to 1/(i+1)^theta. It is Gray et al.'s algorithm
// ("Quickly generating billion-record synthetic databases"), as in YCSB,
// and can grow n incrementally.
type Zipfian struct {
	n                        int64
	theta, alpha, zetan, eta float64
	zeta2                    float64
	second                   float64 // 1 + 0.5^theta: below it (times zetan) the draw is item 1
}

// NewZipfian returns a zipfian generator over n items.
func NewZipfian(n int64, theta float64) *Zipfian {
	z := &Zipfian{theta: theta, alpha: 1 / (1 - theta), zeta2: zeta(0, 2, theta, 0), second: 1 + math.Pow(0.5, theta)}
	z.grow(n)
	return z
}

func zeta(from, to int64, theta, sum float64) float64 {
	for i := from; i < to; i++ {
		sum += 1 / math.Pow(float64(i+1), theta)
	}
	return sum
}

func (z *Zipfian) grow(n int64) {
	z.zetan = zeta(z.n, n, z.theta, z.zetan)
	z.n = n
	z.eta = (1 - math.Pow(2/float64(n), 1-z.theta)) / (1 - z.zeta2/z.zetan)
}

// Next returns an item number in [0, n).
func (z *Zipfian) Next(r *rand.Rand) int64 {
	u := r.Float64()
	uz := u * z.zetan
	if uz < 1 {
		return 0
	}
	if uz < z.second {
		return min(1, z.n-1)
	}
	return min(int64(float64(z.n)*math.Pow(z.eta*u-z.eta+1, z.alpha)), z.n-1)
}

// scrambled spreads the popular items of a zipfian over the keyspace by
// hashing them, as YCSB's ScrambledZipfianGenerator does, so hot keys are
// not neighbours.
type scrambled struct {
	z *Zipfian
	n int64
}

func (s *scrambled) Next(r *rand.Rand) int64 { return int64(fnv64(uint64(s.z.Next(r))) % uint64(s.n)) }

// fnv64 is FNV-1a over the 8 bytes of v, as YCSB's fnvhash64.
func fnv64(v uint64) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < 8; i++ {
		h ^= v & 0xff
		h *= 1099511628211
		v >>= 8
	}
	return h
}

// latest favours the most recently inserted records: a zipfian distance
// back from the newest, as YCSB's SkewedLatestGenerator.
type latest struct {
	ks *Keyspace
	z  *Zipfian
}

func (l *latest) Next(r *rand.Rand) int64 {
	n := max(l.ks.Size(), 1)
	if n > l.z.n {
		l.z.grow(n)
	}
	return n - 1 - l.z.Next(r)%n
}

// ScanLength picks scan lengths in [min, max], uniformly or zipfian (short
// scans most likely).
type ScanLength struct {
	min, max int
	z        *Zipfian
}

// NewScanLength returns a scan-length generator; dist is uniform or zipfian.
func NewScanLength(lo, hi int, dist string) *ScanLength {
	s := &ScanLength{min: lo, max: hi}
	if dist == "zipfian" && hi > lo {
		s.z = NewZipfian(int64(hi-lo+1), 0.99)
	}
	return s
}

// Next returns a scan length.
func (s *ScanLength) Next(r *rand.Rand) int {
	if s.z != nil {
		return s.min + int(s.z.Next(r))
	}
	return s.min + r.IntN(s.max-s.min+1)
}

// AppendKey appends the key of record n: prefix, then n in decimal,
// zero-padded so the key is size bytes long and keys sort in record order.
func AppendKey(dst []byte, prefix string, size int, n int64) []byte {
	dst = append(dst, prefix...)
	var digits [20]byte
	i := len(digits)
	for u := uint64(n); ; u /= 10 {
		i--
		digits[i] = byte('0' + u%10)
		if u < 10 {
			break
		}
	}
	for pad := size - len(prefix) - (len(digits) - i); pad > 0; pad-- {
		dst = append(dst, '0')
	}
	return append(dst, digits[i:]...)
}
