package setup

import (
	"io"
	"log/slog"
	"os"
)

// ExitOnInitError logs err as one JSON line on standard output and exits
// with status 1. Lambda then reports the failed init on the first invocation
// and keeps the line in the function's log, so the message must name what
// to fix. Call it only from main, never from a handler.
func ExitOnInitError(function string, err error) {
	newLogger(os.Stdout, slog.LevelInfo).Error(function+": start failed", "error", err.Error())
	os.Exit(1)
}

// NewLogger returns a JSON logger that writes to standard output, where
// Lambda forwards each line to CloudWatch Logs.
func NewLogger(level slog.Level) *slog.Logger {
	return newLogger(os.Stdout, level)
}

func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}
