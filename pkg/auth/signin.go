package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"time"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// Auth flows, as named in Cognito's AuthFlow parameter.
const (
	flowSRP     = string(types.AuthFlowTypeUserSrpAuth)
	flowRefresh = string(types.AuthFlowTypeRefreshTokenAuth)
)

// session is the state a sign-in leaves for later refreshes.
type session struct {
	refreshToken string
	// internalUser is the user's real Cognito username (cognito:username),
	// which the refresh's SECRET_HASH is computed over. It differs from the
	// name in the credentials when the service user signs in with an alias.
	internalUser string
	// signedInAs is the Username of the credentials the session belongs to,
	// so that a rotated secret naming another user does not refresh the
	// old user's tokens.
	signedInAs string
}

// signIn runs a USER_SRP_AUTH sign-in. Temporary failures start the exchange
// again from InitiateAuth, because Cognito's SECRET_BLOCK is single-use.
func (s *TokenSource) signIn(ctx context.Context, creds Credentials, until time.Time) (*Token, session, error) {
	x := s.exchange(flowSRP, creds.Username, creds)
	type result struct {
		tok  *Token
		sess session
	}
	r, err := withRetry(ctx, until, func() (result, error) {
		tok, sess, err := s.signInOnce(ctx, creds, x)
		return result{tok, sess}, err
	})
	return r.tok, r.sess, err
}

func (s *TokenSource) signInOnce(ctx context.Context, creds Credentials, x exchange) (*Token, session, error) {
	csrp, err := s.srp.take(creds)
	if err != nil {
		return nil, session{}, err
	}
	// Compute the next object's A = g^a while this exchange waits on the
	// network, for a retry or for the sign-in after the refresh token expires.
	s.srp.prepare(creds)

	params := csrp.GetAuthParams()
	x.sensitive = append(x.sensitive, params["SECRET_HASH"])
	s.signIns.Add(1)
	out, err := s.cognito.InitiateAuth(ctx, &cip.InitiateAuthInput{
		AuthFlow:       types.AuthFlowTypeUserSrpAuth,
		ClientId:       &s.clientID,
		AuthParameters: params,
	})
	if err != nil {
		return nil, session{}, classifyCognito("InitiateAuth", err, x)
	}
	if out.ChallengeName == "" && out.AuthenticationResult != nil {
		return s.finishSignIn("InitiateAuth", out.AuthenticationResult, creds, "")
	}
	if out.ChallengeName != types.ChallengeNameTypePasswordVerifier {
		return nil, session{}, unsupportedChallenge("InitiateAuth", string(out.ChallengeName), x)
	}

	challenge := out.ChallengeParameters
	if err := validateChallenge(challenge, params["SRP_A"]); err != nil {
		return nil, session{}, err
	}
	answer, err := answerPasswordVerifier(csrp, challenge, s.now())
	if err != nil {
		return nil, session{}, err
	}
	x.sensitive = append(x.sensitive, answer["SECRET_HASH"], answer["PASSWORD_CLAIM_SIGNATURE"])

	// Real Cognito sends no Session with PASSWORD_VERIFIER (the state is in
	// SECRET_BLOCK); pass it on only when there is one.
	resp, err := s.cognito.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
		ChallengeName:      types.ChallengeNameTypePasswordVerifier,
		ClientId:           &s.clientID,
		ChallengeResponses: answer,
		Session:            out.Session,
	})
	if err != nil {
		return nil, session{}, classifyCognito("RespondToAuthChallenge", err, x)
	}
	if resp.ChallengeName != "" {
		return nil, session{}, unsupportedChallenge("RespondToAuthChallenge", string(resp.ChallengeName), x)
	}
	return s.finishSignIn("RespondToAuthChallenge", resp.AuthenticationResult, creds, challenge["USERNAME"])
}

// finishSignIn turns Cognito's result into a token and a session.
// challengeUser is the internal username from the challenge, used when the
// ID token has no cognito:username claim.
func (s *TokenSource) finishSignIn(op string, r *types.AuthenticationResultType, creds Credentials,
	challengeUser string) (*Token, session, error) {
	tok, claimUser, err := tokenFromResult(op, r, s.now())
	if err != nil {
		return nil, session{}, err
	}
	sess := session{internalUser: claimUser, signedInAs: creds.Username}
	if sess.internalUser == "" {
		sess.internalUser = challengeUser
	}
	if sess.internalUser == "" {
		sess.internalUser = creds.Username
	}
	if r.RefreshToken != nil {
		sess.refreshToken = *r.RefreshToken
	}
	return tok, sess, nil
}

// refresh renews the tokens with REFRESH_TOKEN_AUTH. Cognito's response has
// no refresh token, so the old one is kept; a new one is used if a server
// does send one.
func (s *TokenSource) refresh(ctx context.Context, creds Credentials, sess session,
	until time.Time) (*Token, session, error) {
	params := map[string]string{"REFRESH_TOKEN": sess.refreshToken}
	x := s.exchange(flowRefresh, sess.internalUser, creds)
	x.sensitive = append(x.sensitive, sess.refreshToken)
	if creds.ClientSecret != "" {
		// The SECRET_HASH is over the internal username: Cognito rejects one
		// over an alias such as the e-mail address.
		hash := secretHash(creds.ClientSecret, sess.internalUser, s.clientID)
		params["SECRET_HASH"] = hash
		x.sensitive = append(x.sensitive, hash)
	}

	type result struct {
		tok  *Token
		sess session
	}
	r, err := withRetry(ctx, until, func() (result, error) {
		s.refreshes.Add(1)
		out, err := s.cognito.InitiateAuth(ctx, &cip.InitiateAuthInput{
			AuthFlow:       types.AuthFlowTypeRefreshTokenAuth,
			ClientId:       &s.clientID,
			AuthParameters: params,
		})
		if err != nil {
			return result{}, classifyCognito("InitiateAuth", err, x)
		}
		if out.AuthenticationResult == nil {
			return result{}, unsupportedChallenge("InitiateAuth", string(out.ChallengeName), x)
		}
		tok, claimUser, err := tokenFromResult("InitiateAuth", out.AuthenticationResult, s.now())
		if err != nil {
			return result{}, err
		}
		next := sess
		if claimUser != "" {
			next.internalUser = claimUser
		}
		if rt := out.AuthenticationResult.RefreshToken; rt != nil && *rt != "" {
			next.refreshToken = *rt
		}
		return result{tok, next}, nil
	})
	return r.tok, r.sess, err
}

func (s *TokenSource) exchange(flow, username string, creds Credentials) exchange {
	return exchange{
		poolID:    s.poolID,
		clientID:  s.clientID,
		username:  username,
		flow:      flow,
		hasSecret: creds.ClientSecret != "",
		sensitive: []string{creds.Password, creds.ClientSecret},
	}
}

// secretHash returns Base64(HMAC-SHA256(key = client secret, message =
// username || client id)), the SECRET_HASH Cognito expects from app clients
// that have a secret.
func secretHash(clientSecret, username, clientID string) string {
	mac := hmac.New(sha256.New, []byte(clientSecret))
	mac.Write([]byte(username + clientID))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
