package cognitotest

import (
	"testing"
	"time"
)

func TestParseTimestampAccepts(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
	}{
		{"Tue Mar 5 09:07:03 UTC 2024", time.Date(2024, 3, 5, 9, 7, 3, 0, time.UTC)},
		{"Sat Nov 30 23:59:59 UTC 2024", time.Date(2024, 11, 30, 23, 59, 59, 0, time.UTC)},
		{"Thu Feb 29 00:30:00 UTC 2024", time.Date(2024, 2, 29, 0, 30, 0, 0, time.UTC)},
		// Parsed, then rejected by the signature check because the
		// canonical rendering differs.
		{"Tue Mar 05 09:07:03 UTC 2024", time.Date(2024, 3, 5, 9, 7, 3, 0, time.UTC)},
		{"Wed Mar 5 09:07:03 UTC 2024", time.Date(2024, 3, 5, 9, 7, 3, 0, time.UTC)},
		{"tuesday MARCH 5 09:07:03 UTC 2024", time.Date(2024, 3, 5, 9, 7, 3, 0, time.UTC)},
		// cognito-srp's 12-hour clock: 00:30 becomes 12:30.
		{"Thu Feb 29 12:30:00 UTC 2024", time.Date(2024, 2, 29, 12, 30, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseTimestamp(tt.in)
			if err != nil {
				t.Fatalf("parseTimestamp: %v", err)
			}
			if !got.Equal(tt.want) {
				t.Errorf("parseTimestamp = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseTimestampRejects(t *testing.T) {
	for _, in := range []string{
		"",
		"Mon Feb 12 15:26:37 +05:30 2018",
		"Mon Feb 12 15:26:37 IST 2018",
		"Mon Feb 12 15:26:37 GMT 2018",
		"Mon Feb 12 15:26:37 utc 2018",
		"Mon Feb 12 15:26:7 UTC 2018",
		"Mon Feb 12 5:26:37 UTC 2018",
		"Tue Mar 5 24:07:03 UTC 2024",
		"Tue Mar 5 09:60:03 UTC 2024",
		"Tue Mar 5 09:07:60 UTC 2024",
		"Tue Mar 5 09:07:03 UTC 24",
		"Tue Mar  5 09:07:03 UTC 2024",
		"Tue Mar 5 09:07:03 UTC 2024 ",
		"Tue Mar 005 09:07:03 UTC 2024",
		"Tue Mar 0 09:07:03 UTC 2024",
		"Fri Feb 30 09:07:03 UTC 2024",
		"Dienstag Mar 5 09:07:03 UTC 2024",
		"Tue Mär 5 09:07:03 UTC 2024",
		"Tue Mar +5 09:07:03 UTC 2024",
		"2024-03-05T09:07:03Z",
	} {
		t.Run(in, func(t *testing.T) {
			if got, err := parseTimestamp(in); err == nil {
				t.Errorf("parseTimestamp(%q) = %v, want an error", in, got)
			}
		})
	}
}

func TestCanonicalTimestamp(t *testing.T) {
	tests := []struct {
		at   time.Time
		want string
	}{
		{time.Date(2024, 3, 5, 9, 7, 3, 0, time.UTC), "Tue Mar 5 09:07:03 UTC 2024"},
		{time.Date(2025, 1, 1, 15, 4, 5, 0, time.UTC), "Wed Jan 1 15:04:05 UTC 2025"},
		{time.Date(2024, 2, 29, 0, 30, 0, 0, time.UTC), "Thu Feb 29 00:30:00 UTC 2024"},
		{time.Date(2024, 2, 29, 1, 30, 0, 0, time.FixedZone("CET", 3600)), "Thu Feb 29 00:30:00 UTC 2024"},
	}
	for _, tt := range tests {
		if got := canonicalTimestamp(tt.at); got != tt.want {
			t.Errorf("canonicalTimestamp(%v) = %q, want %q", tt.at, got, tt.want)
		}
	}
}
