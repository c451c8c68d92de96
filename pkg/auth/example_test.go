package auth_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/streamkit/skylark-lambda/pkg/auth"
	"github.com/streamkit/skylark-lambda/pkg/auth/cognitotest"
)

// This example wires the package the way a Lambda function does: once, in
// main, outside the handler, so that warm invocations share the token cache.
func Example() {
	ctx := context.Background()
	awsCfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	// The token source retries temporary Cognito failures itself, within
	// the caller's deadline; the SDK's own retries stay off.
	cognito := cognitoidentityprovider.NewFromConfig(awsCfg, func(o *cognitoidentityprovider.Options) {
		o.RetryMaxAttempts = 1
	})
	creds := auth.NewSecretCredentials(secretsmanager.NewFromConfig(awsCfg), os.Getenv("SKYLARK_SECRET_ID"))

	tokens, err := auth.NewTokenSource(auth.Config{
		UserPoolID:  os.Getenv("COGNITO_USER_POOL_ID"),
		ClientID:    os.Getenv("COGNITO_CLIENT_ID"),
		Cognito:     cognito,
		Credentials: creds,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	httpClient := &http.Client{Transport: &auth.Transport{Source: tokens}}

	resp, err := httpClient.Get(os.Getenv("SKYLARK_BASE_URL") + "/api/assets/")
	switch {
	case errors.Is(err, auth.ErrInvalidCredentials):
		fmt.Println("fix the credentials secret:", err)
	case err != nil:
		var authErr *auth.Error
		if errors.As(err, &authErr) && authErr.Temporary() {
			fmt.Println("try again in", authErr.RetryAfter())
		}
	default:
		resp.Body.Close()
	}
}

// This example signs in to a local emulated user pool and calls an API
// through Transport.
func ExampleTransport() {
	pool := cognitotest.NewServer(nil, cognitotest.Options{PoolID: "us-east-1_Example1"})
	defer pool.Close()
	_ = pool.AddClient(cognitotest.Client{ID: "exampleclient"})
	_ = pool.AddUser(cognitotest.User{Username: "svc-skylark", Password: "Example-Passw0rd"})

	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bearer := strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ey")
		fmt.Fprintf(w, "bearer token: %v, cache-control: %s", bearer, r.Header.Get("Cache-Control"))
	}))
	defer api.Close()

	tokens, err := auth.NewTokenSource(auth.Config{
		UserPoolID:  pool.PoolID,
		ClientID:    "exampleclient",
		Cognito:     pool.NewSDKClient(),
		Credentials: auth.StaticCredentials{Username: "svc-skylark", Password: "Example-Passw0rd"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	client := &http.Client{Transport: &auth.Transport{Source: tokens}}
	for range 2 {
		resp, err := client.Get(api.URL)
		if err != nil {
			fmt.Println(err)
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(string(body))
	}
	fmt.Printf("%+v\n", tokens.Stats())
	// Output:
	// bearer token: true, cache-control: no-cache
	// bearer token: true, cache-control: no-cache
	// {SignIns:1 Refreshes:0}
}

// This example shows how errors are classified.
func ExampleError() {
	pool := cognitotest.NewServer(nil, cognitotest.Options{PoolID: "us-east-1_Example2"})
	defer pool.Close()
	_ = pool.AddClient(cognitotest.Client{ID: "exampleclient", Secret: "example-client-secret"})
	_ = pool.AddUser(cognitotest.User{Username: "svc-skylark", Password: "Example-Passw0rd"})

	tokens, _ := auth.NewTokenSource(auth.Config{
		UserPoolID: pool.PoolID,
		ClientID:   "exampleclient",
		Cognito:    pool.NewSDKClient(),
		// The app client has a secret, but the credentials lack it.
		Credentials: auth.StaticCredentials{Username: "svc-skylark", Password: "Example-Passw0rd"},
	})
	_, err := tokens.Token(context.Background())

	var authErr *auth.Error
	errors.As(err, &authErr)
	fmt.Println(errors.Is(err, auth.ErrMisconfigured), authErr.Code, authErr.Temporary())
	// Output:
	// true NotAuthorizedException false
}
