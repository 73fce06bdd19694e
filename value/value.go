// Package value makes the values a workload writes and, in verify mode,
// checks the values it reads back: each verified value carries its version
// and a checksum of key, version and payload, and a Tracker remembers the
// last acknowledged version of every key.
package value

import (
	"encoding/binary"
	"hash/crc32"
	"math/rand/v2"
)

// HeaderSize is the size of a verified value's header: the version (8
// bytes, big-endian) and a CRC-32C of key, version and payload (4 bytes).
const HeaderSize = 12

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Source makes values. It belongs to one worker.
type Source struct {
	min, max int
	pool     []byte // random bytes values are cut from, without allocating
	buf      []byte
}

// NewSource returns a value source for sizes in [min, max], with random
// bytes from r.
func NewSource(min, max int, r *rand.Rand) *Source {
	pool := make([]byte, 2*max+4096)
	for i := 0; i+8 <= len(pool); i += 8 {
		binary.LittleEndian.PutUint64(pool[i:], r.Uint64())
	}
	return &Source{min: min, max: max, pool: pool, buf: make([]byte, max)}
}

func (s *Source) size(r *rand.Rand) int {
	if s.max == s.min {
		return s.min
	}
	return s.min + r.IntN(s.max-s.min+1)
}

// Next returns a value; it is valid until the next call.
func (s *Source) Next(r *rand.Rand) []byte {
	n := s.size(r)
	off := r.IntN(len(s.pool) - n)
	return s.pool[off : off+n]
}

// NextVerified returns a value for key at version, with its header; it is
// valid until the next call.
func (s *Source) NextVerified(r *rand.Rand, key []byte, version uint64) []byte {
	n := max(s.size(r), HeaderSize)
	v := s.buf[:n]
	off := r.IntN(len(s.pool) - n)
	copy(v[HeaderSize:], s.pool[off:off+n-HeaderSize])
	binary.BigEndian.PutUint64(v, version)
	binary.BigEndian.PutUint32(v[8:], checksum(key, v))
	return v
}

func checksum(key, v []byte) uint32 {
	c := crc32.Update(0, castagnoli, key)
	c = crc32.Update(c, castagnoli, v[:8])
	return crc32.Update(c, castagnoli, v[HeaderSize:])
}

// Check returns the version a verified value carries and whether its
// checksum matches key.
func Check(key, v []byte) (version uint64, ok bool) {
	if len(v) < HeaderSize {
		return 0, false
	}
	return binary.BigEndian.Uint64(v), binary.BigEndian.Uint32(v[8:]) == checksum(key, v)
}
