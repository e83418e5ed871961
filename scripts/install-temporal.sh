#!/usr/bin/env bash
# Builds the pinned Temporal CLI (which embeds the dev server) into bin/ from
# the Go module proxy. Nothing downloads a prebuilt binary. Reused when the
# binary present already reports the pinned version.
#
# `make test` runs it first; so do the tests that need a dev server, when
# they run without make (internal/dev/devserver.CLIPath). A lock makes packages
# testing in parallel build it once: the others wait, then find it built.
set -euo pipefail

version="v1.5.1" # v1.6 and later cannot be go-installed
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$root/bin/temporal"
# go install stamps no version into the binary (it says 0.0.0-DEV), so a
# stamp file beside it records which one was built.
stamp="$root/bin/.temporal-version"

built() { [[ -x "$bin" && "$(cat "$stamp" 2>/dev/null)" == "$version" ]]; }

if built; then
  exit 0
fi
mkdir -p "$root/bin"
exec 9>"$root/bin/.temporal-install.lock"
flock 9
if built; then # another process built it while this one waited
  exit 0
fi

echo "Building Temporal CLI $version into bin/ (a few minutes the first time; reused after)..." >&2
# Build outside the module so our go.mod is not touched.
(cd "$(mktemp -d)" && GOBIN="$root/bin" GOFLAGS=-mod=mod go install "github.com/temporalio/cli/cmd/temporal@$version")
"$bin" --version >&2
echo "$version" >"$stamp"
