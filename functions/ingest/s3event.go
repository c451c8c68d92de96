package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
)

// OVP entry keys that S3 events write beside account_url and stream_url.
// They record which object provides the stream and the S3 sequencer of the
// event that wrote it. So a late event for the same object never overwrites
// a newer one, and deleting one object never removes another object's
// stream.
const (
	entryS3Object    = "s3_object"
	entryS3Sequencer = "s3_sequencer"
)

// s3Change is one object created or deleted, with its decoded key.
type s3Change struct {
	bucket    string
	key       string // decoded: the key as stored in the bucket
	rawKey    string // as the event carried it, for logs only
	sequencer string
	deleted   bool
}

func (ch s3Change) object() string { return "s3://" + ch.bucket + "/" + ch.key }

// s3Notification is an S3 event notification as S3 sends it to SQS or SNS.
type s3Notification struct {
	Records []struct {
		EventSource string `json:"eventSource"`
		EventName   string `json:"eventName"`
		S3          struct {
			Bucket struct {
				Name string `json:"name"`
			} `json:"bucket"`
			Object struct {
				Key       string `json:"key"`
				Sequencer string `json:"sequencer"`
			} `json:"object"`
		} `json:"s3"`
	} `json:"Records"`
}

// s3NotificationUpdates turns the records of an S3 event notification into
// updates. S3 writes keys form-encoded (a space becomes '+', other reserved
// bytes %XX), so each key is decoded before it is matched.
func (c *Config) s3NotificationUpdates(body []byte, kind string) (parsed, error) {
	var n s3Notification
	if err := json.Unmarshal(body, &n); err != nil {
		return parsed{kind: kind}, permanent(codeInvalidMessage, fmt.Errorf("S3 event notification: %s",
			describeDecodeError(err)))
	}
	if len(n.Records) == 0 {
		return parsed{kind: kind}, permanent(codeInvalidMessage, fmt.Errorf("S3 event notification has no records"))
	}
	var changes []s3Change
	var skipped []string
	for i, r := range n.Records {
		if r.EventSource != "aws:s3" {
			return parsed{kind: kind}, permanent(codeUnrecognised, fmt.Errorf(
				"record %d has eventSource %q, not aws:s3", i, r.EventSource))
		}
		deleted := false
		switch {
		case strings.HasPrefix(r.EventName, "ObjectCreated:"):
		case strings.HasPrefix(r.EventName, "ObjectRemoved:"),
			strings.HasPrefix(r.EventName, "LifecycleExpiration:"):
			deleted = true
		default:
			skipped = append(skipped, fmt.Sprintf("event %q on %q is not a create or delete",
				r.EventName, "s3://"+r.S3.Bucket.Name+"/"+r.S3.Object.Key))
			continue
		}
		key, err := url.QueryUnescape(r.S3.Object.Key)
		if err != nil {
			return parsed{kind: kind}, permanent(codeInvalidMessage, fmt.Errorf(
				"record %d: object key %q is not form-encoded as S3 encodes notification keys: %v",
				i, r.S3.Object.Key, err))
		}
		changes = append(changes, s3Change{
			bucket:    r.S3.Bucket.Name,
			key:       key,
			rawKey:    r.S3.Object.Key,
			sequencer: r.S3.Object.Sequencer,
			deleted:   deleted,
		})
	}
	return c.s3Updates(kind, changes, skipped)
}

// eventBridgeS3Detail is the detail of an S3 Object Created or Object
// Deleted EventBridge event.
type eventBridgeS3Detail struct {
	Bucket struct {
		Name string `json:"name"`
	} `json:"bucket"`
	Object struct {
		Key       string `json:"key"`
		Sequencer string `json:"sequencer"`
	} `json:"object"`
}

// eventBridgeS3Update turns an S3 EventBridge event into an update. Unlike
// notifications, EventBridge carries the key as stored: it is not
// form-encoded, so a '+' in it is a plus sign.
func (c *Config) eventBridgeS3Update(detailType string, detail json.RawMessage) (parsed, error) {
	var d eventBridgeS3Detail
	if err := json.Unmarshal(detail, &d); err != nil {
		return parsed{}, permanent(codeInvalidMessage, fmt.Errorf("S3 %s event detail: %s",
			detailType, describeDecodeError(err)))
	}
	if d.Bucket.Name == "" || d.Object.Key == "" {
		return parsed{}, permanent(codeInvalidMessage, fmt.Errorf(
			"S3 %s event detail has no bucket name or object key", detailType))
	}
	ch := s3Change{
		bucket:    d.Bucket.Name,
		key:       d.Object.Key,
		rawKey:    d.Object.Key,
		sequencer: d.Object.Sequencer,
		deleted:   detailType == "Object Deleted",
	}
	return c.s3Updates("eventbridge-s3", []s3Change{ch}, nil)
}

// s3Updates maps changed objects to updates of the configured OVP account's
// entry. Keys that do not match S3_KEY_PATTERN are skipped, not failed: a
// bucket often holds more than the function's uploads (thumbnails, sidecar
// files), and the bucket notification's prefix and suffix filters are the
// place to keep those out of the queue.
func (c *Config) s3Updates(kind string, changes []s3Change, skipped []string) (parsed, error) {
	p := parsed{kind: kind}
	var sources, rawKeys []string
	for _, ch := range changes {
		sources = append(sources, ch.object())
		if ch.rawKey != ch.key {
			rawKeys = append(rawKeys, ch.rawKey)
		}
		if c.S3 == nil {
			return p, permanent(codeNotConfigured, fmt.Errorf(
				"S3 event for %q but S3_KEY_PATTERN and S3_STREAM_URL_TEMPLATE are not set: %w",
				ch.object(), errNotConfigured))
		}
		ref, streamURL, ok, err := c.S3.Match(ch.bucket, ch.key)
		if err != nil {
			return p, permanent(codeInvalidMessage, err)
		}
		if !ok {
			skipped = append(skipped, fmt.Sprintf("key %q (raw %q) does not match S3_KEY_PATTERN", ch.key, ch.rawKey))
			continue
		}
		u := update{Asset: ref, S3: &s3Guard{
			Object:    ch.object(),
			Sequencer: ch.sequencer,
			StreamURL: streamURL,
			Deleted:   ch.deleted,
		}}
		if ch.deleted {
			u.Remove = []string{c.OVPAccountURL}
		} else {
			entry := map[string]any{
				"account_url": c.OVPAccountURL,
				"stream_url":  streamURL,
				entryS3Object: ch.object(),
			}
			if ch.sequencer != "" {
				entry[entryS3Sequencer] = ch.sequencer
			}
			u.Upsert = []map[string]any{entry}
		}
		p.updates = append(p.updates, u)
	}
	p.source = strings.Join(sources, ", ")
	p.rawKey = strings.Join(rawKeys, ", ")
	if len(p.updates) == 0 {
		p.skip = strings.Join(skipped, "; ")
		return p, nil
	}
	if len(skipped) > 0 {
		p.note = "skipped: " + strings.Join(skipped, "; ")
	}
	return p, nil
}
