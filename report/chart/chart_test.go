package chart

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/statebench/statebench/report"
	"github.com/statebench/statebench/report/internal/fixture"
	"github.com/statebench/statebench/result"
)

func charts(t *testing.T) []report.Chart {
	t.Helper()
	cs, err := report.Charts([]*result.Document{
		fixture.Run{ID: "01BASE00000000000000AAAAAA", Windows: 12, Rate: 100, P50Us: 100, Seed: 1}.Doc(),
		fixture.Run{ID: "01CAND00000000000000BBBBBB", Windows: 12, Rate: 100, P50Us: 140, Seed: 2}.Doc(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func TestWrite(t *testing.T) {
	cs := charts(t)
	for _, format := range []string{PNG, SVG} {
		dir := t.TempDir()
		paths, err := Write(dir, format, cs)
		if err != nil {
			t.Fatalf("Write(%s): %v", format, err)
		}
		var names []string
		for _, p := range paths {
			names = append(names, filepath.Base(p))
		}
		want := []string{"throughput", "latency-read", "latency-update", "distribution-read", "distribution-update"}
		for i := range want {
			want[i] += "." + format
		}
		if !slices.Equal(names, want) {
			t.Errorf("Write(%s) files = %v, want %v", format, names, want)
		}
		b, err := os.ReadFile(filepath.Join(dir, "throughput."+format))
		if err != nil {
			t.Fatal(err)
		}
		switch format {
		case PNG:
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("throughput.png does not decode: %v", err)
			}
			if r := img.Bounds(); r.Dx() < 400 || r.Dy() < 200 {
				t.Errorf("throughput.png is %v, want at least 400x200", r)
			}
		case SVG:
			if !strings.Contains(string(b), "<svg") || !strings.Contains(string(b), "Throughput") {
				t.Errorf("throughput.svg lacks <svg or its title")
			}
		}
	}
	if _, err := Write(t.TempDir(), "gif", cs); err == nil {
		t.Errorf("Write(gif) error = nil, want an error naming the format")
	}
}

func TestSegments(t *testing.T) {
	v := func(f float64) *float64 { return &f }
	x := []float64{0, 1, 2, 3, 4, 5}
	y := []*float64{v(1), v(2), nil, v(3), v(0), v(4)}
	// A gap splits the line; on a log axis, so does a zero.
	if got := len(segments(x, y, false)); got != 2 {
		t.Errorf("segments(linear) = %d stretches, want 2", got)
	}
	if got := len(segments(x, y, true)); got != 3 {
		t.Errorf("segments(log) = %d stretches, want 3", got)
	}
}

func TestPercentileLabel(t *testing.T) {
	tests := []struct {
		x    float64
		want string
	}{
		{1, "0%"}, {10, "90%"}, {100, "99%"}, {1000, "99.9%"}, {1e5, "99.999%"},
	}
	for _, tt := range tests {
		if got := percentileLabel(tt.x); got != tt.want {
			t.Errorf("percentileLabel(%v) = %q, want %q", tt.x, got, tt.want)
		}
	}
}
