package auth

import (
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
)

// scriptedCognito is an httptest server that speaks the cognito-idp JSON 1.1
// protocol and responds to each operation from a script instead of running
// a user pool. It plays a broken or hostile endpoint, which the emulator
// deliberately is not.
type scriptedCognito struct {
	srv     *httptest.Server
	mu      sync.Mutex
	counts  map[string]int
	answers map[string]func(params map[string]any) (int, any)
}

func newScriptedCognito(t *testing.T, answers map[string]func(map[string]any) (int, any)) *scriptedCognito {
	t.Helper()
	s := &scriptedCognito{counts: map[string]int{}, answers: answers}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *scriptedCognito) serve(w http.ResponseWriter, r *http.Request) {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AWSCognitoIdentityProviderService.")
	body, _ := io.ReadAll(r.Body)
	var params map[string]any
	_ = json.Unmarshal(body, &params)

	s.mu.Lock()
	s.counts[op]++
	answer := s.answers[op]
	s.mu.Unlock()

	status, out := http.StatusBadRequest, any(map[string]string{
		"__type": "UnknownOperationException", "message": "not scripted: " + op,
	})
	if answer != nil {
		status, out = answer(params)
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	if m, ok := out.(map[string]string); ok && m["__type"] != "" {
		w.Header().Set("X-Amzn-ErrorType", m["__type"])
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(out)
}

func (s *scriptedCognito) count(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[op]
}

func (s *scriptedCognito) client() *cip.Client {
	return cip.New(cip.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(s.srv.URL),
		Credentials:      aws.AnonymousCredentials{},
		RetryMaxAttempts: 1,
	})
}

// scriptError is a Cognito error response.
func scriptError(code, message string) (int, any) {
	return http.StatusBadRequest, map[string]string{"__type": code, "message": message}
}

// validChallenge returns PASSWORD_VERIFIER parameters that pass validation.
// They are not from a real exchange, so the proof computed from them is
// meaningless, which scripted tests do not check.
func validChallenge() map[string]string {
	b := new(big.Int).Exp(big.NewInt(2), big.NewInt(3000), srpGroupPrime)
	b.Add(b, big.NewInt(12345))
	return map[string]string{
		"SALT":            "c0ffee0123456789abcdef0011223344",
		"SRP_B":           b.Text(16),
		"SECRET_BLOCK":    "ZW11bGF0b3Itc2VjcmV0LWJsb2NrLTAwMDE=",
		"USER_ID_FOR_SRP": testUser,
		"USERNAME":        testUser,
	}
}

// challengeAnswer scripts InitiateAuth to return a PASSWORD_VERIFIER
// challenge with params and no Session, as Cognito does.
func challengeAnswer(params map[string]string) func(map[string]any) (int, any) {
	return func(map[string]any) (int, any) {
		return http.StatusOK, map[string]any{
			"ChallengeName":       "PASSWORD_VERIFIER",
			"ChallengeParameters": params,
		}
	}
}
