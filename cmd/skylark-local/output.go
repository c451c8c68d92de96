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

	// onError, when not nil, is called once with the first write error,
	// such as EPIPE after the reader of a pipe exited. Later lines are
	// dropped.
	onError func(error)
	err     error
}

func newPrinter(w io.Writer) *printer { return &printer{w: w} }

// write sends one block of text to w unless an earlier write failed. The
// caller holds p.mu.
func (p *printer) write(text string) {
	if p.err != nil {
		return
	}
	if _, err := io.WriteString(p.w, text); err != nil {
		p.err = err
		if p.onError != nil {
			p.onError(err)
		}
	}
}

// section starts a titled block.
func (p *printer) section(title string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.write(fmt.Sprintf("\n%s\n", title))
}

// heading writes a title line with no blank line before it.
func (p *printer) heading(title string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.write(title + "\n")
}

// step reports a component that started.
func (p *printer) step(name, format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.write(fmt.Sprintf("  ok  %-27s %s\n", name, fmt.Sprintf(format, args...)))
}

// skip reports a component that is not available, with the first line
// of the reason after its name and further lines aligned under it.
func (p *printer) skip(name, first string, more ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var b strings.Builder
	fmt.Fprintf(&b, "  --  %-27s %s\n", name, first)
	for _, l := range more {
		fmt.Fprintf(&b, "      %-27s %s\n", "", l)
	}
	p.write(b.String())
}

// line writes one indented line.
func (p *printer) line(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.write(fmt.Sprintf("  "+format+"\n", args...))
}

// table writes rows under upper-case headers in aligned columns.
func (p *printer) table(headers []string, rows [][]string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  %s\n", strings.Join(headers, "\t"))
	for _, r := range rows {
		fmt.Fprintf(tw, "  %s\n", strings.Join(r, "\t"))
	}
	tw.Flush()
	p.write(b.String())
}

// errorWatcher passes writes through to w and calls onError once, with the
// first write error. The log writers drop their own write errors, so this
// is where a closed standard error is noticed.
type errorWatcher struct {
	w       io.Writer
	onError func(error)
	once    sync.Once
}

func (e *errorWatcher) Write(b []byte) (int, error) {
	n, err := e.w.Write(b)
	if err != nil {
		e.once.Do(func() { e.onError(err) })
	}
	return n, err
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
