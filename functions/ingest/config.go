package main

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/streamkit/skylark-lambda/internal/setup"
)

// Defaults of the ingest settings.
const (
	// DefaultWorkers is how many assets are updated in parallel. It matches
	// the default SQS batch size of 10, so each message of a default batch
	// gets its own worker. Some Skylark installs were seen to return 502
	// under heavy parallel load: lower it if the batch size is raised.
	DefaultWorkers = 10

	// DefaultDeadlineMargin is how long before the invocation's deadline the
	// handler stops starting messages. It leaves room for the writes in
	// flight and for the dead-letter and visibility calls that follow them.
	DefaultDeadlineMargin = 5 * time.Second

	// DefaultBackoffBase is the visibility timeout set on a message after
	// its first failed receive. It doubles with every further receive.
	DefaultBackoffBase = 30 * time.Second

	// DefaultBackoffMax caps the visibility timeout set after a failure.
	DefaultBackoffMax = 15 * time.Minute

	// DefaultAssetMetadataKey and DefaultDataSourceMetadataKey are the
	// MediaConvert job user metadata keys that name the Skylark asset.
	DefaultAssetMetadataKey      = "skylark_asset_uid"
	DefaultDataSourceMetadataKey = "skylark_data_source_id"

	// maxVisibilityTimeout is the largest visibility timeout SQS accepts
	// (12 hours).
	maxVisibilityTimeout = 12 * time.Hour
)

// Config holds the ingest function's own settings. The shared settings
// (Skylark, Cognito, logging) are read by setup.LoadCommon.
type Config struct {
	// DeadLetterQueueURL receives permanently failed messages. When it is
	// empty they are reported as batch item failures and the source
	// queue's redrive policy moves them once maxReceiveCount is reached.
	DeadLetterQueueURL string

	// Workers is the number of assets updated in parallel.
	Workers int

	// DeadlineMargin is how long before the deadline no new message starts.
	DeadlineMargin time.Duration

	// S3 maps object keys to assets and stream URLs; nil when S3 event
	// notifications are not configured.
	S3 *S3Mapping

	// MediaConvert maps playlist paths of completed jobs to delivery URLs;
	// nil when MediaConvert events are not configured.
	MediaConvert *MediaConvertMapping

	// OVPAccountURL is the account_url of the ovps entry that S3 and
	// MediaConvert events write.
	OVPAccountURL string

	// BackoffBase and BackoffMax shape the visibility timeout of a message
	// that failed transiently: BackoffBase doubled per earlier receive,
	// capped at BackoffMax, with jitter.
	BackoffBase time.Duration
	BackoffMax  time.Duration
}

