package result

// Observer is what one host observer recorded during a run. The observe
// package fills it in; docs/result-format.md documents its series.
type Observer struct {
	// Name is the observer's name: host, process, biolatency, runqlat.
	Name string `json:"name"`
	// Status is "ok" or "unavailable"; Reason says why an observer was
	// unavailable. An unavailable observer has no series: missing, not zero.
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
}
