#!/usr/bin/env bash
# Builds the pinned Temporal server and its SQL schema tool into bin/ from the
# Go module proxy, at the version docker-compose.yml runs (scripts/stack.env),
# as bin/temporal-server and bin/temporal-sql-tool. Reused when the stamp file
# beside them records that version. A lock makes concurrent callers (make
# stack, the stack test, the chaos suite) build them once.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=stack.env
source "$root/scripts/stack.env"
version="v${TEMPORAL_SERVER_VERSION}"
server="$root/bin/temporal-server"
sqltool="$root/bin/temporal-sql-tool"
# go install stamps no version into the binaries, so a stamp file records it.
stamp="$root/bin/.temporal-server-version"

built() { [[ -x "$server" && -x "$sqltool" && "$(cat "$stamp" 2>/dev/null)" == "$version" ]]; }

if built; then
  exit 0
fi
mkdir -p "$root/bin"
exec 9>"$root/bin/.temporal-server-install.lock"
flock 9
if built; then # another process built them while this one waited
  exit 0
fi

echo "Building Temporal server $version and its SQL tool into bin/ (minutes the first time; reused after)..." >&2
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# Build outside the module so our go.mod is not touched; into a scratch GOBIN
# first, because go install names the binaries server and sql.
(cd "$tmp" && GOBIN="$tmp/bin" GOFLAGS=-mod=mod go install \
  "go.temporal.io/server/cmd/server@$version" "go.temporal.io/server/cmd/tools/sql@$version")
mv -f "$tmp/bin/server" "$server"
mv -f "$tmp/bin/sql" "$sqltool"
echo "$version" >"$stamp"
