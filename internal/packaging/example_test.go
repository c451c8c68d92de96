package packaging_test

import (
	"fmt"

	"github.com/streamkit/skylark-lambda/internal/packaging"
)

// The visibility timeout of the ingest queue that a deployment with a
// two-minute function timeout gets.
func ExampleNewResolver() {
	tmpl, err := packaging.LoadTemplate("../../template.yaml")
	if err != nil {
		panic(err)
	}
	r, err := packaging.NewResolver(tmpl, map[string]string{
		"SkylarkBaseUrl":    "https://api.example.skylarkplatform.io",
		"SkylarkSecretArn":  "arn:aws:secretsmanager:eu-west-1:111122223333:secret:skylark-AbC123",
		"SkylarkUserPoolId": "eu-west-1_Example1",
		"SkylarkClientId":   "exampleclient",
		"EndUserPoolId":     "eu-west-1_Players1",
		"EndUserClientIds":  "player",
		"IngestTimeout":     "120",
	})
	if err != nil {
		panic(err)
	}
	v, err := r.Resolve(tmpl.Properties("IngestQueue")["VisibilityTimeout"])
	if err != nil {
		panic(err)
	}
	fmt.Println(v)
	// Output: 780
}
