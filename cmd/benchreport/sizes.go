package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// maxBinaryMiB is the size limit of each function's bootstrap binary.
const maxBinaryMiB = 10

// functionPackages lists the Lambda functions whose deployed binaries are
// measured.
var functionPackages = []string{"./functions/ingest", "./functions/viewing"}

// binarySizes builds each function as the SAM build does (linux/arm64, CGO
// off, -tags lambda.norpc, -trimpath, stripped) and returns one report row
// per function.
func binarySizes() ([]row, error) {
	dir, err := os.MkdirTemp("", "benchreport-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)

	var rows []row
	for _, pkg := range functionPackages {
		out := filepath.Join(dir, filepath.Base(pkg))
		cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath",
			"-ldflags=-s -w", "-o", out, pkg)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64")
		if msg, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("build %s: %v\n%s", pkg, err, msg)
		}
		info, err := os.Stat(out)
		if err != nil {
			return nil, err
		}
		mib := float64(info.Size()) / (1 << 20)
		rows = append(rows, row{
			name:    "binary size: " + filepath.Base(pkg) + " (linux/arm64)",
			value:   fmt.Sprintf("%.2f MiB", mib),
			goal:    fmt.Sprintf("<= %d MiB", maxBinaryMiB),
			verdict: verdict(mib <= maxBinaryMiB),
			detail:  "go build -tags lambda.norpc -trimpath -ldflags='-s -w'",
		})
	}
	return rows, nil
}
