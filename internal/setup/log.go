package setup

import (
	"io"
	"log/slog"
	"os"
)

// NewLogger returns a JSON logger that writes to standard output, where
// Lambda forwards each line to CloudWatch Logs.
func NewLogger(level slog.Level) *slog.Logger {
	return newLogger(os.Stdout, level)
}

func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}
