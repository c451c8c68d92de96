package localstack

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"
)

// changeVisibilityTarget is the X-Amz-Target of ChangeMessageVisibility in
// the AWS JSON 1.0 protocol of SQS.
const changeVisibilityTarget = "AmazonSQS.ChangeMessageVisibility"

// maxVisibilityTimeoutSeconds is the largest visibility timeout SQS
// accepts (12 hours).
const maxVisibilityTimeoutSeconds = 43200

// VisibilityChange is a ChangeMessageVisibility call that a
// VisibilityServer accepted.
type VisibilityChange struct {
	QueueURL      string
	ReceiptHandle string
	Timeout       time.Duration
}

// VisibilityServer is an SQS endpoint that serves ChangeMessageVisibility
// only and records the calls. It is for runs without moto_server, where
// events are sent to the ingest function directly: the function still sets
// the visibility timeout of each message it reports for retry, and
// pointing AWS_ENDPOINT_URL_SQS here keeps that call on this machine. Its
// methods are safe for concurrent use.
type VisibilityServer struct {
	// URL is the endpoint, "http://127.0.0.1:PORT".
	URL string

	region string
	http   *http.Server

	mu      sync.Mutex
	changes []VisibilityChange
}

// StartVisibilityServer starts a VisibilityServer on a free 127.0.0.1
// port for the given region. Requests must be signed for that region.
// Call Close when done.
func StartVisibilityServer(region string) (*VisibilityServer, error) {
	if region == "" {
		return nil, fmt.Errorf("localstack: SQS visibility endpoint needs a region, such as us-east-1")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("localstack: listen for the SQS visibility endpoint: %w", err)
	}
	s := &VisibilityServer{URL: "http://" + ln.Addr().String(), region: region}
	s.http = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go s.http.Serve(ln) //nolint:errcheck // Serve returns ErrServerClosed after Close.
	return s, nil
}

// Changes returns the accepted calls, oldest first.
func (s *VisibilityServer) Changes() []VisibilityChange {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.changes)
}

// Close stops the server.
func (s *VisibilityServer) Close() error {
	return s.http.Close()
}

// ServeHTTP serves one AWS JSON 1.0 request.
func (s *VisibilityServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	fail := func(code, msg string) {
		w.Header().Set("X-Amzn-ErrorType", code)
		writeAWSJSONVersion(w, "1.0", http.StatusBadRequest,
			map[string]string{"__type": "com.amazonaws.sqs#" + code, "message": msg})
	}
	if r.Method != http.MethodPost || r.URL.Path != "/" {
		fail("UnsupportedOperation", "only POST / with an X-Amz-Target header is served")
		return
	}
	if code, msg := checkSignature(r.Header.Get("Authorization"), s.region, "sqs"); code != "" {
		fail(code, msg)
		return
	}
	if target := r.Header.Get("X-Amz-Target"); target != changeVisibilityTarget {
		fail("UnsupportedOperation", fmt.Sprintf("operation %q is not served by this endpoint, only %s: "+
			"install moto[server] for a full SQS", target, changeVisibilityTarget))
		return
	}
	var in struct {
		QueueURL          string `json:"QueueUrl"`
		ReceiptHandle     string `json:"ReceiptHandle"`
		VisibilityTimeout *int   `json:"VisibilityTimeout"`
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil || json.Unmarshal(body, &in) != nil {
		fail("InvalidParameterValue", "the request body is not a JSON object")
		return
	}
	switch {
	case in.QueueURL == "":
		fail("MissingParameter", "the request must contain the parameter QueueUrl")
	case in.ReceiptHandle == "":
		fail("MissingParameter", "the request must contain the parameter ReceiptHandle")
	case in.VisibilityTimeout == nil:
		fail("MissingParameter", "the request must contain the parameter VisibilityTimeout")
	case *in.VisibilityTimeout < 0 || *in.VisibilityTimeout > maxVisibilityTimeoutSeconds:
		fail("InvalidParameterValue", fmt.Sprintf("VisibilityTimeout %d is outside 0 to %d seconds",
			*in.VisibilityTimeout, maxVisibilityTimeoutSeconds))
	default:
		s.mu.Lock()
		s.changes = append(s.changes, VisibilityChange{
			QueueURL: in.QueueURL, ReceiptHandle: in.ReceiptHandle,
			Timeout: time.Duration(*in.VisibilityTimeout) * time.Second,
		})
		s.mu.Unlock()
		writeAWSJSONVersion(w, "1.0", http.StatusOK, struct{}{})
	}
}
