package main

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
)

// printer writes the progress lines and tables people read. It is safe for
// concurrent use.
type printer struct {
	mu sync.Mutex
	w  io.Writer
}

func newPrinter(w io.Writer) *printer { return &printer{w: w} }

// section starts a titled block.
func (p *printer) section(title string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "\n%s\n", title)
}

// step reports a component that started.
func (p *printer) step(name, format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "  ok  %-27s %s\n", name, fmt.Sprintf(format, args...))
}

// line writes one indented line.
func (p *printer) line(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "  "+format+"\n", args...)
}

// table writes rows under upper-case headers in aligned columns.
func (p *printer) table(headers []string, rows [][]string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	tw := tabwriter.NewWriter(p.w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  %s\n", strings.Join(headers, "\t"))
	for _, r := range rows {
		fmt.Fprintf(tw, "  %s\n", strings.Join(r, "\t"))
	}
	tw.Flush()
}

// verdict is the word shown for a check: ok, or FAIL.
func verdict(ok bool) string {
	if ok {
		return "ok"
	}
	return "FAIL"
}

// seconds formats a duration as seconds with one decimal.
func seconds(d time.Duration) string {
	return fmt.Sprintf("%.1fs", d.Seconds())
}

// hostPlatform returns GOOS/GOARCH of this machine, the platform the
// emulator can run.
func hostPlatform() string {
	return runtime.GOOS + "/" + runtime.GOARCH
}

// shorten cuts s to n runes with an ellipsis.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// withoutQuery hides a URL's query, where playback URLs carry their token.
func withoutQuery(u string) string {
	if i := strings.IndexByte(u, '?'); i >= 0 {
		return u[:i] + "?…"
	}
	return u
}
