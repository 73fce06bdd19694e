// Package html writes the HTML report: one self-contained file (the chart
// library, its style and the data are inlined, so it opens without a network)
// with interactive charts of one or more runs overlaid, the comparison table
// and the workload and environment diffs.
package html

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/statebench/statebench/analysis"
	"github.com/statebench/statebench/report"
	"github.com/statebench/statebench/result"
)

//go:embed vendor/uplot/uPlot.iife.min.js
var uplotJS string

//go:embed vendor/uplot/uPlot.min.css
var uplotCSS string

//go:embed page.js
var pageJS string

//go:embed page.tmpl
var pageTmpl string

var tmpl = template.Must(template.New("page").Funcs(template.FuncMap{
	"value":     report.FormatValue,
	"hostvalue": report.FormatHostValue,
	"hostchanges": func(hs []analysis.HostComparison, alpha float64) []analysis.HostComparison {
		var out []analysis.HostComparison
		for _, h := range hs {
			if h.Significant(alpha) {
				out = append(out, h)
			}
		}
		return out
	},
	"delta": report.FormatDelta,
	"pval": func(v *float64) string {
		if v == nil {
			return ""
		}
		return fmt.Sprintf("%.3f", *v)
	},
	"mulf": func(v float64) float64 { return v * 100 },
	"time": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05Z") },
}).Parse(pageTmpl))

// Section is a titled group of charts; the page draws every section the
// same way. The host observations (disk and run-queue latency, CPU, disks)
// are a section of their own, after the client's latency over time and on
// the same time axis.
type Section struct {
	Title  string         `json:"title"`
	Charts []report.Chart `json:"charts"`
}

// RunInfo is what the page says about each run.
type RunInfo struct {
	Label       string             `json:"label"`
	ID          string             `json:"id"`
	Benchmark   string             `json:"benchmark"`
	Status      result.Status      `json:"status"`
	StartedAt   time.Time          `json:"started_at"`
	Environment result.Environment `json:"environment"`
}

// Page is the report's content. Its JSON form (Data) is embedded in the page
// for the charts; the rest is rendered as HTML.
type Page struct {
	Title    string    `json:"title"`
	Runs     []RunInfo `json:"runs"`
	Sections []Section `json:"sections"`
	// Comparison compares the first run with the others; nil for one run.
	Comparison *analysis.Comparison `json:"comparison,omitempty"`
}

// NewPage builds the page of runs, overlaid in the given order, with an
// optional comparison: sections for throughput, latency over time, the
// host (when the runs have observations) and the latency distribution.
func NewPage(runs []*result.Document, cmp *analysis.Comparison) (*Page, error) {
	charts, err := report.Charts(runs)
	if err != nil {
		return nil, err
	}
	p := &Page{Comparison: cmp}
	var ids []string
	for i, d := range runs {
		p.Runs = append(p.Runs, RunInfo{Label: report.RunLabel(d, i), ID: d.ID, Benchmark: d.Benchmark, Status: d.Status, StartedAt: d.StartedAt, Environment: d.Environment})
		ids = append(ids, d.ID)
	}
	p.Title = "statebench: " + strings.Join(ids, " vs ")
	groups := []struct {
		title, prefix string
		optional      bool // left out when it has no chart
	}{
		{"Throughput", "throughput", false},
		{"Latency over time", "latency-", false},
		{"Host", "host-", true},
		{"Latency distribution", "distribution-", false},
	}
	for _, g := range groups {
		s := Section{Title: g.title}
		for _, c := range charts {
			if strings.HasPrefix(c.ID, g.prefix) {
				s.Charts = append(s.Charts, c)
			}
		}
		if g.optional && len(s.Charts) == 0 {
			continue
		}
		p.Sections = append(p.Sections, s)
	}
	return p, nil
}

// Data returns the page's JSON exactly as embedded in the HTML: compact,
// since an hour of windows of several runs makes megabytes.
func (p *Page) Data() ([]byte, error) {
	// json.Marshal escapes <, > and &, so the text is safe inside a
	// <script> element.
	return json.Marshal(p)
}

// Write writes the page as one self-contained HTML document.
func (p *Page) Write(w io.Writer) error {
	data, err := p.Data()
	if err != nil {
		return fmt.Errorf("encoding report data: %w", err)
	}
	return tmpl.Execute(w, struct {
		*Page
		Data     template.JS
		UPlotJS  template.JS
		UPlotCSS template.CSS
		PageJS   template.JS
	}{p, template.JS(data), template.JS(uplotJS), template.CSS(uplotCSS), template.JS(pageJS)})
}
