package auth

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
)

const redacted = "[redacted]"

// Credentials are the sign-in data of the service user: the name it signs in
// with (username or alias), its password and, when the app client has one,
// the app client secret. String, GoString, Format and LogValue print the
// username only, so the struct is safe to pass to fmt and log/slog.
type Credentials struct {
	Username     string
	Password     string
	ClientSecret string // empty when the app client has no secret
}

// String returns the username and hides the password and client secret.
func (c Credentials) String() string {
	return fmt.Sprintf("auth.Credentials{Username: %q, Password: %s, ClientSecret: %s}",
		c.Username, hide(c.Password), hide(c.ClientSecret))
}

// GoString is String, so %#v hides the secrets too.
func (c Credentials) GoString() string {
	return c.String()
}

// Format writes String for every verb.
func (c Credentials) Format(f fmt.State, verb rune) {
	writeFormatted(f, verb, c.String())
}

// LogValue hides the password and client secret from log/slog.
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("username", c.Username),
		slog.String("password", hide(c.Password)),
		slog.String("client_secret", hide(c.ClientSecret)),
	)
}

// clientSecret returns the client secret in the form cognito-srp expects:
// nil when there is none. A pointer to "" would make the library send an HMAC
// with an empty key to an app client that has no secret.
func (c Credentials) clientSecret() *string {
	if c.ClientSecret == "" {
		return nil
	}
	s := c.ClientSecret
	return &s
}

// CredentialsProvider returns the service user's credentials. Implementations
// must be safe for concurrent use. SecretCredentials reads them from AWS
// Secrets Manager.
type CredentialsProvider interface {
	Credentials(ctx context.Context) (Credentials, error)
}

// StaticCredentials is a CredentialsProvider that always returns the same
// credentials, for tests and local runs.
type StaticCredentials Credentials

// Credentials returns the credentials.
func (s StaticCredentials) Credentials(context.Context) (Credentials, error) {
	return Credentials(s), nil
}

// String hides the secrets like Credentials.String.
func (s StaticCredentials) String() string {
	return Credentials(s).String()
}

// GoString hides the secrets like Credentials.String.
func (s StaticCredentials) GoString() string {
	return Credentials(s).String()
}

// Format writes String for every verb.
func (s StaticCredentials) Format(f fmt.State, verb rune) {
	writeFormatted(f, verb, Credentials(s).String())
}

// credentialsInvalidator is implemented by providers that cache: the token
// source calls Invalidate after Cognito rejected the credentials, so that the
// next call reads a possibly rotated secret again.
type credentialsInvalidator interface {
	Invalidate()
}

func hide(s string) string {
	if s == "" {
		return `""`
	}
	return redacted
}

func writeFormatted(f fmt.State, verb rune, s string) {
	if verb == 'q' {
		s = strconv.Quote(s)
	}
	_, _ = io.WriteString(f, s)
}
