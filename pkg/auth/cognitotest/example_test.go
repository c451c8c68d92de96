package cognitotest_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/smithy-go"
	"github.com/golang-jwt/jwt/v5"

	"github.com/streamkit/skylark-lambda/pkg/auth/cognitotest"
)

func ExampleNewServer() {
	// In a test, pass t instead of nil and the server closes itself.
	srv := cognitotest.NewServer(nil, cognitotest.Options{PoolID: "us-east-1_Example1"})
	defer srv.Close()

	if err := srv.AddClient(cognitotest.Client{ID: "example-client", Secret: "example-secret"}); err != nil {
		panic(err)
	}
	err := srv.AddUser(cognitotest.User{
		Username:   "6f1c2a9e-0b7d-4c3e-9a51-2d8e4f0a7b13",
		Password:   "Correct-Horse-9",
		Email:      "alice@example.com",
		Attributes: map[string]string{"custom:plans": "gold"},
	})
	if err != nil {
		panic(err)
	}

	idToken, err := srv.SignIn(context.Background(), "alice@example.com", "Correct-Horse-9")
	if err != nil {
		panic(err)
	}
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(idToken, claims); err != nil {
		panic(err)
	}
	fmt.Println(claims["cognito:username"], claims["custom:plans"], claims["iss"] == srv.Issuer())
	// Output: 6f1c2a9e-0b7d-4c3e-9a51-2d8e4f0a7b13 gold true
}

func ExampleServer_InjectFault() {
	srv := cognitotest.NewServer(nil, cognitotest.Options{})
	defer srv.Close()
	if err := srv.AddClient(cognitotest.Client{ID: "example-client"}); err != nil {
		panic(err)
	}

	// The next InitiateAuth request gets TooManyRequestsException.
	if err := srv.InjectFault(cognitotest.OpInitiateAuth, cognitotest.ThrottleFault(1)); err != nil {
		panic(err)
	}
	api := srv.NewSDKClient()
	_, err := api.InitiateAuth(context.Background(), &cip.InitiateAuthInput{
		AuthFlow: "USER_SRP_AUTH",
		ClientId: aws.String("example-client"),
	})
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.ErrorCode(), apiErr.ErrorMessage())
	}
	fmt.Println(srv.Count(cognitotest.OpInitiateAuth))
	// Output:
	// TooManyRequestsException Rate exceeded
	// 1
}
