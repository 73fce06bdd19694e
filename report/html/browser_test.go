package html

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/statebench/statebench/analysis"
)

// browser returns the path of a Chromium to run headless. Without one the
// test skips, except in CI (env CI set), where it fails: CI installs
// chromium, and a browser test that silently skips there proves nothing.
func browser(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no chromium found: CI must install it (apt-get install -y chromium)")
	}
	t.Skip("no chromium found (apt-get install -y chromium): skipping the browser test")
	return ""
}

// The report renders in a real browser without a network: every chart
// with data becomes a uPlot chart, the host charts among them, and no
// script throws.
func TestPageRendersInBrowser(t *testing.T) {
	exe := browser(t)
	runs := pair()
	cmp, err := analysis.Compare(runs[:1], runs[1:], analysis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPage(runs, cmp)
	if err != nil {
		t.Fatal(err)
	}
	want, host := 0, 0
	for _, s := range p.Sections {
		if s.Title == "Host" {
			host = len(s.Charts)
		}
		for _, c := range s.Charts {
			if len(c.Series) > 0 {
				want++
			}
		}
	}
	file := filepath.Join(t.TempDir(), "report.html")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Write(f); err != nil {
		t.Fatal(err)
	}
	f.Close()

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.Headless,
		chromedp.WindowSize(1280, 900))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA()
	ctx, cancelC := chromedp.NewContext(actx)
	defer cancelC()
	// A bound so that a hung browser ends the test; not a performance check.
	ctx, cancelT := context.WithTimeout(ctx, 2*time.Minute)
	defer cancelT()

	// Start the browser, then subscribe before the page loads, so that no
	// exception is lost.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("starting %s: %v", exe, err)
	}
	messages := chromedp.Console(ctx)
	// Navigate returns once the page has loaded, and the page's scripts are
	// inline: the charts are drawn by then, or they never will be.
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+file)); err != nil {
		t.Fatalf("rendering the report in %s: %v", exe, err)
	}
	drawn, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("body"), "data-charts-drawn"))
	if err != nil {
		t.Fatal(err)
	}
	canvases, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(".uplot canvas").length`))
	if err != nil {
		t.Fatal(err)
	}
	hostDrawn, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("[id^=chart-host-] .uplot").length`))
	if err != nil {
		t.Fatal(err)
	}
	if host == 0 || hostDrawn != host {
		t.Errorf("host charts drawn = %d, want %d (and some)", hostDrawn, host)
	}
	// A marker written last: every message before it is the page's.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](`console.log("end of test")`)); err != nil {
		t.Fatal(err)
	}
	for m, err := range messages {
		if err != nil {
			t.Fatalf("reading the console: %v", err)
		}
		if m.IsException() {
			t.Errorf("the page threw: %s", m)
		}
		if m.Text == "end of test" {
			break
		}
	}
	if !drawn.Exists {
		t.Errorf("the page's script did not finish: body has no data-charts-drawn")
	}
	if n, _ := strconv.Atoi(drawn.Value); n != want || canvases != want {
		t.Errorf("charts drawn = %q (canvases %d), want %d", drawn.Value, canvases, want)
	}
}
