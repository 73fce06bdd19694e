package hdr

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
)

// Encoding is the name of the format Encode writes, stored beside the data
// in result documents.
const Encoding = "hdr-sparse-v1"

// Encode returns the histogram in the hdr-sparse-v1 format, base64 (standard
// alphabet, padded): uvarints lowest, highest, significant figures, then for
// each non-empty bucket the number of empty buckets skipped since the last
// one and its count. Decoding it gives back an equal histogram.
func (h *Histogram) Encode() string {
	buf := make([]byte, 0, 64)
	buf = binary.AppendUvarint(buf, uint64(h.cfg.Lowest))
	buf = binary.AppendUvarint(buf, uint64(h.cfg.Highest))
	buf = binary.AppendUvarint(buf, uint64(h.cfg.SigFigs))
	last := -1
	for i := range h.counts {
		c := h.counts[i].Load()
		if c == 0 {
			continue
		}
		buf = binary.AppendUvarint(buf, uint64(i-last-1))
		buf = binary.AppendUvarint(buf, uint64(c))
		last = i
	}
	return base64.StdEncoding.EncodeToString(buf)
}

// Decode reads a histogram written by Encode. encoding must be Encoding.
func Decode(encoding, data string) (*Histogram, error) {
	if encoding != Encoding {
		return nil, fmt.Errorf("decoding histogram: unknown encoding %q (want %s)", encoding, Encoding)
	}
	b, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		return nil, fmt.Errorf("decoding histogram: %w", err)
	}
	var vals [3]uint64
	for i := range vals {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return nil, errors.New("decoding histogram: truncated header")
		}
		vals[i], b = v, b[n:]
	}
	cfg := Config{Lowest: int64(vals[0]), Highest: int64(vals[1]), SigFigs: int(vals[2])}
	if cfg.Lowest < 1 || cfg.SigFigs < 1 || cfg.SigFigs > 5 || cfg.Highest < 2*cfg.Lowest || cfg.Highest > 1<<62 {
		return nil, fmt.Errorf("decoding histogram: invalid configuration %+v", cfg)
	}
	h := New(cfg)
	i := -1
	for len(b) > 0 {
		skip, n := binary.Uvarint(b)
		if n <= 0 {
			return nil, errors.New("decoding histogram: truncated bucket")
		}
		b = b[n:]
		c, n := binary.Uvarint(b)
		if n <= 0 || c == 0 || c > 1<<62 {
			return nil, errors.New("decoding histogram: bad bucket count")
		}
		b = b[n:]
		if skip >= uint64(len(h.counts)) || i+1+int(skip) >= len(h.counts) {
			return nil, errors.New("decoding histogram: bucket out of range")
		}
		i += 1 + int(skip)
		h.counts[i].Store(int64(c))
	}
	return h, nil
}
