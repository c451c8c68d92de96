package cognitotest

import (
	"context"
	"errors"
	"fmt"

	cognitosrp "github.com/alexrudd/cognito-srp/v4"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// NewSDKClient returns an aws-sdk-go-v2 cognito-idp client that sends its
// requests to the server, with anonymous credentials (the sign-in
// operations are unsigned) and retries turned off.
func (s *Server) NewSDKClient() *cip.Client {
	return cip.New(cip.Options{
		Region:           s.region,
		BaseEndpoint:     aws.String(s.URL),
		Credentials:      aws.AnonymousCredentials{},
		RetryMaxAttempts: 1,
	})
}

// SignIn signs a user in through the real SDK client and
// github.com/alexrudd/cognito-srp/v4, using the first app client added,
// and returns the ID token. Use it in tests that need an end-user JWT.
// username may be the internal username or the e-mail alias. A challenge
// other than PASSWORD_VERIFIER ends in an error naming it.
func (s *Server) SignIn(ctx context.Context, username, password string) (string, error) {
	s.mu.Lock()
	var client *Client
	if len(s.clientOrder) > 0 {
		client = s.clients[s.clientOrder[0]]
	}
	s.mu.Unlock()
	if client == nil {
		return "", errors.New("cognitotest: SignIn needs an app client: call AddClient first")
	}
	result, err := s.signIn(ctx, s.NewSDKClient(), *client, username, password)
	if err != nil {
		return "", err
	}
	return aws.ToString(result.IdToken), nil
}

// signIn runs a USER_SRP_AUTH sign-in with cognito-srp. The TIMESTAMP uses
// the server clock, so tests that move the clock stay consistent.
func (s *Server) signIn(ctx context.Context, api *cip.Client, client Client, username, password string) (*types.AuthenticationResultType, error) {
	var secret *string
	if client.Secret != "" {
		secret = aws.String(client.Secret)
	}
	csrp, err := cognitosrp.NewCognitoSRP(username, password, s.PoolID, client.ID, secret)
	if err != nil {
		return nil, fmt.Errorf("cognitotest: sign in: %w", err)
	}
	initOut, err := api.InitiateAuth(ctx, &cip.InitiateAuthInput{
		AuthFlow:       types.AuthFlowTypeUserSrpAuth,
		ClientId:       aws.String(client.ID),
		AuthParameters: csrp.GetAuthParams(),
	})
	if err != nil {
		return nil, fmt.Errorf("cognitotest: sign in: InitiateAuth: %w", err)
	}
	if initOut.ChallengeName != types.ChallengeNameTypePasswordVerifier {
		return nil, fmt.Errorf("cognitotest: sign in: unexpected challenge %q after InitiateAuth", initOut.ChallengeName)
	}
	responses, err := csrp.PasswordVerifierChallenge(initOut.ChallengeParameters, s.currentTime())
	if err != nil {
		return nil, fmt.Errorf("cognitotest: sign in: %w", err)
	}
	out, err := api.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
		ChallengeName:      types.ChallengeNameTypePasswordVerifier,
		ClientId:           aws.String(client.ID),
		ChallengeResponses: responses,
		Session:            initOut.Session,
	})
	if err != nil {
		return nil, fmt.Errorf("cognitotest: sign in: RespondToAuthChallenge: %w", err)
	}
	if out.AuthenticationResult == nil {
		return nil, fmt.Errorf("cognitotest: sign in: challenge %q needs a response that SignIn cannot send", out.ChallengeName)
	}
	return out.AuthenticationResult, nil
}
