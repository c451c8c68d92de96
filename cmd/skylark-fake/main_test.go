package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/streamkit/skylark-lambda/internal/testenv"
	"github.com/streamkit/skylark-lambda/pkg/skylark/skylarktest"
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

// startRun runs the command in-process with args and returns its URL, its
// standard error and a function that stops it and waits for run to return.
func startRun(t *testing.T, args ...string) (string, *testenv.Buffer, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	stderr := &testenv.Buffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, pw, stderr) }()
	url := readURL(t, pr)
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	stop := func() {
		t.Helper()
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
	t.Cleanup(cancel)
	return url, stderr, stop
}

// request sends a request and returns the status and body.
func request(t *testing.T, method, url, body string, header http.Header) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, url, err)
	}
	return resp.StatusCode, string(data)
}

// TestSeedExampleFile loads the seed file that the package documentation
// points to and checks each documented key.
func TestSeedExampleFile(t *testing.T) {
	url, _, stop := startRun(t, "-no-auth", "-quiet", "-seed", filepath.Join("testdata", "seed.json"))
	defer stop()
	const joy = "asse_4e4a9d0e3c054790886684b924e1d13c"

	status, body := request(t, http.MethodGet, url+"/api/assets/"+joy+"/", "", nil)
	if status != http.StatusOK || !strings.Contains(body, `"title":"The Joy of Winning"`) {
		t.Errorf("GET the asset seeded by uid: %d %s", status, body)
	}
	status, body = request(t, http.MethodGet, url+"/api/assets/versions/data-source/trailer-01/", "", nil)
	if status != http.StatusOK || !strings.Contains(body, `"title":"Trailer 01"`) {
		t.Errorf("GET the asset seeded by data source id: %d %s", status, body)
	}
	status, body = request(t, http.MethodGet, url+"/api/assets/", "", nil)
	if status != http.StatusOK || strings.Count(body, `"uid":`) != 2 {
		t.Errorf("GET /api/assets/ does not list the 2 seeded assets: %d %s", status, body)
	}

	tests := []struct {
		name, user, asset string
		want              int
		playback          string
	}{
		{"entitled user, premium asset", "alice", "/api/assets/" + joy + "/", http.StatusCreated,
			"https://stream.mux.com/jOyOfW1nn1nG.m3u8"},
		{"user without entitlement, premium asset", "bob", "/api/assets/" + joy + "/", http.StatusForbidden, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"asset_url":"` + tt.asset + `","user_identifier":"` + tt.user + `"}`
			status, resp := request(t, http.MethodPost, url+"/api/viewings/", body, nil)
			if status != tt.want {
				t.Errorf("POST /api/viewings/ as %s: status %d, want %d; body %s", tt.user, status, tt.want, resp)
			}
			if tt.playback != "" && !strings.Contains(resp, tt.playback) {
				t.Errorf("viewing body lacks %s: %s", tt.playback, resp)
			}
		})
	}
}

// TestSeedFreeAssetPlays checks that an asset without plan_urls plays for a
// user without entitlements.
func TestSeedFreeAssetPlays(t *testing.T) {
	url, _, stop := startRun(t, "-no-auth", "-quiet", "-seed", filepath.Join("testdata", "seed.json"))
	defer stop()
	status, body := request(t, http.MethodGet, url+"/api/assets/versions/data-source/trailer-01/", "", nil)
	var asset struct{ Self string }
	if err := json.Unmarshal([]byte(body), &asset); status != http.StatusOK || err != nil || asset.Self == "" {
		t.Fatalf("GET trailer-01: %d %s (%v)", status, body, err)
	}
	status, body = request(t, http.MethodPost, url+"/api/viewings/",
		`{"asset_url":"`+asset.Self+`","user_identifier":"bob"}`, nil)
	if status != http.StatusCreated || !strings.Contains(body, "https://cdn.example.com/trailer-01/index.m3u8") {
		t.Errorf("viewing of the free asset: %d %s", status, body)
	}
}

func TestRequestLog(t *testing.T) {
	const secretToken = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ0ZXN0In0.c2VjcmV0LXRva2Vu"
	url, stderr, stop := startRun(t, "-no-auth", "-seed", writeSeed(t, seedJSON))
	auth := http.Header{"Authorization": {"Bearer " + secretToken}}
	request(t, http.MethodGet, url+"/api/assets/asse_11111111111111111111111111111111/", "", auth)
	request(t, http.MethodGet, url+"/api/assets/versions/data-source/no%20such/", "", auth)
	request(t, http.MethodPatch, url+"/api/assets/asse_11111111111111111111111111111111/", `{"titel":"x"}`, auth)
	stop()

	log := stderr.String()
	for _, want := range []string{
		"msg=request method=GET path=/api/assets/asse_11111111111111111111111111111111/ status=200 duration=",
		"msg=request method=GET path=/api/assets/versions/data-source/no%20such/ status=404 duration=",
		"msg=request method=PATCH path=/api/assets/asse_11111111111111111111111111111111/ status=400 duration=",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if got := strings.Count(log, "msg=request "); got != 3 {
		t.Errorf("log has %d request lines, want 3:\n%s", got, log)
	}
	if strings.Contains(log, secretToken) || strings.Contains(log, "c2VjcmV0LXRva2Vu") {
		t.Errorf("log contains the Authorization value:\n%s", log)
	}
}

func TestQuietLogsNoRequests(t *testing.T) {
	url, stderr, stop := startRun(t, "-no-auth", "-quiet")
	request(t, http.MethodGet, url+"/api/assets/", "", nil)
	stop()
	log := stderr.String()
	if strings.Contains(log, "msg=request ") {
		t.Errorf("-quiet still logs requests:\n%s", log)
	}
	if !strings.Contains(log, "skylark-fake started") || !strings.Contains(log, "skylark-fake stopped") {
		t.Errorf("-quiet dropped the start and stop lines:\n%s", log)
	}
}

// TestRequestLogReset checks the line for an injected connection reset,
// which hijacks the connection and sends no status.
func TestRequestLogReset(t *testing.T) {
	var stderr testenv.Buffer
	srv := skylarktest.NewUnstartedServer(skylarktest.Options{NoAuth: true})
	srv.Config.Handler = logRequests(srv.Config.Handler, slog.New(slog.NewTextHandler(&stderr, nil)))
	srv.Start()
	defer srv.Close()
	srv.InjectFault(skylarktest.Fault{Method: http.MethodGet, PathPrefix: "/api/assets/", Reset: true, Times: 1})

	if resp, err := http.Get(srv.URL + "/api/assets/"); err == nil {
		resp.Body.Close()
		t.Fatalf("GET with a reset fault: status %d, want a connection error", resp.StatusCode)
	}
	status, _ := request(t, http.MethodGet, srv.URL+"/api/assets/", "", nil)
	if status != http.StatusOK {
		t.Errorf("GET after the fault: status %d, want 200", status)
	}
	srv.Close()
	log := stderr.String()
	for _, want := range []string{"path=/api/assets/ status=reset", "path=/api/assets/ status=200"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
}
