package driver

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
)

// Class is what kind of failure an operation's error is. Windows count
// errors per class.
type Class uint8

// The error classes. OK is not an error.
const (
	OK Class = iota
	Timeout
	Connection
	NotFound
	Other
	NumClasses // the number of classes, not a class
)

var classNames = [NumClasses]string{"ok", "timeout", "connection", "not_found", "other"}

// String returns the class's name as used in result documents.
func (c Class) String() string {
	if c < NumClasses {
		return classNames[c]
	}
	return "unknown"
}

// Classifier is an optional Driver ability: classifying errors of the
// driver's own client library that Classify cannot recognise. It returns
// Other when it does not know better.
type Classifier interface {
	Classify(err error) Class
}

// ErrTimeout and ErrConnection may be wrapped by drivers to classify an error
// explicitly.
var (
	ErrTimeout    = errors.New("timeout")
	ErrConnection = errors.New("connection error")
)

// Classify sorts an error into a class by the standard library's error
// types: deadlines are timeouts, refused or reset connections are connection
// errors. Drivers with their own error types also implement Classifier.
func Classify(err error) Class {
	switch {
	case err == nil:
		return OK
	case errors.Is(err, ErrNotFound):
		return NotFound
	case errors.Is(err, ErrTimeout), errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return Timeout
	case errors.Is(err, ErrConnection), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, syscall.ECONNABORTED), errors.Is(err, net.ErrClosed):
		return Connection
	}
	var ne net.Error
	if errors.As(err, &ne) {
		if ne.Timeout() {
			return Timeout
		}
		return Connection
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return Connection
	}
	return Other
}
