package mysql_test

import (
	"testing"

	"github.com/statebench/statebench/driver/mysql"
	"github.com/statebench/statebench/driver/sqlkv/sqlkvtest"
)

// A session survives a restart of the server: while it is down, operations
// fail at once with connection errors; once it is back, the same session
// works again without being reopened, and what was committed before is there.
func TestSessionSurvivesRestart(t *testing.T) {
	sqlkvtest.SessionSurvivesRestart(t, startServer(t), mysql.Open)
}
