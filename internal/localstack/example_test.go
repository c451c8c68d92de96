package localstack_test

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/streamkit/skylark-lambda/internal/localstack"
)

// A function under test reads its credentials from the built-in endpoint
// when AWS_ENDPOINT_URL_SECRETS_MANAGER is set to its URL. Here an SDK
// client is pointed at it directly.
func ExampleSecretsServer() {
	srv, err := localstack.StartSecretsServer("us-east-1")
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	if _, err := srv.PutSecret("skylark/integration", `{"username":"svc","password":"example"}`); err != nil {
		panic(err)
	}

	client := secretsmanager.New(secretsmanager.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("dummy", "dummy", ""),
		BaseEndpoint: aws.String(srv.URL),
	})
	out, err := client.GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{
		SecretId: aws.String("skylark/integration"),
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(aws.ToString(out.Name), aws.ToString(out.SecretString))
	// Output: skylark/integration {"username":"svc","password":"example"}
}

// An HTTP API JWT authorizer hands every claim to the function as a
// string.
func ExampleGatewayClaims() {
	claims := localstack.GatewayClaims(map[string]any{
		"cognito:groups": []any{"admins", "viewers"},
		"email_verified": true,
		"exp":            float64(1767610700),
	})
	fmt.Println(claims["cognito:groups"], claims["email_verified"], claims["exp"])
	// Output: [admins viewers] true 1767610700
}
