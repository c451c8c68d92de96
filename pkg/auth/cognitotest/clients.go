package cognitotest

import (
	"crypto/subtle"
	"fmt"
	"slices"
)

// Explicit auth flows of an app client, as Cognito names them.
const (
	FlowAllowUserSRPAuth      = "ALLOW_USER_SRP_AUTH"
	FlowAllowRefreshTokenAuth = "ALLOW_REFRESH_TOKEN_AUTH"
)

// Client is an app client of the user pool.
type Client struct {
	// ID is the app client id. Required.
	ID string

	// Secret is the client secret. When set, every request must carry a
	// SECRET_HASH.
	Secret string

	// ExplicitAuthFlows lists the allowed flows. Nil allows
	// FlowAllowUserSRPAuth and FlowAllowRefreshTokenAuth.
	ExplicitAuthFlows []string

	// PreventUserExistenceErrors makes sign-in for an unknown user look like
	// a wrong password: InitiateAuth returns a simulated PASSWORD_VERIFIER
	// challenge and the response to it fails with "Incorrect username or password.".
	// Off (Cognito's LEGACY setting), an unknown user gets
	// UserNotFoundException.
	PreventUserExistenceErrors bool

	// DeviceTracking turns on remembered devices: a sign-in without a
	// DEVICE_KEY returns NewDeviceMetadata, and a sign-in with one is
	// followed by a DEVICE_SRP_AUTH challenge.
	DeviceTracking bool
}

// AddClient adds or replaces an app client.
func (s *Server) AddClient(c Client) error {
	if c.ID == "" {
		return fmt.Errorf("cognitotest: app client id is empty: set Client.ID")
	}
	for _, f := range c.ExplicitAuthFlows {
		if !slices.Contains(knownExplicitFlows, f) {
			return fmt.Errorf("cognitotest: invalid explicit auth flow %q for client %s: want one of %v",
				f, c.ID, knownExplicitFlows)
		}
	}
	if c.ExplicitAuthFlows == nil {
		c.ExplicitAuthFlows = []string{FlowAllowUserSRPAuth, FlowAllowRefreshTokenAuth}
	} else {
		c.ExplicitAuthFlows = slices.Clone(c.ExplicitAuthFlows)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.clients[c.ID]; !ok {
		s.clientOrder = append(s.clientOrder, c.ID)
	}
	s.clients[c.ID] = &c
	return nil
}

var knownExplicitFlows = []string{
	FlowAllowUserSRPAuth, FlowAllowRefreshTokenAuth,
	"ALLOW_USER_PASSWORD_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_USER_AUTH",
}

// client returns a copy of the app client with the given id.
func (s *Server) client(id string) (Client, *apiError) {
	if id == "" {
		return Client{}, errInvalidParameter(
			"1 validation error detected: Value null at 'clientId' failed to satisfy constraint: Member must not be null")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[id]
	if !ok {
		return Client{}, errClientNotFound(id)
	}
	return *c, nil
}

func (c Client) allows(flow string) bool {
	return slices.Contains(c.ExplicitAuthFlows, flow)
}

// requireSecretHashPresent fails when the client has a secret and the
// request has no SECRET_HASH.
func (c Client) requireSecretHashPresent(params map[string]string) *apiError {
	if c.Secret != "" && params["SECRET_HASH"] == "" {
		return errSecretHashMissing(c.ID)
	}
	return nil
}

// verifySecretHash checks SECRET_HASH over username. A client without a
// secret ignores any SECRET_HASH.
//
// NOTE: whether Cognito rejects a SECRET_HASH sent for a client without a
// secret is not documented; the emulator accepts it.
func (c Client) verifySecretHash(params map[string]string, username string) *apiError {
	if c.Secret == "" {
		return nil
	}
	got := params["SECRET_HASH"]
	if got == "" {
		return errSecretHashMissing(c.ID)
	}
	want := secretHash(c.Secret, username, c.ID)
	if subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return errSecretHashMismatch(c.ID)
	}
	return nil
}
