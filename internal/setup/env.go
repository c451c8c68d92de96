// Package setup reads the settings that both Lambda functions share and
// builds their long-lived dependencies once per execution environment: the
// AWS configuration, the Cognito token source and the Skylark client.
package setup

import (
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Defaults of the optional shared settings.
const (
	// DefaultExpiryWindow is how long a cached ID token must stay valid beyond
	// the invocation's deadline to be handed out. Five minutes follows the
	// advice to renew Cognito tokens well before they expire, and covers the
	// longest function timeout in the template.
	DefaultExpiryWindow = 5 * time.Minute

	// DefaultSecretRefresh is how often the integration's credentials are
	// read again from Secrets Manager, so a rotated password is picked up by
	// warm containers without a redeploy.
	DefaultSecretRefresh = 15 * time.Minute
)

// Common holds the settings that both functions read from their environment.
type Common struct {
	SkylarkBaseURL string        // SKYLARK_BASE_URL
	SecretID       string        // SKYLARK_SECRET_ID
	UserPoolID     string        // COGNITO_USER_POOL_ID
	ClientID       string        // COGNITO_CLIENT_ID
	ExpiryWindow   time.Duration // TOKEN_EXPIRY_WINDOW
	SecretRefresh  time.Duration // SECRET_REFRESH_INTERVAL
	LogLevel       slog.Level    // LOG_LEVEL
}

// LoadCommon reads and validates the shared settings through getenv, which
// is os.Getenv in the functions and a map lookup in tests. The error names
// every invalid or missing variable and states what is expected.
func LoadCommon(getenv func(string) string) (Common, error) {
	var c Common
	var problems []string
	check := func(err error) {
		if err != nil {
			problems = append(problems, err.Error())
		}
	}

	c.SkylarkBaseURL = strings.TrimSpace(getenv("SKYLARK_BASE_URL"))
	check(validateBaseURL("SKYLARK_BASE_URL", c.SkylarkBaseURL))
	c.SecretID = strings.TrimSpace(getenv("SKYLARK_SECRET_ID"))
	check(required("SKYLARK_SECRET_ID", c.SecretID, "the name or ARN of the Secrets Manager secret that holds the Skylark user's credentials"))
	c.UserPoolID = strings.TrimSpace(getenv("COGNITO_USER_POOL_ID"))
	check(validatePoolID("COGNITO_USER_POOL_ID", c.UserPoolID))
	c.ClientID = strings.TrimSpace(getenv("COGNITO_CLIENT_ID"))
	check(required("COGNITO_CLIENT_ID", c.ClientID, "the app client id of Skylark's Cognito user pool"))

	var err error
	// At least 1s, because the token source reads a zero window as its
	// default of five minutes, the opposite of TOKEN_EXPIRY_WINDOW=0s.
	c.ExpiryWindow, err = Duration(getenv, "TOKEN_EXPIRY_WINDOW", DefaultExpiryWindow, time.Second, 30*time.Minute)
	check(err)
	c.SecretRefresh, err = Duration(getenv, "SECRET_REFRESH_INTERVAL", DefaultSecretRefresh, time.Second, 24*time.Hour)
	check(err)
	c.LogLevel, err = parseLogLevel(getenv("LOG_LEVEL"))
	check(err)

	if len(problems) > 0 {
		return Common{}, fmt.Errorf("setup: invalid configuration: %s", strings.Join(problems, "; "))
	}
	return c, nil
}

func required(name, value, what string) error {
	if value == "" {
		return fmt.Errorf("%s is not set: set it to %s", name, what)
	}
	return nil
}

func validateBaseURL(name, value string) error {
	if value == "" {
		return fmt.Errorf("%s is not set: set it to Skylark's API base URL, such as https://api.<environment>.<account>.skylarkplatform.io", name)
	}
	u, err := url.Parse(value)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("%s=%q is not an absolute http(s) URL: set it to Skylark's API base URL, such as https://api.<environment>.<account>.skylarkplatform.io", name, value)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%s=%q must not contain user info, a query or a fragment", name, redactURL(u))
	}
	return nil
}

// redactURL hides user info so that a password typed into a URL by mistake
// never reaches a log line.
func redactURL(u *url.URL) string {
	c := *u
	if c.User != nil {
		c.User = url.User("REDACTED")
	}
	return c.String()
}

func validatePoolID(name, value string) error {
	if value == "" {
		return fmt.Errorf("%s is not set: set it to the user pool id, such as eu-west-1_AbCdEf123", name)
	}
	region, pool, ok := strings.Cut(value, "_")
	if !ok || region == "" || pool == "" || strings.ContainsAny(value, " /") {
		return fmt.Errorf("%s=%q is not a user pool id: expected <region>_<id>, such as eu-west-1_AbCdEf123", name, value)
	}
	return nil
}

// Duration reads a Go duration such as "90s" or "5m" from the variable name,
// returning def when it is unset and an error naming the variable when the
// value does not parse or lies outside [min, max].
func Duration(getenv func(string) string, name string, def, min, max time.Duration) (time.Duration, error) {
	raw := strings.TrimSpace(getenv(name))
	if raw == "" {
		return def, nil
	}
	d, err := time.ParseDuration(raw)
	if err != nil {
		return 0, fmt.Errorf("%s=%q is not a duration: use a Go duration such as 30s or 5m", name, raw)
	}
	if d < min || d > max {
		return 0, fmt.Errorf("%s=%q is out of range: use a duration from %s to %s", name, raw, min, max)
	}
	return d, nil
}

func parseLogLevel(raw string) (slog.Level, error) {
	switch strings.ToLower(strings.TrimSpace(raw)) {
	case "", "info":
		return slog.LevelInfo, nil
	case "debug":
		return slog.LevelDebug, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("LOG_LEVEL=%q is not a log level: use debug, info, warn or error", raw)
}

// Int reads a decimal integer from the variable name, returning def when it
// is unset and an error naming the variable when the value does not parse or
// lies outside [min, max].
func Int(getenv func(string) string, name string, def, min, max int) (int, error) {
	raw := strings.TrimSpace(getenv(name))
	if raw == "" {
		return def, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil {
		return 0, fmt.Errorf("%s=%q is not an integer: use a whole number from %d to %d", name, raw, min, max)
	}
	if n < min || n > max {
		return 0, fmt.Errorf("%s=%q is out of range: use a whole number from %d to %d", name, raw, min, max)
	}
	return n, nil
}

// Bool reads true or false from the variable name, returning def when it is
// unset.
func Bool(getenv func(string) string, name string, def bool) (bool, error) {
	raw := strings.TrimSpace(getenv(name))
	if raw == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(raw)
	if err != nil {
		return false, fmt.Errorf("%s=%q is not a boolean: use true or false", name, raw)
	}
	return b, nil
}
