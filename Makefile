# Builds the two Lambda functions. `sam build` calls the build-<LogicalId>
# targets (Metadata BuildMethod: makefile in template.yaml) with
# ARTIFACTS_DIR set to the directory that becomes the function's zip root.
#
# Lambda binaries are static (CGO_ENABLED=0), for linux/arm64 as the template
# declares, named bootstrap as provided.al2023 requires, and built with the
# lambda.norpc tag because that runtime never uses the RPC mode of the
# retired go1.x runtime. internal/lambdatest.BuildFlags repeats these flags
# for the emulator tests, which build for the host architecture instead.

GO ?= go
BUILD_DIR ?= build
LAMBDA_GOFLAGS = -tags lambda.norpc -trimpath -ldflags='-s -w'
LAMBDA_ENV = CGO_ENABLED=0 GOOS=linux GOARCH=arm64

.PHONY: build build-IngestFunction build-ViewingFunction host test bench lint clean

## build: both functions for Lambda (linux/arm64) into build/<LogicalId>/bootstrap
build:
	$(MAKE) build-IngestFunction ARTIFACTS_DIR=$(abspath $(BUILD_DIR))/IngestFunction
	$(MAKE) build-ViewingFunction ARTIFACTS_DIR=$(abspath $(BUILD_DIR))/ViewingFunction

build-IngestFunction: check-artifacts-dir
	$(LAMBDA_ENV) $(GO) build $(LAMBDA_GOFLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/ingest

build-ViewingFunction: check-artifacts-dir
	$(LAMBDA_ENV) $(GO) build $(LAMBDA_GOFLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/viewing

.PHONY: check-artifacts-dir
check-artifacts-dir:
	@test -n "$(ARTIFACTS_DIR)" || { echo "ARTIFACTS_DIR is not set: run 'make build', or set it to the output directory as sam build does" >&2; exit 1; }

## host: both functions for this machine (linux, native architecture) into
## build/host/<name>/bootstrap, for local runs under aws-lambda-rie
host:
	CGO_ENABLED=0 GOOS=linux $(GO) build $(LAMBDA_GOFLAGS) -o $(BUILD_DIR)/host/ingest/bootstrap ./functions/ingest
	CGO_ENABLED=0 GOOS=linux $(GO) build $(LAMBDA_GOFLAGS) -o $(BUILD_DIR)/host/viewing/bootstrap ./functions/viewing

## test: every check and test, as CI runs them
test:
	./scripts/test.sh

## bench: run the benchmarks and print one table of ratios against their goals
bench:
	$(GO) run ./cmd/benchreport

## lint: validate the SAM template
lint:
	cfn-lint template.yaml

## clean: remove build output
clean:
	rm -rf $(BUILD_DIR) .aws-sam
