package main

import (
	"encoding/json"
	"fmt"
	"strings"
)

// parsed is the content of a message body: updates to apply, or a reason to
// skip it.
type parsed struct {
	kind     string   // body shape, for logs: native, s3, sns, eventbridge-s3, mediaconvert...
	updates  []update // in the order the body lists them
	skip     string   // reason nothing is applied, when updates is empty
	source   string   // subject of the body (object or job), for logs
	note     string   // extra detail for the log line, such as skipped records
	rawKey   string   // S3 keys as the notification encoded them, when that differs
	jobError bool     // a MediaConvert job failed: log at warning level
}

// maxSNSDepth bounds how many SNS envelopes are unwrapped, so that a body
// cannot make the classifier recurse without limit.
const maxSNSDepth = 2

// classifyBody recognises the shape of an SQS message body and turns it into
// updates. Shapes:
//
//   - an SNS notification envelope (raw message delivery off), whose Message
//     string is classified again;
//   - an S3 event notification with Records (direct, or SNS with raw message
//     delivery on);
//   - the s3:TestEvent message S3 sends when a notification is configured;
//   - an EventBridge event: S3 Object Created/Deleted or a MediaConvert Job
//     State Change;
//   - a native update message, recognised by its "version" field.
//
// SNS subscription confirmations are skipped, because the owner of the
// subscription confirms it. Any other body is a permanent failure. A member
// that decides the shape but has the wrong JSON type is a permanent failure
// whose error names the member and the type it must have.
func (c *Config) classifyBody(body []byte, depth int) (parsed, error) {
	// The members are decoded raw, so that a wrong type is reported by
	// name below instead of failing the whole body.
	var probe struct {
		Type       json.RawMessage `json:"Type"`
		TopicArn   json.RawMessage `json:"TopicArn"`
		Message    json.RawMessage `json:"Message"`
		Records    json.RawMessage `json:"Records"`
		Event      json.RawMessage `json:"Event"`
		DetailType json.RawMessage `json:"detail-type"`
		Source     json.RawMessage `json:"source"`
		Detail     json.RawMessage `json:"detail"`
		Version    json.RawMessage `json:"version"`
	}
	trimmed := strings.TrimSpace(string(body))
	if !strings.HasPrefix(trimmed, "{") {
		return parsed{}, permanent(codeUnrecognised, fmt.Errorf(
			"message body is not a JSON object: %q", truncate(trimmed, 120)))
	}
	if err := json.Unmarshal(body, &probe); err != nil {
		// The decoder's message describes the problem, such as a syntax error
		// at an offset or nesting deeper than it accepts.
		return parsed{}, permanent(codeUnrecognised, fmt.Errorf(
			"message body is not valid JSON (%v): %q", err, truncate(trimmed, 120)))
	}
	event, eventErr := stringMember("S3 test event", "Event", probe.Event)

	switch {
	case present(probe.Type) && present(probe.TopicArn):
		typ, err := stringMember("SNS message", "Type", probe.Type)
		if err != nil {
			return parsed{kind: "sns"}, err
		}
		topic, err := stringMember("SNS message", "TopicArn", probe.TopicArn)
		if err != nil {
			return parsed{kind: "sns"}, err
		}
		return c.classifySNS(typ, topic, probe.Message, depth)

	case present(probe.Records):
		if probe.Records[0] != '[' {
			return parsed{kind: "s3"}, permanent(codeInvalidMessage, fmt.Errorf(
				"S3 event notification field \"Records\" must be an array of event records, got %s",
				describeJSON(probe.Records)))
		}
		return c.s3NotificationUpdates(body, "s3")

	case eventErr == nil && event == "s3:TestEvent":
		var ev struct {
			Bucket string `json:"Bucket"`
		}
		_ = json.Unmarshal(body, &ev)
		return parsed{kind: "s3-test", skip: "s3:TestEvent sent when the bucket notification was configured",
			source: "s3://" + ev.Bucket}, nil

	case present(probe.DetailType) && present(probe.Source):
		detailType, err := stringMember("EventBridge event", "detail-type", probe.DetailType)
		if err != nil {
			return parsed{kind: "eventbridge"}, err
		}
		source, err := stringMember("EventBridge event", "source", probe.Source)
		if err != nil {
			return parsed{kind: "eventbridge"}, err
		}
		return c.classifyEventBridge(source, detailType, probe.Detail)

	case present(probe.Version):
		u, err := decodeNative(body)
		if err != nil {
			return parsed{kind: "native"}, err
		}
		return parsed{kind: "native", updates: []update{u}}, nil

	case present(probe.Event) && eventErr != nil:
		return parsed{}, eventErr
	}
	return parsed{}, permanent(codeUnrecognised, fmt.Errorf(
		"message body has an unknown shape: expected a native update message with \"version\", "+
			"an S3 event notification, an SNS notification or an EventBridge event"))
}

func (c *Config) classifySNS(typ, topic string, rawMessage json.RawMessage, depth int) (parsed, error) {
	switch typ {
	case "Notification":
	case "SubscriptionConfirmation", "UnsubscribeConfirmation":
		return parsed{kind: "sns", skip: fmt.Sprintf("SNS %s from %q (confirm the subscription where it was "+
			"created; this function does not visit SubscribeURL)", typ, topic)}, nil
	default:
		return parsed{kind: "sns"}, permanent(codeUnrecognised, fmt.Errorf("SNS message type %q from %q is not supported", typ, topic))
	}
	if !present(rawMessage) {
		return parsed{kind: "sns"}, permanent(codeInvalidMessage, fmt.Errorf("SNS notification from %q has no Message", topic))
	}
	var message string
	if err := json.Unmarshal(rawMessage, &message); err != nil {
		return parsed{kind: "sns"}, permanent(codeInvalidMessage, fmt.Errorf(
			"SNS notification from %q: field \"Message\" must be a string that contains the published message, got %s",
			topic, describeJSON(rawMessage)))
	}
	if depth >= maxSNSDepth {
		return parsed{kind: "sns"}, permanent(codeUnrecognised, fmt.Errorf(
			"SNS notification from %q is nested more than %d levels deep", topic, maxSNSDepth))
	}
	p, err := c.classifyBody([]byte(message), depth+1)
	p.kind = "sns/" + p.kind
	return p, err
}

func (c *Config) classifyEventBridge(source, detailType string, detail json.RawMessage) (parsed, error) {
	switch {
	case source == "aws.s3" && (detailType == "Object Created" || detailType == "Object Deleted"):
		p, err := c.eventBridgeS3Update(detailType, detail)
		p.kind = "eventbridge-s3"
		return p, err
	case source == "aws.s3":
		return parsed{kind: "eventbridge-s3", skip: fmt.Sprintf("S3 event %q is not Object Created or Object Deleted",
			detailType)}, nil
	case source == "aws.mediaconvert" && detailType == "MediaConvert Job State Change":
		p, err := c.mediaConvertUpdate(detail)
		p.kind = "mediaconvert"
		return p, err
	}
	return parsed{kind: "eventbridge"}, permanent(codeUnrecognised, fmt.Errorf(
		"EventBridge event %q from %q is not supported: route only aws.s3 Object Created/Deleted "+
			"and aws.mediaconvert Job State Change events to this queue", detailType, source))
}
