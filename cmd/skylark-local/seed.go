package main

// The local stack's fixed data: user pools, users, assets and the sample
// events that the demo sends. Asset uids, data source ids and S3 keys match
// the files in events/, so the samples apply to the seeded assets.

const (
	region = "us-east-1"

	// integrationPoolID is the Skylark user pool that the functions sign
	// in to, and integrationClientID its app client (with a secret).
	integrationPoolID   = "us-east-1_SkylarkLocal"
	integrationClientID = "skylarklocalintegration01"
	integrationUser     = "skylark-integration"

	// endUserPoolID is the service's own pool for player apps, and
	// endUserClientID its public app client (no secret), the audience the
	// HTTP API's JWT authorizer accepts.
	endUserPoolID   = "us-east-1_ViewersLocal"
	endUserClientID = "skylarklocalplayerapp0001"

	// secretName is the Secrets Manager secret with the integration's
	// credentials (SKYLARK_SECRET_ID).
	secretName = "skylark-local/integration"

	// ingestQueueName and deadLetterQueueName are the moto queues.
	ingestQueueName     = "skylark-ingest"
	deadLetterQueueName = "skylark-ingest-dlq"

	// plansClaim is the ID token claim with the user's plans (PLANS_CLAIM).
	plansClaim = "custom:plans"
)

// OVP accounts. The S3 and MediaConvert mappings write ingestAccount
// (OVP_ACCOUNT_URL), and the native update sample upserts it. That sample
// removes retiredAccount. otherAccount belongs to another OVP integration,
// whose entries every update must keep.
const (
	ingestAccount  = "/api/accounts/acco_3f1b9c2d4e5f60718293a4b5c6d7e8f9/"
	retiredAccount = "/api/accounts/acco_0a1b2c3d4e5f60718293a4b5c6d7e8f0/"
	otherAccount   = "/api/accounts/acco_7c6d5e4f3a2b10998877665544332211/"
)

// Plans. Skylark lists plan URLs on assets; the end-user pool's
// custom:plans claim lists plan uids.
const (
	premiumPlanUID = "plan_5f0c2a9e7b1d4e3f8a6c0b2d4e6f8a1c"
	premiumPlanURL = "/api/plans/" + premiumPlanUID + "/"
	basicPlanUID   = "plan_0b1d9e4c2a7f4e6b8d3c5a1f7e9b2d40"
)

// Ingest mapping settings, matching the sample events' bucket and keys.
const (
	s3KeyPattern        = `^uploads/(?P<data_source_id>[^/]+)\.mp4$`
	s3StreamURLTemplate = "https://cdn.example.com/{key}"
	mediaConvertURLMap  = "s3://example-media-bucket/output=https://cdn.example.com/output"
)

// Seeded assets.
const (
	joyUID = "asse_4e4a9d0e3c054790886684b924e1d13c"

	trailerDataSource  = "trailer-01"
	featureDataSource  = "feature-02"
	extrasDataSource   = "behind the scenes+extras"
	trailerDisplayName = "Trailer 01"
)

// seedAssets returns the assets the fake Skylark starts with. The premium
// asset is addressed by uid and has entries from a retired and from
// another OVP account. A free trailer and a premium feature are addressed
// by data source id, and so is a free extra whose data source id contains
// a space and a plus sign. Every asset that the viewing examples of serve
// use has another OVP account's entry, so a viewing succeeds before any
// ingest has run.
func seedAssets() []map[string]any {
	return []map[string]any{
		{
			"uid":       joyUID,
			"title":     "The Joy of Winning (working title)",
			"plan_urls": []string{premiumPlanURL},
			"ovps": []map[string]any{
				{"account_url": retiredAccount, "stream_url": "https://old-encoder.example.com/joy/master.m3u8"},
				{"account_url": otherAccount, "playback_id": "jOyOfW1nn1nG"},
			},
		},
		{
			"data_source_id": trailerDataSource,
			"title":          trailerDisplayName,
			"ovps": []map[string]any{
				{"account_url": otherAccount, "playback_id": "tRaIlEr01"},
			},
		},
		{
			"data_source_id": featureDataSource,
			"title":          "Feature 02",
			"plan_urls":      []string{premiumPlanURL},
			"ovps": []map[string]any{
				{"account_url": otherAccount, "playback_id": "fEaTuRe02"},
			},
		},
		{
			"data_source_id": extrasDataSource,
			"title":          "Behind the Scenes",
			"ovps":           []map[string]any{},
		},
	}
}

// endUser is a user of the end-user pool.
type endUser struct {
	Username string
	Sub      string
	Plans    string // custom:plans, empty for none
	Password string
}

// endUsers returns the player-app users: one with the premium plan, one
// with only the basic plan and one without custom:plans. Their passwords
// are fixed demo values, because the pool exists only on this machine and
// only while the command runs.
func endUsers() []endUser {
	return []endUser{
		{Username: "premium-viewer", Sub: "9b2f6c1e-3f7a-4c55-9a9e-2b8d8d7e0f11",
			Plans: `["` + premiumPlanUID + `"]`, Password: "Premium-Viewer-1"},
		{Username: "basic-viewer", Sub: "c7d8e9f0-1a2b-4c3d-8e4f-5a6b7c8d9e0f",
			Plans: `["` + basicPlanUID + `"]`, Password: "Basic-Viewer-1"},
		{Username: "free-viewer", Sub: "3e5a7c9e-0b2d-4f61-8a3c-5e7f9b1d3a50",
			Password: "Free-Viewer-1"},
	}
}

// sample is a sample event file of the ingest function and the outcome the
// demo expects for its message.
type sample struct {
	File    string
	Label   string
	Outcome string // outcome as the function logs it
}

// ingestSamples lists the samples the demo sends, in order: one of each
// content-pipeline source, the S3 test event and one bad message.
func ingestSamples() []sample {
	return []sample{
		{File: "ingest-s3-put.json", Label: "S3 upload", Outcome: "applied"},
		{File: "ingest-s3-sns.json", Label: "S3 via SNS", Outcome: "applied"},
		{File: "ingest-eventbridge-object-created.json", Label: "EventBridge Object Created", Outcome: "applied"},
		{File: "ingest-mediaconvert-complete.json", Label: "MediaConvert COMPLETE", Outcome: "applied"},
		{File: "ingest-native-update.json", Label: "native update", Outcome: "applied"},
		{File: "ingest-s3-test-event.json", Label: "s3:TestEvent", Outcome: "skipped"},
		{File: "ingest-bad-message.json", Label: "bad message", Outcome: "permanent_failure"},
	}
}
