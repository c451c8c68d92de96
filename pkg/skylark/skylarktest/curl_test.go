package skylarktest_test

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/streamkit/skylark-lambda/internal/testenv"
	"github.com/streamkit/skylark-lambda/pkg/skylark/skylarktest"
)

// curl runs curl and returns the status code and the body.
func curl(t *testing.T, args ...string) (string, map[string]any) {
	t.Helper()
	args = append([]string{"--silent", "--show-error", "--write-out", "\n%{http_code}"}, args...)
	out, err := exec.Command("curl", args...).Output()
	if err != nil {
		t.Fatalf("curl %q: %v", args, err)
	}
	text := strings.TrimRight(string(out), "\n")
	i := strings.LastIndex(text, "\n")
	status, body := text[i+1:], text[:max(i, 0)]
	var obj map[string]any
	if body != "" {
		if err := json.Unmarshal([]byte(body), &obj); err != nil {
			t.Fatalf("curl %q: body %q is not JSON: %v", args, body, err)
		}
	}
	return status, obj
}

// TestCurl exercises the documented errors with curl, a client that shares
// no code with this module.
func TestCurl(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		testenv.Require(t, "curl", "install curl, for example with apt-get install curl")
	}
	srv := newFake(t, skylarktest.Options{NoAuth: true})
	uid := srv.PutAsset(map[string]any{"title": "x", "plan_urls": []string{"/api/plans/p/"},
		"ovps": []any{map[string]any{"account_url": "/api/accounts/mux/", "playback_id": "p"}}})
	asset := srv.URL + "/api/assets/" + uid + "/"
	jsonHeader := []string{"-H", "Content-Type: application/json"}

	status, body := curl(t, srv.URL+"/api/assets/asse_00000000000000000000000000000000/")
	if status != "404" || body["detail"] == nil {
		t.Errorf("unknown uid: %s %v", status, body)
	}
	status, body = curl(t, "-H", "Cache-Control: no-cache", asset)
	if status != "401" || body["detail"] == nil {
		t.Errorf("no-cache without a token: %s %v", status, body)
	}
	status, body = curl(t, append(jsonHeader, "-X", "PATCH", "-d", `{"title":1}`, asset)...)
	if status != "400" || body["skylark_error_code"] != "FORM_VALIDATION_ERRORS" {
		t.Errorf("PATCH with a wrong type: %s %v", status, body)
	}
	status, body = curl(t, append(jsonHeader, "-d", `{"user_identifier":"u"}`, srv.URL+"/api/viewings/")...)
	if status != "400" || body["skylark_error_code"] != "NO_VIEWING_RECORD_PROVIDED" {
		t.Errorf("viewing without asset_url: %s %v", status, body)
	}
	viewing := `{"asset_url":"/api/assets/` + uid + `/","user_identifier":"u"}`
	status, body = curl(t, append(jsonHeader, "-d", viewing, srv.URL+"/api/viewings/")...)
	if status != "403" || body["skylark_error_code"] != "NO_VALID_ENTITLEMENT_FOR_CONTENT" {
		t.Errorf("viewing without entitlement: %s %v", status, body)
	}
	srv.GrantEntitlement("u", "/api/plans/p/")
	status, body = curl(t, append(jsonHeader, "-d", viewing, srv.URL+"/api/viewings/")...)
	if status != "201" || body["objects"] == nil {
		t.Errorf("viewing: %s %v", status, body)
	}
	status, _ = curl(t, "-X", "DELETE", asset)
	if status != "204" {
		t.Errorf("DELETE: %s", status)
	}
	status, body = curl(t, asset)
	if status != "410" || body["detail"] == nil {
		t.Errorf("GET after DELETE: %s %v", status, body)
	}
}
