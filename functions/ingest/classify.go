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
// subscription confirms it. Any other body is a permanent failure.
func (c *Config) classifyBody(body []byte, depth int) (parsed, error) {
	var probe struct {
		Type       *string          `json:"Type"`
		TopicArn   *string          `json:"TopicArn"`
		Message    *string          `json:"Message"`
		Records    *json.RawMessage `json:"Records"`
		Event      *string          `json:"Event"`
		Service    *string          `json:"Service"`
		DetailType *string          `json:"detail-type"`
		Source     *string          `json:"source"`
		Detail     json.RawMessage  `json:"detail"`
		Version    json.RawMessage  `json:"version"`
	}
	trimmed := strings.TrimSpace(string(body))
	if !strings.HasPrefix(trimmed, "{") || json.Unmarshal(body, &probe) != nil {
		return parsed{}, permanent(codeUnrecognised, fmt.Errorf(
			"message body is not a JSON object: %s", truncate(trimmed, 120)))
	}

	switch {
	case probe.Type != nil && probe.TopicArn != nil:
		return c.classifySNS(*probe.Type, deref(probe.TopicArn), probe.Message, depth)

	case probe.Records != nil:
		return c.s3NotificationUpdates(body, "s3")

	case probe.Event != nil && *probe.Event == "s3:TestEvent":
		var ev struct {
			Bucket string `json:"Bucket"`
		}
		_ = json.Unmarshal(body, &ev)
		return parsed{kind: "s3-test", skip: "s3:TestEvent sent when the bucket notification was configured",
			source: "s3://" + ev.Bucket}, nil

	case probe.DetailType != nil && probe.Source != nil:
		return c.classifyEventBridge(*probe.Source, *probe.DetailType, probe.Detail)

	case probe.Version != nil:
		u, err := decodeNative(body)
		if err != nil {
			return parsed{kind: "native"}, err
		}
		return parsed{kind: "native", updates: []update{u}}, nil
	}
	return parsed{}, permanent(codeUnrecognised, fmt.Errorf(
		"message body has an unknown shape: expected a native update message with \"version\", "+
			"an S3 event notification, an SNS notification or an EventBridge event"))
}

func (c *Config) classifySNS(typ, topic string, message *string, depth int) (parsed, error) {
	switch typ {
	case "Notification":
	case "SubscriptionConfirmation", "UnsubscribeConfirmation":
		return parsed{kind: "sns", skip: "SNS " + typ + " from " + topic +
			" (confirm the subscription where it was created; this function does not visit SubscribeURL)"}, nil
	default:
		return parsed{kind: "sns"}, permanent(codeUnrecognised, fmt.Errorf("SNS message type %q from %s is not supported", typ, topic))
	}
	if message == nil {
		return parsed{kind: "sns"}, permanent(codeInvalidMessage, fmt.Errorf("SNS notification from %s has no Message", topic))
	}
	if depth >= maxSNSDepth {
		return parsed{kind: "sns"}, permanent(codeUnrecognised, fmt.Errorf(
			"SNS notification from %s is nested more than %d levels deep", topic, maxSNSDepth))
	}
	p, err := c.classifyBody([]byte(*message), depth+1)
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
		return parsed{kind: "eventbridge-s3", skip: "S3 event " + detailType + " is not Object Created or Object Deleted"}, nil
	case source == "aws.mediaconvert" && detailType == "MediaConvert Job State Change":
		p, err := c.mediaConvertUpdate(detail)
		p.kind = "mediaconvert"
		return p, err
	}
	return parsed{kind: "eventbridge"}, permanent(codeUnrecognised, fmt.Errorf(
		"EventBridge event %q from %q is not supported: route only aws.s3 Object Created/Deleted "+
			"and aws.mediaconvert Job State Change events to this queue", detailType, source))
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
