package cognitotest

import (
	"context"
	"fmt"
	"time"
)

// Fault is an error or delay injected into requests of one operation.
type Fault struct {
	// Code is the error code to return, such as CodeTooManyRequests or
	// CodeInternalError. Empty means no error, only Latency.
	Code string

	// Message is the error message. Default: Cognito's message for Code,
	// such as "Rate exceeded" for TooManyRequestsException.
	Message string

	// Status is the HTTP status. Default 500 for InternalErrorException
	// and 400 otherwise.
	Status int

	// Latency delays the response. The delay ends early when the client
	// cancels the request or the server closes.
	Latency time.Duration

	// Times is the number of requests the fault applies to. Zero means
	// every request until ClearFaults.
	Times int
}

// ThrottleFault returns a fault that fails the next n requests with
// TooManyRequestsException "Rate exceeded".
func ThrottleFault(n int) Fault {
	return Fault{Code: CodeTooManyRequests, Times: n}
}

// InternalErrorFault returns a fault that fails the next n requests with
// HTTP 500 InternalErrorException.
func InternalErrorFault(n int) Fault {
	return Fault{Code: CodeInternalError, Times: n}
}

type faultState struct {
	op        string
	fault     Fault
	remaining int
}

// InjectFault makes requests of op fail or slow down. op is
// OpInitiateAuth, OpRespondToAuthChallenge or OpAll. Faults apply in the
// order they were injected, one fault per request.
func (s *Server) InjectFault(op string, f Fault) error {
	if _, ok := operations[op]; !ok && op != OpAll {
		return fmt.Errorf("cognitotest: unknown operation %q: want %q, %q or %q",
			op, OpInitiateAuth, OpRespondToAuthChallenge, OpAll)
	}
	if f.Code == "" && f.Latency <= 0 {
		return fmt.Errorf("cognitotest: fault for %s has neither Code nor Latency", op)
	}
	if f.Times < 0 || f.Latency < 0 {
		return fmt.Errorf("cognitotest: fault for %s has negative Times or Latency", op)
	}
	if f.Status != 0 && (f.Status < 400 || f.Status > 599) {
		return fmt.Errorf("cognitotest: fault for %s has status %d: want 400-599", op, f.Status)
	}
	if f.Code != "" && f.Message == "" {
		f.Message = defaultMessage(f.Code)
	}
	if f.Code != "" && f.Status == 0 {
		f.Status = newError(f.Code, "").Status
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &faultState{op: op, fault: f, remaining: f.Times})
	return nil
}

// ClearFaults removes all injected faults.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// Count returns the number of requests received for op, including those
// served by a fault. Count(OpAll) is the total.
func (s *Server) Count(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if op == OpAll {
		total := 0
		for _, n := range s.counts {
			total += n
		}
		return total
	}
	return s.counts[op]
}

// ResetCounts sets all request counters to zero.
func (s *Server) ResetCounts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.counts)
}

func (s *Server) countRequest(op string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts[op]++
}

// applyFault takes the first fault matching op, waits out its latency and
// returns its error, if any.
func (s *Server) applyFault(ctx context.Context, op string) *apiError {
	f, ok := s.takeFault(op)
	if !ok {
		return nil
	}
	if f.Latency > 0 {
		timer := time.NewTimer(f.Latency)
		defer timer.Stop()
		select {
		case <-timer.C:
		case <-ctx.Done():
		case <-s.closed:
		}
	}
	if f.Code == "" {
		return nil
	}
	return &apiError{Status: f.Status, Code: f.Code, Message: f.Message}
}

func (s *Server) takeFault(op string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, st := range s.faults {
		if st.op != op && st.op != OpAll {
			continue
		}
		if st.fault.Times > 0 {
			st.remaining--
			if st.remaining == 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
		}
		return st.fault, true
	}
	return Fault{}, false
}
