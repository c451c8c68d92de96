package skylark_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/streamkit/skylark-lambda/pkg/skylark"
)

// TestRetryAfterCapped checks that every Retry-After form gives a wait
// between 0 and 24 hours, and that a wait above MaxDelay ends the retries
// at once.
func TestRetryAfterCapped(t *testing.T) {
	tests := []struct {
		name   string
		header string
		want   time.Duration
	}{
		{"date in year 9999", "Fri, 31 Dec 9999 23:59:59 GMT", 24 * time.Hour},
		{"date two days ahead", time.Now().Add(48 * time.Hour).UTC().Format(http.TimeFormat), 24 * time.Hour},
		{"seconds above int64 range", "99999999999999999999", 0}, // invalid, so ignored
		{"seconds of 292 years", "9223372036", 24 * time.Hour},
		{"date in year 1", "Mon, 01 Jan 0001 00:00:00 GMT", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				w.Header().Set("Retry-After", tt.header)
				w.WriteHeader(http.StatusServiceUnavailable)
			}))
			defer srv.Close()
			policy := skylark.RetryPolicy{MaxAttempts: 2, MinDelay: time.Millisecond, MaxDelay: time.Second}
			c, err := skylark.NewClient(srv.URL, skylark.WithRetry(policy))
			if err != nil {
				t.Fatal(err)
			}

			_, err = c.Assets.Get(context.Background(), "asse_4e4a9d0e3c054790886684b924e1d13c", nil)

			er := wantErrorResponse(t, err, http.StatusServiceUnavailable)
			if got := er.RetryAfter(); got != tt.want {
				t.Errorf("RetryAfter() = %v, want %v", got, tt.want)
			}
			wantCalls := int32(1)
			if tt.want == 0 {
				wantCalls = 2 // a wait of 0 (or none) fits MaxDelay, so the client retries
			}
			if n := calls.Load(); n != wantCalls {
				t.Errorf("server got %d requests, want %d", n, wantCalls)
			}
		})
	}
}
