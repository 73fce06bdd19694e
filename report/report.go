// Package report renders runs and comparisons for people and tools: the text
// comparison table, JSON, CSV of the windows, the Go benchmark format (for
// benchstat), and the series that the HTML report (report/html) and the
// images (report/chart) draw.
package report

import (
	"encoding/json"
	"io"
)

// WriteJSON writes v as indented JSON followed by a newline.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
