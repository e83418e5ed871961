#!/usr/bin/env bash
# Runs every fuzz target of the module (func FuzzXxx in a _test.go file),
# one after another, each for the time given (default 1m): go test -fuzz
# takes one target per run. An input that fails a target is written to its
# package's testdata/fuzz/FuzzXxx/, where plain go test (make test) replays
# it from then on. Ends with one line per target: its executions and rate.
# Exits 1 if any target failed.
set -uo pipefail

fuzztime="${1:-1m}"
go="${GO:-go}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root" || exit 2

summary=()
failed=0
while IFS= read -r file; do
	dir="./$(dirname "${file#./}")"
	for target in $(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' "$file"); do
		echo "== $dir $target ($fuzztime)"
		out="$(mktemp)"
		"$go" test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" ${FUZZ_PARALLEL:+-parallel "$FUZZ_PARALLEL"} "$dir" 2>&1 | tee "$out"
		status=${PIPESTATUS[0]}
		# "fuzz: elapsed: 1m0s, execs: 123456 (2057/sec), new interesting: 3 (total: 40)":
		# the last such line has the totals; its rate is of its last
		# seconds only, so the mean is worked out here.
		last="$(grep -o 'elapsed: .*' "$out" | tail -n 1)"
		rm -f "$out"
		execs="$(sed -n 's/.*execs: \([0-9]*\).*/\1/p' <<<"$last")"
		elapsed="$(sed -n 's/^elapsed: \([0-9hms.]*\),.*/\1/p' <<<"$last")"
		secs="$(awk -v e="$elapsed" 'BEGIN { s = 0; while (match(e, /^[0-9.]+[hms]/)) { n = substr(e, 1, RLENGTH - 1); u = substr(e, RLENGTH, 1); s += n * (u == "h" ? 3600 : u == "m" ? 60 : 1); e = substr(e, RLENGTH + 1) } print s }')"
		interesting="$(sed -n 's/.*new interesting: \([0-9]*\).*/\1/p' <<<"$last")"
		if [[ -n "$execs" && "${secs:-0}" != 0 ]]; then
			last="execs=$execs in ${elapsed} ($((execs / ${secs%.*}))/s), new interesting=${interesting:-0}"
		fi
		if [[ $status -ne 0 ]]; then
			failed=1
			summary+=("FAIL $dir $target: $last (the failing input is under $dir/testdata/fuzz/$target/)")
		else
			summary+=("ok   $dir $target: $last")
		fi
	done
done < <(grep -rl --include='*_test.go' '^func Fuzz' . | sort)

echo "== fuzz summary"
printf '%s\n' "${summary[@]}"
exit $failed
