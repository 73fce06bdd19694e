package sqlite_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/statebench/statebench/store"
	"github.com/statebench/statebench/store/sqlite"
	"github.com/statebench/statebench/store/storetest"
)

func open(t *testing.T) store.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "results.db"), slog.New(slog.DiscardHandler), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) { storetest.Run(t, open) }

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }
