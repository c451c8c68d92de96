#!/usr/bin/env bash
# Runs every check and test of the project, as CI does: installs the npm
# packages of the independent Cognito client from the committed lock file,
# installs moto_server with pip only when it is missing, then runs go vet,
# staticcheck, cfn-lint, the whole test suite under the race detector and a
# short run of each fuzz target.
#
# Environment:
#   FUZZTIME   how long each fuzz target runs (default 10s; 0 skips fuzzing)
#   CI=true    a missing tool fails the run instead of skipping its tests
set -euo pipefail
cd "$(dirname "$0")/.."

fuzztime="${FUZZTIME:-10s}"
step() { printf '\n==> %s\n' "$*"; }

step "go mod download"
go mod download

step "npm ci (amazon-cognito-identity-js for the SRP interoperability tests)"
if command -v npm >/dev/null 2>&1; then
	npm ci --prefix tools/js --no-audit --no-fund --loglevel=error
elif [ "${CI:-}" = "true" ]; then
	echo "npm is required under CI: install Node.js 20 and npm" >&2
	exit 1
else
	echo "npm not found: the tests that run amazon-cognito-identity-js will be skipped"
fi

step "moto_server (SQS and Secrets Manager for the end-to-end tests)"
if ! command -v moto_server >/dev/null 2>&1; then
	echo "moto_server not found: installing moto[server] with pip"
	python3 -m pip install --quiet 'moto[server]' || {
		echo "could not install moto[server]; install it by hand: python3 -m pip install 'moto[server]'" >&2
		[ "${CI:-}" = "true" ] && exit 1
	}
fi

if ! command -v moto_server >/dev/null 2>&1; then
	echo "moto_server is still missing: the SQS and Secrets Manager tests will be skipped"
fi
if ! command -v node >/dev/null 2>&1; then
	echo "node not found: the tests that run amazon-cognito-identity-js will be skipped"
fi

step "go vet"
go vet ./...

step "staticcheck"
go tool staticcheck ./...

step "cfn-lint template.yaml"
if command -v cfn-lint >/dev/null 2>&1; then
	cfn-lint template.yaml
elif [ "${CI:-}" = "true" ]; then
	echo "cfn-lint is required under CI: python3 -m pip install cfn-lint" >&2
	exit 1
else
	echo "cfn-lint not found: skipping the template lint"
fi

step "go test -race ./..."
go test -race -count=1 -timeout 20m ./...

if [ "$fuzztime" != "0" ]; then
	step "fuzz targets, $fuzztime each"
	for pkg in $(go list ./...); do
		for target in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
			echo "--- $pkg $target"
			# A short -fuzzminimizetime keeps the minimisation of a new
			# interesting input from running past -fuzztime, which go test
			# reports as "context deadline exceeded" (default: 60s).
			go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" -fuzzminimizetime 1s "$pkg"
		done
	done
fi
