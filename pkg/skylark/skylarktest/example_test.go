package skylarktest_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/streamkit/skylark-lambda/pkg/skylark/skylarktest"
)

func Example() {
	srv := skylarktest.NewServer(skylarktest.Options{NoAuth: true})
	defer srv.Close()
	uid := srv.PutAsset(map[string]any{"title": "The Joy of Winning"})

	// Make the next GET fail once, as a throttling load balancer would.
	srv.InjectFault(skylarktest.Fault{Method: "GET", Status: 429, RetryAfter: "1", Times: 1})

	for range 2 {
		resp, err := http.Get(srv.URL + "/api/assets/" + uid + "/")
		if err != nil {
			panic(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(resp.StatusCode, strings.Contains(string(body), "The Joy of Winning"))
	}
	fmt.Println(len(srv.Requests()), "requests")
	// Output:
	// 429 false
	// 200 true
	// 2 requests
}