// LoadConfig reads and validates the ingest settings through getenv, which is
// os.Getenv in the function and a map lookup in tests. The error names every
// invalid variable and states what is expected.
func LoadConfig(getenv func(string) string) (Config, error) {
	var c Config
	var problems []string
	check := func(err error) {
		if err != nil {
			problems = append(problems, err.Error())
		}
	}

	c.DeadLetterQueueURL = strings.TrimSpace(getenv("DEAD_LETTER_QUEUE_URL"))
	check(validateQueueURL("DEAD_LETTER_QUEUE_URL", c.DeadLetterQueueURL))

	var err error
	c.Workers, err = setup.Int(getenv, "INGEST_WORKERS", DefaultWorkers, 1, 64)
	check(err)
	c.DeadlineMargin, err = setup.Duration(getenv, "DEADLINE_MARGIN", DefaultDeadlineMargin,
		100*time.Millisecond, 10*time.Minute)
	check(err)
	c.BackoffBase, err = setup.Duration(getenv, "VISIBILITY_BACKOFF_BASE", DefaultBackoffBase,
		time.Second, maxVisibilityTimeout)
	check(err)
	c.BackoffMax, err = setup.Duration(getenv, "VISIBILITY_BACKOFF_MAX", DefaultBackoffMax,
		time.Second, maxVisibilityTimeout)
	check(err)
	if err == nil && c.BackoffBase > c.BackoffMax {
		problems = append(problems, fmt.Sprintf(
			"VISIBILITY_BACKOFF_BASE=%s is longer than VISIBILITY_BACKOFF_MAX=%s: make the base at most the maximum",
			c.BackoffBase, c.BackoffMax))
	}

	pattern := strings.TrimSpace(getenv("S3_KEY_PATTERN"))
	template := strings.TrimSpace(getenv("S3_STREAM_URL_TEMPLATE"))
	switch {
	case pattern == "" && template == "":
	case pattern == "":
		problems = append(problems, "S3_KEY_PATTERN is not set but S3_STREAM_URL_TEMPLATE is: "+
			"set both to ingest S3 event notifications, or neither")
	case template == "":
		problems = append(problems, "S3_STREAM_URL_TEMPLATE is not set but S3_KEY_PATTERN is: "+
			"set both to ingest S3 event notifications, or neither")
	default:
		c.S3, err = NewS3Mapping(pattern, template)
		check(err)
	}

	assetKey := envDefault(getenv, "MEDIACONVERT_ASSET_METADATA_KEY", DefaultAssetMetadataKey)
	dataSourceKey := envDefault(getenv, "MEDIACONVERT_DATA_SOURCE_METADATA_KEY", DefaultDataSourceMetadataKey)
	if assetKey == dataSourceKey {
		problems = append(problems, fmt.Sprintf(
			"MEDIACONVERT_ASSET_METADATA_KEY and MEDIACONVERT_DATA_SOURCE_METADATA_KEY are both %q: use two different user metadata keys",
			assetKey))
	}
	if raw := strings.TrimSpace(getenv("MEDIACONVERT_URL_MAP")); raw != "" {
		c.MediaConvert, err = NewMediaConvertMapping(raw, assetKey, dataSourceKey)
		check(err)
	}

	c.OVPAccountURL = strings.TrimSpace(getenv("OVP_ACCOUNT_URL"))
	needAccount := pattern != "" || template != "" || strings.TrimSpace(getenv("MEDIACONVERT_URL_MAP")) != ""
	check(validateAccountURL("OVP_ACCOUNT_URL", c.OVPAccountURL, needAccount))

	if len(problems) > 0 {
		return Config{}, fmt.Errorf("ingest: invalid configuration: %s", strings.Join(problems, "; "))
	}
	return c, nil
}

func envDefault(getenv func(string) string, name, def string) string {
	if v := strings.TrimSpace(getenv(name)); v != "" {
		return v
	}
	return def
}

func validateQueueURL(name, value string) error {
	if value == "" {
		return nil
	}
	u, err := url.Parse(value)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || u.Path == "" {
		return fmt.Errorf("%s=%q is not an SQS queue URL: use the queue's URL, such as "+
			"https://sqs.eu-west-1.amazonaws.com/123456789012/ingest-dlq", name, value)
	}
	return nil
}

// validateAccountURL accepts a Skylark path such as
// /api/accounts/acco_.../ or an absolute http(s) URL.
func validateAccountURL(name, value string, required bool) error {
	const want = "the account_url of the OVP account, such as /api/accounts/acco_3f1b9c2d4e5f60718293a4b5c6d7e8f9/"
	if value == "" {
		if required {
			return fmt.Errorf("%s is not set but S3 or MediaConvert ingest is configured: set it to %s", name, want)
		}
		return nil
	}
	if strings.ContainsAny(value, " \t\r\n") {
		return fmt.Errorf("%s=%q contains white space: set it to %s", name, value, want)
	}
	if strings.HasPrefix(value, "/") {
		return nil
	}
	u, err := url.Parse(value)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("%s=%q is neither a path starting with / nor an absolute http(s) URL: set it to %s",
			name, value, want)
	}
	return nil
}

// errNotConfigured marks a message kind that this deployment has no
// settings for.
var errNotConfigured = errors.New("not configured")
