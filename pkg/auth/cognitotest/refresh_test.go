package cognitotest

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

func (f *fixture) refresh(t *testing.T, flow types.AuthFlowType, clientID, token, hashName string) (*cip.InitiateAuthOutput, error) {
	t.Helper()
	params := map[string]string{"REFRESH_TOKEN": token}
	if secret := secretFor(clientID); secret != "" && hashName != "" {
		params["SECRET_HASH"] = testSecretHash(secret, hashName, clientID)
	}
	return f.api.InitiateAuth(context.Background(), &cip.InitiateAuthInput{
		AuthFlow:       flow,
		ClientId:       aws.String(clientID),
		AuthParameters: params,
	})
}

func TestRefreshReturnsNewTokensWithoutRefreshToken(t *testing.T) {
	clock := &fixedClock{now: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}
	f := newFixture(t, Options{Now: clock.Now, TokenLifetime: 5 * time.Minute})
	out, err := f.signInWithTestClient(t, testSecretID, aliceEmail, testPassword)
	first := assertTokens(t, out, err)
	firstClaims := verifiedClaims(t, f.srv, aws.ToString(first.IdToken))

	for _, flow := range []types.AuthFlowType{types.AuthFlowTypeRefreshTokenAuth, types.AuthFlowTypeRefreshToken} {
		t.Run(string(flow), func(t *testing.T) {
			clock.Advance(4 * time.Minute)
			refreshed, err := f.refresh(t, flow, testSecretID, aws.ToString(first.RefreshToken), aliceID)
			if err != nil {
				t.Fatal(err)
			}
			result := refreshed.AuthenticationResult
			if result == nil || result.IdToken == nil || result.AccessToken == nil {
				t.Fatalf("refresh returned %+v, want ID and access tokens", refreshed)
			}
			if result.RefreshToken != nil {
				t.Error("refresh returned a new RefreshToken; Cognito does not")
			}
			if result.ExpiresIn != 300 {
				t.Errorf("ExpiresIn = %d, want 300", result.ExpiresIn)
			}
			claims := verifiedClaims(t, f.srv, aws.ToString(result.IdToken))
			if claims["auth_time"] != firstClaims["auth_time"] || claims["origin_jti"] != firstClaims["origin_jti"] {
				t.Errorf("auth_time/origin_jti changed on refresh: %v/%v, was %v/%v",
					claims["auth_time"], claims["origin_jti"], firstClaims["auth_time"], firstClaims["origin_jti"])
			}
			if claims["jti"] == firstClaims["jti"] {
				t.Error("refreshed ID token has the same jti")
			}
			if got, want := int64(claims["exp"].(float64)), clock.now.Add(5*time.Minute).Unix(); got != want {
				t.Errorf("exp = %d, want %d", got, want)
			}
		})
	}
}

// The SECRET_HASH of a refresh is over the internal username (the
// cognito:username claim), not the e-mail the user typed.
func TestRefreshSecretHashOverInternalName(t *testing.T) {
	f := newFixture(t, Options{})
	out, err := f.signInWithTestClient(t, testSecretID, aliceEmail, testPassword)
	token := aws.ToString(assertTokens(t, out, err).RefreshToken)

	_, err = f.refresh(t, types.AuthFlowTypeRefreshTokenAuth, testSecretID, token, aliceEmail)
	assertCode(t, err, CodeNotAuthorized, "Unable to verify secret hash for client "+testSecretID)
	_, err = f.refresh(t, types.AuthFlowTypeRefreshTokenAuth, testSecretID, token, "")
	assertCode(t, err, CodeNotAuthorized, "Client "+testSecretID+" is configured with secret but SECRET_HASH was not received")
	if _, err := f.refresh(t, types.AuthFlowTypeRefreshTokenAuth, testSecretID, token, aliceID); err != nil {
		t.Errorf("refresh with SECRET_HASH over the internal name: %v", err)
	}
}

// Fakes never expired refresh tokens; after its lifetime one must fail.
func TestRefreshTokenExpired(t *testing.T) {
	clock := &fixedClock{now: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}
	f := newFixture(t, Options{Now: clock.Now, RefreshTokenLifetime: time.Hour})
	out, err := f.signInWithTestClient(t, testClientID, "bob", testPassword)
	token := aws.ToString(assertTokens(t, out, err).RefreshToken)

	clock.Advance(59 * time.Minute)
	if _, err := f.refresh(t, types.AuthFlowTypeRefreshTokenAuth, testClientID, token, ""); err != nil {
		t.Fatalf("refresh before expiry: %v", err)
	}
	clock.Advance(2 * time.Minute)
	_, err = f.refresh(t, types.AuthFlowTypeRefreshTokenAuth, testClientID, token, "")
	assertCode(t, err, CodeNotAuthorized, "Refresh Token has expired")
}

func TestRefreshTokenRevokedAndInvalid(t *testing.T) {
	f := newFixture(t, Options{})
	out, err := f.signInWithTestClient(t, testClientID, "bob", testPassword)
	token := aws.ToString(assertTokens(t, out, err).RefreshToken)
	mustOK(t, f.srv.AddClient(Client{ID: "other-client"}))

	_, err = f.refresh(t, types.AuthFlowTypeRefreshTokenAuth, testClientID, "not-a-token", "")
	assertCode(t, err, CodeNotAuthorized, "Invalid Refresh Token")
	_, err = f.refresh(t, types.AuthFlowTypeRefreshTokenAuth, "other-client", token, "")
	assertCode(t, err, CodeNotAuthorized, "Invalid Refresh Token")

	if n := f.srv.RevokeRefreshTokens("bob"); n != 1 {
		t.Errorf("RevokeRefreshTokens = %d, want 1", n)
	}
	_, err = f.refresh(t, types.AuthFlowTypeRefreshTokenAuth, testClientID, token, "")
	assertCode(t, err, CodeNotAuthorized, "Refresh Token has been revoked")

	out, err = f.signInWithTestClient(t, testClientID, "bob", testPassword)
	fresh := aws.ToString(assertTokens(t, out, err).RefreshToken)
	mustOK(t, f.srv.DisableUser("bob"))
	_, err = f.refresh(t, types.AuthFlowTypeRefreshTokenAuth, testClientID, fresh, "")
	assertCode(t, err, CodeNotAuthorized, "User is disabled.")
}
