package localstack

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// DefaultAccountID is the AWS account id in the ARNs of the local stack. It
// is also the account that moto_server uses by default.
const DefaultAccountID = "123456789012"

// getSecretValueTarget is the X-Amz-Target header of GetSecretValue in the
// AWS JSON 1.1 protocol.
const getSecretValueTarget = "secretsmanager.GetSecretValue"

// maxSecretsRequestBytes bounds a request body. A GetSecretValue request
// holds only a secret id and optional version fields.
const maxSecretsRequestBytes = 64 << 10

// SecretsServer is a Secrets Manager endpoint that serves GetSecretValue
// only, for machines without moto_server. It speaks the AWS JSON 1.1
// protocol of the real service, so the SDK client reaches it through
// AWS_ENDPOINT_URL_SECRETS_MANAGER. Secrets have a single version labelled
// AWSCURRENT. Its methods are safe for concurrent use.
type SecretsServer struct {
	// URL is the endpoint, "http://127.0.0.1:PORT".
	URL string

	region    string
	accountID string
	http      *http.Server
	now       func() time.Time

	mu      sync.Mutex
	secrets map[string]*storedSecret // by name
	byARN   map[string]*storedSecret
}

type storedSecret struct {
	name, arn, versionID, value string
	created                     time.Time
}

// StartSecretsServer starts a SecretsServer on a free 127.0.0.1 port for
// the given region. Requests must be signed for that region, as the real
// service requires. Call Close when done.
func StartSecretsServer(region string) (*SecretsServer, error) {
	if region == "" {
		return nil, fmt.Errorf("localstack: secrets server needs a region, such as us-east-1")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("localstack: listen for the secrets server: %w", err)
	}
	s := &SecretsServer{
		URL:       "http://" + ln.Addr().String(),
		region:    region,
		accountID: DefaultAccountID,
		now:       time.Now,
		secrets:   map[string]*storedSecret{},
		byARN:     map[string]*storedSecret{},
	}
	s.http = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go s.http.Serve(ln) //nolint:errcheck // Serve returns ErrServerClosed after Close.
	return s, nil
}

// PutSecret stores value as the current SecretString of the secret name,
// replacing an earlier value, and returns the secret's ARN. Like Secrets
// Manager, the ARN ends in a hyphen and six random characters.
func (s *SecretsServer) PutSecret(name, value string) (string, error) {
	if name == "" || strings.HasPrefix(name, "arn:") {
		return "", fmt.Errorf("localstack: invalid secret name %q: use a name such as skylark/integration", name)
	}
	version, err := randomHex(16)
	if err != nil {
		return "", err
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.secrets[name]; ok {
		old.value = value
		old.versionID = version
		return old.arn, nil
	}
	suffix, err := randomHex(3)
	if err != nil {
		return "", err
	}
	sec := &storedSecret{
		name:      name,
		arn:       fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s-%s", s.region, s.accountID, name, suffix),
		versionID: version,
		value:     value,
		created:   s.now(),
	}
	s.secrets[name] = sec
	s.byARN[sec.arn] = sec
	return sec.arn, nil
}

// Close stops the server.
func (s *SecretsServer) Close() error {
	return s.http.Close()
}

// getSecretValueInput is the request of GetSecretValue.
type getSecretValueInput struct {
	SecretID     string `json:"SecretId"`
	VersionID    string `json:"VersionId"`
	VersionStage string `json:"VersionStage"`
}

// ServeHTTP serves one AWS JSON 1.1 request.
func (s *SecretsServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/" {
		writeAWSError(w, http.StatusNotFound, "UnknownOperationException",
			"only POST / with an X-Amz-Target header is served")
		return
	}
	if code, msg := checkSignature(r.Header.Get("Authorization"), s.region, "secretsmanager"); code != "" {
		writeAWSError(w, http.StatusBadRequest, code, msg)
		return
	}
	if target := r.Header.Get("X-Amz-Target"); target != getSecretValueTarget {
		writeAWSError(w, http.StatusBadRequest, "UnknownOperationException",
			fmt.Sprintf("operation %q is not served by this endpoint, only %s", target, getSecretValueTarget))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxSecretsRequestBytes+1))
	if err != nil || len(body) > maxSecretsRequestBytes {
		writeAWSError(w, http.StatusBadRequest, "SerializationException", "request body is unreadable or too large")
		return
	}
	var in getSecretValueInput
	if err := json.Unmarshal(body, &in); err != nil {
		writeAWSError(w, http.StatusBadRequest, "SerializationException", "request body is not a JSON object")
		return
	}
	if in.SecretID == "" {
		writeAWSError(w, http.StatusBadRequest, "ValidationException",
			"1 validation error detected: Value null at 'secretId' failed to satisfy constraint: Member must not be null")
		return
	}
	s.getSecretValue(w, in)
}

