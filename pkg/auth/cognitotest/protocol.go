package cognitotest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// targetPrefix starts the X-Amz-Target header of every cognito-idp request.
const targetPrefix = "AWSCognitoIdentityProviderService."

// maxBodyBytes limits a request body. It is far above any real request but
// lets an oversized SRP_A reach the parameter check, which rejects it with
// InvalidParameterException as Cognito does.
const maxBodyBytes = 16 << 20

const contentTypeJSON = "application/x-amz-json-1.1"

// Operation names accepted by InjectFault and Count.
const (
	OpInitiateAuth           = "InitiateAuth"
	OpRespondToAuthChallenge = "RespondToAuthChallenge"
	// OpAll matches every operation in InjectFault and Count.
	OpAll = "*"
)

type operation func(s *Server, ctx context.Context, body []byte) (any, *apiError)

var operations = map[string]operation{
	OpInitiateAuth:           (*Server).initiateAuth,
	OpRespondToAuthChallenge: (*Server).respondToAuthChallenge,
}

// ServeHTTP serves the cognito-idp JSON API on "POST /" and the pool's
// JWKS and OpenID configuration under "/<PoolID>/.well-known/".
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/":
		s.serveAPI(w, r)
	case r.Method == http.MethodGet && r.URL.Path == "/"+s.PoolID+"/.well-known/jwks.json":
		s.serveJWKS(w)
	case r.Method == http.MethodGet && r.URL.Path == "/"+s.PoolID+"/.well-known/openid-configuration":
		s.serveOpenIDConfiguration(w)
	default:
		http.NotFound(w, r)
	}
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	name, ok := strings.CutPrefix(target, targetPrefix)
	if !ok || name == "" {
		writeError(w, newError(CodeUnknownOperation,
			"X-Amz-Target must be "+targetPrefix+"<Operation>"))
		return
	}
	s.countRequest(name)
	if apiErr := s.applyFault(r.Context(), name); apiErr != nil {
		writeError(w, apiErr)
		return
	}
	op, ok := operations[name]
	if !ok {
		writeError(w, newError(CodeUnknownOperation, "operation "+name+" is not supported by this emulator"))
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-amz-json") {
		writeError(w, newError(CodeSerialization, "Content-Type must be "+contentTypeJSON))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		writeError(w, newError(CodeSerialization, "request body is unreadable or larger than 16 MiB"))
		return
	}
	out, apiErr := op(s, r.Context(), body)
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// decodeInput parses a JSON request body into v.
func decodeInput(body []byte, v any) *apiError {
	if len(body) == 0 {
		body = []byte("{}")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return newError(CodeSerialization, "request body is not valid JSON for this operation")
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		writeError(w, newError(CodeInternalError, msgInternalError))
		return
	}
	w.Header().Set("Content-Type", contentTypeJSON)
	w.Header().Set("X-Amzn-Requestid", newRequestID())
	w.WriteHeader(status)
	_, _ = w.Write(body) // A failed write means the client has gone.
}

// writeError writes e as Cognito does: the code in "__type" and in the
// x-amzn-ErrorType header, the message in "message".
func writeError(w http.ResponseWriter, e *apiError) {
	w.Header().Set("X-Amzn-Errortype", e.Code)
	w.Header().Set("X-Amzn-Errormessage", e.Message)
	writeJSON(w, e.Status, map[string]string{"__type": e.Code, "message": e.Message})
}

func newRequestID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "00000000-0000-4000-8000-000000000000"
	}
	return formatUUID(b)
}

// formatUUID formats 16 bytes as a version 4 UUID.
func formatUUID(b []byte) string {
	u := make([]byte, 16)
	copy(u, b)
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	h := hex.EncodeToString(u)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// randomToken returns n random bytes.
func randomToken(n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("cognitotest: read random bytes: %w", err)
	}
	return b, nil
}
