package store

import (
	"fmt"
	"strconv"
	"strings"
)

// Ref is a parsed run reference.
type Ref struct {
	// Prefix is an id prefix, matched ignoring case; empty for latest.
	Prefix string
	// Back is N in latest~N (0 for latest).
	Back int
}

// ParseRef parses a run reference: a prefix of a run id, "latest" or
// "latest~N". Backends use it to implement Resolve.
func ParseRef(s string) (Ref, error) {
	if s == "latest" {
		return Ref{}, nil
	}
	if n, ok := strings.CutPrefix(s, "latest~"); ok {
		back, err := strconv.Atoi(n)
		if err != nil || back < 0 {
			return Ref{}, fmt.Errorf("%w: %q: want latest~N with N a whole number", ErrInvalidRef, s)
		}
		return Ref{Back: back}, nil
	}
	if s == "" {
		return Ref{}, fmt.Errorf("%w: empty", ErrInvalidRef)
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '-' || c == '_') {
			return Ref{}, fmt.Errorf("%w: %q: want an id prefix, latest or latest~N", ErrInvalidRef, s)
		}
	}
	return Ref{Prefix: s}, nil
}