func (s *SecretsServer) getSecretValue(w http.ResponseWriter, in getSecretValueInput) {
	s.mu.Lock()
	sec, ok := s.secrets[in.SecretID]
	if !ok {
		sec, ok = s.byARN[in.SecretID]
	}
	var out map[string]any
	if ok {
		out = map[string]any{
			"ARN":           sec.arn,
			"Name":          sec.name,
			"VersionId":     sec.versionID,
			"SecretString":  sec.value,
			"VersionStages": []string{"AWSCURRENT"},
			"CreatedDate":   float64(sec.created.UnixMilli()) / 1000,
		}
	}
	s.mu.Unlock()

	switch {
	case !ok:
		writeAWSError(w, http.StatusBadRequest, "ResourceNotFoundException",
			"Secrets Manager can't find the specified secret.")
	case in.VersionStage != "" && in.VersionStage != "AWSCURRENT":
		writeAWSError(w, http.StatusBadRequest, "ResourceNotFoundException",
			"Secrets Manager can't find the specified secret value for staging label: "+in.VersionStage)
	case in.VersionID != "" && in.VersionID != out["VersionId"]:
		writeAWSError(w, http.StatusBadRequest, "ResourceNotFoundException",
			"Secrets Manager can't find the specified secret value for VersionId: "+in.VersionID)
	default:
		writeAWSJSON(w, http.StatusOK, out)
	}
}

// checkSignature checks that the request is signed with Signature Version 4
// for region and service, which catches a client configured for another
// region. It returns an error code and message, or "" when the header is
// acceptable.
//
// NOTE: the signature itself is not verified, because the local stack
// uses dummy credentials and has no secret key to check against.
func checkSignature(header, region, service string) (code, msg string) {
	const prefix = "AWS4-HMAC-SHA256 "
	if !strings.HasPrefix(header, prefix) {
		return "MissingAuthenticationTokenException", "Missing Authentication Token"
	}
	// Credential=AKID/20260105/us-east-1/secretsmanager/aws4_request
	for _, part := range strings.Split(strings.TrimPrefix(header, prefix), ",") {
		cred, ok := strings.CutPrefix(strings.TrimSpace(part), "Credential=")
		if !ok {
			continue
		}
		scope := strings.Split(cred, "/")
		if len(scope) != 5 {
			break
		}
		if scope[2] != region || scope[3] != service {
			return "InvalidSignatureException", fmt.Sprintf(
				"Credential should be scoped to a valid region and service: got %s/%s, want %s/%s",
				scope[2], scope[3], region, service)
		}
		return "", ""
	}
	return "IncompleteSignatureException", "Authorization header has no valid Credential scope"
}

func writeAWSJSON(w http.ResponseWriter, status int, v any) {
	writeAWSJSONVersion(w, "1.1", status, v)
}

func writeAWSJSONVersion(w http.ResponseWriter, version string, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encode response", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-"+version)
	w.WriteHeader(status)
	w.Write(body) //nolint:errcheck // A failed write means the client went away.
}

// writeAWSError writes an AWS JSON 1.1 error: the code in __type and in the
// X-Amzn-ErrorType header, as the SDK reads either.
func writeAWSError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("X-Amzn-ErrorType", code)
	writeAWSJSON(w, status, map[string]string{"__type": code, "Message": msg})
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("localstack: read random bytes: %w", err)
	}
	return hex.EncodeToString(b), nil
}
