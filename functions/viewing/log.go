package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
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

	// invalidPlanURLs is the asset's plan_urls when some entries name no
	// plan (see assetInfo). It raises the line to warn level, because the
	// asset's data in Skylark needs fixing.
	invalidPlanURLs string
}

// maxLoggedValueBytes caps a value from outside the function, such as an
// asset's plan_urls or a claim, in a log line.
const maxLoggedValueBytes = 512

// shortenForLog returns s cut to maxLoggedValueBytes, with a note of the
// full length when it is cut.
func shortenForLog(s string) string {
	if len(s) <= maxLoggedValueBytes {
		return s
	}
	cut := strings.ToValidUTF8(s[:maxLoggedValueBytes], "")
	return fmt.Sprintf("%s... (%d bytes in all)", cut, len(s))
}

// log writes one line per request with the cause that the caller never
// receives. The level is info for success and client errors, warn for
// throttling and for data from outside the caller that the function cannot
// use, and error for failures on this side.
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
	level := slog.LevelInfo
	if o.invalidPlanURLs != "" {
		attrs = append(attrs, slog.String("invalid_plan_urls", o.invalidPlanURLs))
		level = slog.LevelWarn
	}
	if o.err == nil {
		attrs = append(attrs, slog.Int("playbacks", o.playbacks))
		logger.LogAttrs(context.Background(), level, "viewing: request served", attrs...)
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
	switch {
	case status >= http.StatusInternalServerError:
		level = slog.LevelError
	case status == http.StatusTooManyRequests, o.err.warn:
		level = slog.LevelWarn
	}
	logger.LogAttrs(context.Background(), level, "viewing: request failed", attrs...)
}
