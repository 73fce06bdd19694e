package cli

import (
	"errors"
	"fmt"
)

// Exit codes, listed in the README. Scripts and pipelines rely on them.
const (
	ExitOK           = 0
	ExitInternal     = 1   // a bug or an environment problem statebench cannot name better
	ExitInvalid      = 2   // invalid input: flags, workload, file, argument
	ExitUnreachable  = 3   // the target could not be reached, or failed as a whole
	ExitRegression   = 4   // a gate (compare --fail-on-regression) found a regression
	ExitVerifyFailed = 5   // data verification found lost or corrupt acknowledged writes
	ExitInterrupted  = 130 // interrupted by SIGINT or SIGTERM; the partial run is saved
)

// exitError attaches an exit code to an error. The code is resolved once,
// at the top, by Main.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// withCode returns err carrying the exit code; nil stays nil.
func withCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: code, err: err}
}

// invalidf returns an invalid-input error (exit code 2).
func invalidf(format string, args ...any) error {
	return withCode(ExitInvalid, fmt.Errorf(format, args...))
}

// exitCode returns the exit code an error carries; 1 if none.
func exitCode(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return ExitInternal
}
