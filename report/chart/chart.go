// Package chart draws the report's charts as images, PNG or SVG, with
// gonum/plot: no browser or display needed, for CI artefacts and issues.
// It draws the same report.Chart data as the HTML report, with the same
// colours per run.
package chart

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/statebench/statebench/report"
)

// The image formats.
const (
	PNG = "png"
	SVG = "svg"
)

// The size of every image, and of the legend on its right.
var (
	Width       = 28 * vg.Centimeter
	Height      = 12 * vg.Centimeter
	LegendWidth = 5.5 * vg.Centimeter
)

// families are the colours of each run, strongest first; the HTML report
// uses the same ones.
var families = [][]string{
	{"#0b4f9c", "#1f77b4", "#4a9be0", "#7fb8ea", "#a9cff2"},
	{"#a14400", "#ff7f0e", "#ffa04d", "#ffbf85", "#ffd9b5"},
	{"#145a14", "#2ca02c", "#5cc45c", "#8ed88e", "#bce9bc"},
	{"#8b1516", "#d62728", "#e86061", "#f19798", "#f7c3c3"},
	{"#4c2d73", "#9467bd", "#b08fd1", "#cbb5e2", "#e1d4ef"},
	{"#5a3a31", "#8c564b", "#b07f74", "#cca79f", "#e2cdc8"},
}

func colour(run, shade int) color.Color {
	f := families[run%len(families)]
	h := f[min(shade, len(f)-1)]
	v, _ := strconv.ParseUint(h[1:], 16, 32)
	return color.RGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 255}
}

// Write draws every chart into dir as ID.format (format PNG or SVG) and
// returns the paths written. dir is created if needed.
func Write(dir, format string, charts []report.Chart) ([]string, error) {
	if format != PNG && format != SVG {
		return nil, fmt.Errorf("image format %q: want png or svg", format)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating image directory: %w", err)
	}
	var paths []string
	for _, c := range charts {
		path := filepath.Join(dir, c.ID+"."+format)
		f, err := os.Create(path)
		if err != nil {
			return paths, fmt.Errorf("writing chart %s: %w", c.ID, err)
		}
		err = Draw(f, c, format)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return paths, fmt.Errorf("writing chart %s: %w", c.ID, err)
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// Draw renders one chart to w in format (PNG or SVG). Gaps in a series
// (missing windows) stay gaps: each unbroken stretch is its own line.
func Draw(w io.Writer, c report.Chart, format string) error {
	p := plot.New()
	p.Title.Text = c.Title
	p.X.Label.Text = c.XLabel
	p.Y.Label.Text = c.YLabel
	// The legend goes beside the plot: a chart of percentiles of several
	// runs has too many lines for a legend inside it.
	legend := plot.NewLegend()
	legend.Top, legend.Left = true, true
	legend.TextStyle.Font.Size = vg.Points(8)
	legend.ThumbnailWidth = vg.Points(18)
	p.Add(plotter.NewGrid())
	if c.XKind == report.XPercentile {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = percentileTicks{}
	}
	if c.LogY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range c.Series {
		style := draw.LineStyle{Color: colour(s.Run, s.Shade), Width: vg.Points(1)}
		if s.Dashed {
			style.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		}
		var first *plotter.Line
		for _, seg := range segments(c.X, s.Y, c.LogY) {
			for _, xy := range seg {
				lo, hi = math.Min(lo, xy.Y), math.Max(hi, xy.Y)
			}
			l, err := plotter.NewLine(seg)
			if err != nil {
				return fmt.Errorf("drawing %s: %w", s.Label, err)
			}
			l.LineStyle = style
			p.Add(l)
			if first == nil {
				first = l
			}
		}
		if first != nil {
			legend.Add(s.Label, first)
		}
	}
	if len(c.Series) == 0 || math.IsInf(lo, 0) {
		// An empty chart still renders, with a note, rather than failing.
		p.Title.Text += " (no data)"
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 1, 10
	}
	for _, m := range c.Markers {
		if math.IsInf(lo, 0) {
			break
		}
		l, err := plotter.NewLine(plotter.XYs{{X: m.X, Y: lo}, {X: m.X, Y: hi}})
		if err != nil {
			return err
		}
		l.LineStyle = draw.LineStyle{Color: colour(m.Run, 0), Width: vg.Points(0.7), Dashes: []vg.Length{vg.Points(2), vg.Points(2)}}
		p.Add(l)
		lab, err := plotter.NewLabels(plotter.XYLabels{XYs: []plotter.XY{{X: m.X, Y: hi}}, Labels: []string{m.Kind + ": " + m.Label}})
		if err != nil {
			return err
		}
		lab.TextStyle[0].Font.Size = vg.Points(7)
		lab.TextStyle[0].Color = colour(m.Run, 0)
		p.Add(lab)
	}
	var canvas vg.CanvasWriterTo
	switch format {
	case PNG:
		canvas = vgimg.PngCanvas{Canvas: vgimg.New(Width, Height)}
	case SVG:
		canvas = vgsvg.New(Width, Height)
	default:
		return fmt.Errorf("image format %q: want png or svg", format)
	}
	dc := draw.New(canvas)
	p.Draw(draw.Crop(dc, 0, -LegendWidth, 0, 0))
	legend.Draw(draw.Crop(dc, Width-LegendWidth+vg.Points(6), 0, 0, -vg.Points(14)))
	_, err := canvas.WriteTo(w)
	return err
}

// segments splits a series into its unbroken stretches; on a log axis,
// values that are not positive cannot be drawn and break the line too.
func segments(x []float64, y []*float64, logY bool) []plotter.XYs {
	var out []plotter.XYs
	var cur plotter.XYs
	for i, v := range y {
		if v == nil || logY && *v <= 0 {
			if len(cur) > 0 {
				out = append(out, cur)
				cur = nil
			}
			continue
		}
		cur = append(cur, plotter.XY{X: x[i], Y: *v})
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// percentileTicks labels a 1/(1-p) axis with percentiles, one a decade.
type percentileTicks struct{}

func (percentileTicks) Ticks(min, max float64) []plot.Tick {
	var ts []plot.Tick
	for x := 1.0; x <= max*1.0001; x *= 10 {
		if x < min/1.0001 {
			continue
		}
		ts = append(ts, plot.Tick{Value: x, Label: percentileLabel(x)})
	}
	return ts
}

// percentileLabel names the percentile at x = 1/(1-p): 0%, 90%, 99%, 99.9%.
func percentileLabel(x float64) string {
	p := (1 - 1/x) * 100
	if p <= 0 {
		return "0%"
	}
	digits := max(0, int(math.Round(math.Log10(x)))-2)
	return strconv.FormatFloat(p, 'f', digits, 64) + "%"
}
