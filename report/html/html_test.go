package html

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/statebench/statebench/analysis"
	"github.com/statebench/statebench/report/internal/fixture"
	"github.com/statebench/statebench/result"
)

var (
	update = flag.Bool("update", false, "rewrite the golden files")
	out    = flag.String("out", "", "also write the report page here, to look at")
)

func pair() []*result.Document {
	return []*result.Document{
		fixture.Run{ID: "01BASE00000000000000AAAAAA", Windows: 20, Rate: 200, P50Us: 100, Seed: 1, Iowait: 3, DiskUs: 400}.Doc(),
		fixture.Run{ID: "01CAND00000000000000BBBBBB", Windows: 20, Rate: 200, P50Us: 140, Seed: 2, Kernel: "6.2.0", Iowait: 15, DiskUs: 1600}.Doc(),
	}
}

// The data embedded in the page is the report's content: its golden file
// shows every chart series, marker and comparison row.
func TestPageData(t *testing.T) {
	runs := pair()
	cmp, err := analysis.Compare(runs[:1], runs[1:], analysis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPage(runs, cmp)
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.Data()
	if err != nil {
		t.Fatal(err)
	}
	// Indented in the golden file, so that a change diffs line by line.
	var indented bytes.Buffer
	if err := json.Indent(&indented, got, "", " "); err != nil {
		t.Fatal(err)
	}
	golden(t, "testdata/page-data.golden.json", indented.Bytes())

	var buf bytes.Buffer
	if err := p.Write(&buf); err != nil {
		t.Fatal(err)
	}
	if *out != "" {
		if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	html := buf.String()
	for _, want := range []string{
		`<script type="application/json" id="statebench-data">` + string(got) + `</script>`,
		uplotJS, uplotCSS,
		"Latency distribution", "Environment changes", "environment.kernel",
		"<td class=\"l\">cpu.iowait_pct</td>", "pts</td>", "Host changes, significant",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("Write() page lacks %.60q", want)
		}
	}
	// Self-contained: nothing is fetched when the page is viewed.
	for _, bad := range []string{"<script src", "<link rel=\"stylesheet\"", "@import", "http://", "https://cdn"} {
		if strings.Contains(html, bad) {
			t.Errorf("Write() page contains %q: it must not load anything", bad)
		}
	}
}

// Sections are drawn generically: a section appended by an observer shows
// up in the page and its data.
func TestPageExtraSection(t *testing.T) {
	p, err := NewPage(pair()[:1], nil)
	if err != nil {
		t.Fatal(err)
	}
	p.Sections = append(p.Sections, Section{Title: "Disk queue"})
	var buf bytes.Buffer
	if err := p.Write(&buf); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(buf.String(), `class="section"`); n != 5 {
		t.Errorf("page has %d sections, want 5", n)
	}
	if !strings.Contains(buf.String(), "<h2>Disk queue</h2>") {
		t.Errorf("page lacks the extra section's title")
	}
}

// The host section holds the observations' charts, and only when a run
// has some that ran.
func TestPageHostSection(t *testing.T) {
	observed := fixture.Run{ID: "01OBS", Windows: 10, Rate: 100, P50Us: 100, Seed: 1, Iowait: 5, DiskUs: 300}.Doc()
	plain := fixture.Run{ID: "01PLAIN", Windows: 10, Rate: 100, P50Us: 100, Seed: 1}.Doc()
	unavailable := fixture.Run{ID: "01UNAV", Windows: 10, Rate: 100, P50Us: 100, Seed: 1}.Doc()
	unavailable.Observers = []result.Observer{{Name: "biolatency", Status: result.ObserverUnavailable, Reason: "not permitted"}}
	tests := []struct {
		name string
		runs []*result.Document
		// host lists the host section's chart IDs; nil for no section.
		host []string
	}{
		// A run with observers: latency of the busy disk's writes and of
		// the run queue, the CPU split, the busy disk's IOPS and await;
		// nothing of the idle disk vdb.
		{"observed", []*result.Document{observed},
			[]string{"host-disk-latency-vda-write", "host-runq", "host-cpu", "host-disk-iops-vda", "host-disk-await-vda"}},
		// Without observers, or with only unavailable ones: no section.
		{"plain", []*result.Document{plain}, nil},
		{"unavailable", []*result.Document{unavailable}, nil},
		// Overlaid with a plain run: the observed run's charts.
		{"mixed", []*result.Document{plain, observed},
			[]string{"host-disk-latency-vda-write", "host-runq", "host-cpu", "host-disk-iops-vda", "host-disk-await-vda"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := NewPage(tt.runs, nil)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			found := false
			for _, s := range p.Sections {
				if s.Title != "Host" {
					continue
				}
				found = true
				for _, c := range s.Charts {
					got = append(got, c.ID)
					if len(c.Markers) == 0 {
						t.Errorf("host chart %s has no event markers", c.ID)
					}
					if len(c.X) != len(p.Sections[0].Charts[0].X) {
						t.Errorf("host chart %s has %d x values, want the throughput chart's %d", c.ID, len(c.X), len(p.Sections[0].Charts[0].X))
					}
				}
			}
			if tt.host == nil {
				if found {
					t.Errorf("NewPage(%s) has a host section %v, want none", tt.name, got)
				}
				return
			}
			if strings.Join(got, " ") != strings.Join(tt.host, " ") {
				t.Errorf("NewPage(%s) host charts = %v, want %v", tt.name, got, tt.host)
			}
		})
	}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden file (run with -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output (run with -update after checking the change):\n%s", path, firstDiff(string(want), string(got)))
	}
}

func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + strconv.Itoa(i+1) + ":\n  got  " + g + "\n  want " + w
		}
	}
	return ""
}
