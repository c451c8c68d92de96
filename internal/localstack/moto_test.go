package localstack

import (
	"net/http"
	"testing"

	"github.com/streamkit/skylark-lambda/internal/testenv"
)

func TestMotoStopEndsProcess(t *testing.T) {
	path := MotoPath()
	if path == "" {
		testenv.Require(t, "moto_server", "install the Python package moto[server]")
	}
	m, err := StartMoto(testenv.Context(t), path, nil)
	if err != nil {
		t.Fatalf("StartMoto: %v", err)
	}
	resp, err := http.Get(m.URL + "/moto-api/")
	if err != nil {
		m.Stop()
		t.Fatalf("moto_server does not answer after StartMoto: %v", err)
	}
	resp.Body.Close()

	children := childProcesses(m.Pid())
	m.Stop()
	assertGone(t, m.Pid())
	for _, c := range children {
		assertGone(t, c.pid)
	}
	if _, err := http.Get(m.URL + "/moto-api/"); err == nil {
		t.Error("moto_server still answers after Stop")
	}
}
