package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"
)

// outcome collects what one request log line reports.
type outcome struct {
	method     string
	sourceIP   string
	assetUID   string
	sub        string
	authorizer string
	cached     bool
	playbacks  int
	err        *apiError
}

// log writes one line per request with the cause that the caller never
// receives. The level is info for success and client errors, warn for
// throttling and error for failures on this side.
func (o *outcome) log(logger *slog.Logger, status int, elapsed time.Duration) {
	attrs := []slog.Attr{
		slog.Int("status", status),
		slog.String("method", o.method),
		slog.String("asset_uid", o.assetUID),
		slog.String("user_sub", o.sub),
		slog.String("authorizer", o.authorizer),
		slog.Bool("asset_cached", o.cached),
		slog.Int64("duration_ms", elapsed.Milliseconds()),
		slog.String("source_ip", o.sourceIP),
	}
	if o.err == nil {
		attrs = append(attrs, slog.Int("playbacks", o.playbacks))
		logger.LogAttrs(context.Background(), slog.LevelInfo, "viewing: request served", attrs...)
		return
	}

	attrs = append(attrs, slog.String("code", o.err.code))
	if o.err.cause != nil {
		attrs = append(attrs, slog.String("error", o.err.cause.Error()))
	}
	var perr *panicError
	if errors.As(o.err.cause, &perr) && perr.stack != nil {
		attrs = append(attrs, slog.String("stack", string(perr.stack)))
	}
	level := slog.LevelInfo
	switch {
	case status >= http.StatusInternalServerError:
		level = slog.LevelError
	case status == http.StatusTooManyRequests:
		level = slog.LevelWarn
	}
	logger.LogAttrs(context.Background(), level, "viewing: request failed", attrs...)
}
