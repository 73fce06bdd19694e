package value

import (
	"math/rand/v2"
	"testing"
)

// A verified value carries its version and a checksum of key, version and
// payload: any change to one of them is detected.
func TestCheck(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	s := NewSource(24, 100, r)
	key := []byte("user0001")
	v := append([]byte(nil), s.NextVerified(r, key, 7)...)
	if ver, ok := Check(key, v); !ok || ver != 7 {
		t.Fatalf("Check = %d, %v; want 7, true", ver, ok)
	}
	if _, ok := Check([]byte("user0002"), v); ok {
		t.Errorf("a value checks under another key")
	}
	v[len(v)-1] ^= 1
	if _, ok := Check(key, v); ok {
		t.Errorf("a flipped payload bit is not detected")
	}
	if _, ok := Check(key, v[:5]); ok {
		t.Errorf("a truncated value checks")
	}
}

func TestJudge(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	s := NewSource(32, 32, r)
	key := []byte("k")
	val := func(ver uint64) []byte { return append([]byte(nil), s.NextVerified(r, key, ver)...) }
	cases := []struct {
		name  string
		found bool
		v     []byte
		e     Expectation
		want  Verdict
	}{
		// The last acknowledged version, or a newer one, is good.
		{"current", true, val(3), Expectation{Version: 3}, Good},
		{"newer", true, val(4), Expectation{Version: 3}, Good},
		// An older version than acknowledged is stale, unless a failed
		// write of that version may have been applied.
		{"older", true, val(2), Expectation{Version: 3}, Stale},
		{"older but maybe applied", true, val(2), Expectation{Version: 1, Unknown: 2}, Good},
		// Missing although written is stale; missing after a delete or
		// before any write is good.
		{"missing", false, nil, Expectation{Version: 3}, Stale},
		{"deleted", false, nil, Expectation{Version: 3, Deleted: true}, Good},
		{"never written", false, nil, Expectation{}, Good},
		// Found although deleted, with the deleted or an older version.
		{"revived", true, val(2), Expectation{Version: 3, Deleted: true}, Revived},
		// A checksum mismatch is corrupt.
		{"corrupt", true, append(val(3)[:20], 'x', 'y', 'z'), Expectation{Version: 3}, Corrupt},
	}
	for _, c := range cases {
		if got := Judge(key, c.found, c.v, c.e); got != c.want {
			t.Errorf("%s: Judge = %d, want %d", c.name, got, c.want)
		}
	}
}

// The tracker hands out increasing versions per key and remembers the last
// acknowledged one, and a failed write as maybe applied.
func TestTracker(t *testing.T) {
	tr := NewTracker()
	tr.Loaded(0, 10)
	w := tr.Begin(5)
	if w.Version != 2 {
		t.Fatalf("first write after load: version %d, want 2", w.Version)
	}
	w.End(false, false)
	if e := tr.Expect(5); e.Version != 1 || e.Unknown != 2 {
		t.Errorf("after a failed write: %+v, want acked 1, unknown 2", e)
	}
	w = tr.Begin(5)
	w.End(true, true)
	if e := tr.Expect(5); e.Version != 3 || !e.Deleted || e.Unknown != 0 {
		t.Errorf("after an acknowledged delete: %+v, want version 3 deleted", e)
	}
	n := 0
	tr.Keys(func(int64, Expectation) { n++ })
	if n != 10 {
		t.Errorf("Keys visited %d keys, want 10", n)
	}
}
