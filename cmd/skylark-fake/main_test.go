package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain runs main instead of the tests when the test binary is started
// as the command by TestSignalStops.
func TestMain(m *testing.M) {
	if os.Getenv("SKYLARK_FAKE_RUN_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

const seedJSON = `{"assets":[{"uid":"asse_11111111111111111111111111111111","title":"Seeded",
  "plan_urls":["/api/plans/gold/"],"ovps":[{"account_url":"/api/accounts/mux/","playback_id":"p"}]}],
  "entitlements":[{"user_identifier":"u1","plan_url":"/api/plans/gold/"}]}`

func writeSeed(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "seed.json")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// readURL reads the first line the command prints.
func readURL(t *testing.T, r io.Reader) string {
	t.Helper()
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil {
		t.Fatalf("read URL line: %v", err)
	}
	url := strings.TrimSpace(line)
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("first line = %q, want the server URL", url)
	}
	return url
}

func TestRunServesSeededAssets(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-no-auth", "-seed", writeSeed(t, seedJSON)}, pw, io.Discard)
	}()
	url := readURL(t, pr)

	resp, err := http.Get(url + "/api/assets/asse_11111111111111111111111111111111/")
	if err != nil {
		t.Fatal(err)
	}
	var asset map[string]any
	err = json.NewDecoder(resp.Body).Decode(&asset)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || asset["title"] != "Seeded" {
		t.Fatalf("GET seeded asset: %d %v %v", resp.StatusCode, asset, err)
	}
	body := `{"asset_url":"/api/assets/asse_11111111111111111111111111111111/","user_identifier":"u1"}`
	resp, err = http.Post(url+"/api/viewings/", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Errorf("viewing with the seeded entitlement: status %d", resp.StatusCode)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("run did not return after cancel")
	}
}

func TestRunRejectsBadSettings(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"no issuer", []string{"-client-id", "c"}, "-issuer and -client-id are required"},
		{"no client id", []string{"-issuer", "http://127.0.0.1:1/p"}, "-issuer and -client-id are required"},
		{"unknown flag", []string{"-nope"}, "flag provided but not defined"},
		{"positional argument", []string{"-no-auth", "extra"}, "unexpected arguments"},
		{"missing seed file", []string{"-no-auth", "-seed", "/nonexistent/seed.json"}, "read seed file"},
		{"bad seed", []string{"-no-auth", "-seed", writeSeed(t, `{"assets":[{"uid":"x"}]}`)}, `"x"`},
		{"bad address", []string{"-no-auth", "-addr", "127.0.0.1:notaport"}, "listen on"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := run(context.Background(), tt.args, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("run(%q) = %v, want an error containing %q", tt.args, err, tt.wantErr)
			}
		})
	}
}

// TestSignalStops runs the command as a process and stops it with SIGTERM.
func TestSignalStops(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-no-auth")
	cmd.Env = append(os.Environ(), "SKYLARK_FAKE_RUN_MAIN=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	url := readURL(t, stdout)
	resp, err := http.Get(url + "/api/assets/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /api/assets/: status %d", resp.StatusCode)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err := <-waited:
		if err != nil {
			t.Errorf("exit: %v; stderr:\n%s", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("the command did not stop on SIGTERM")
	}
	if !strings.Contains(stderr.String(), "skylark-fake stopped") {
		t.Errorf("stderr does not log the stop:\n%s", stderr.String())
	}
}
