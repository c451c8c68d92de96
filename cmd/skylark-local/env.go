package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
)

// Logical ids of the functions in template.yaml, the keys of an env.json
// for `sam local invoke --env-vars`.
const (
	ingestLogicalID  = "IngestFunction"
	viewingLogicalID = "ViewingFunction"
)

// ingestSettings returns the ingest function's own variables. dlqURL is
// empty when there is no dead-letter queue.
func ingestSettings(dlqURL string) map[string]string {
	env := map[string]string{
		"INGEST_WORKERS":         "4",
		"S3_KEY_PATTERN":         s3KeyPattern,
		"S3_STREAM_URL_TEMPLATE": s3StreamURLTemplate,
		"OVP_ACCOUNT_URL":        ingestAccount,
		"MEDIACONVERT_URL_MAP":   mediaConvertURLMap,
		// Short backoff, so a message reported for retry comes back within
		// a local session rather than after the deployed default.
		"VISIBILITY_BACKOFF_BASE": "5s",
		"VISIBILITY_BACKOFF_MAX":  "1m",
	}
	if dlqURL != "" {
		env["DEAD_LETTER_QUEUE_URL"] = dlqURL
	}
	return env
}

// viewingSettings returns the viewing function's own variables.
func viewingSettings() map[string]string {
	return map[string]string{
		"PLANS_CLAIM":     plansClaim,
		"ASSET_CACHE_TTL": "30s",
	}
}

// functionEnv returns a function's whole environment: the shared settings,
// the AWS settings `sam local invoke` would pass (dummy credentials, the
// region) with the endpoint variables that point the SDK at the local
// servers, and the function's own settings.
func (st *stack) functionEnv(own map[string]string) map[string]string {
	env := map[string]string{
		"SKYLARK_BASE_URL":     st.skylark.URL,
		"SKYLARK_SECRET_ID":    secretName,
		"COGNITO_USER_POOL_ID": integrationPoolID,
		"COGNITO_CLIENT_ID":    integrationClientID,
		"LOG_LEVEL":            "info",

		"AWS_REGION":            region,
		"AWS_DEFAULT_REGION":    region,
		"AWS_ACCESS_KEY_ID":     dummyAccessKeyID,
		"AWS_SECRET_ACCESS_KEY": dummySecretAccessKey,

		"AWS_ENDPOINT_URL_SECRETS_MANAGER":           st.secretsURL,
		"AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER": st.integrationPool.URL,
		"AWS_ENDPOINT_URL_SQS":                       st.sqsURL,
	}
	maps.Copy(env, own)
	return env
}

// writeEnvJSON writes the functions' variables in the format of
// `sam local invoke --env-vars`, keyed by logical id, with mode 0600
// because it names the local endpoints and dummy credentials.
func (st *stack) writeEnvJSON(path string) error {
	doc := map[string]map[string]string{
		ingestLogicalID:  st.ingestEnv,
		viewingLogicalID: st.viewingEnv,
	}
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return fmt.Errorf("encode env.json: %w", err)
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("write env.json: %w", err)
	}
	return nil
}
