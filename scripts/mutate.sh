#!/usr/bin/env bash
# Applies each mutation of scripts/mutations.txt in turn to a temporary copy
# of the tree (never the working tree), runs the tests it names, and says
# whether they caught it. Exits 1 if any mutation survived, if its original
# line is no longer found exactly once (the code moved: the list must
# follow), or if a mutated tree does not compile (such a mutation tests
# nothing). Ends with one line: mutate: mutations=N caught=C survived=S.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
list="${MUTATIONS:-$root/scripts/mutations.txt}"
go="${GO:-go}"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/mutate.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
# The tree as it is, uncommitted changes included; not bin/ (a shared
# build) nor .data/ nor .git/.
tar -C "$root" --exclude=./.git --exclude=./bin --exclude=./.data -cf - . | tar -C "$tmp" -xf -

n=0 caught=0
declare -A baseline=() # test arguments → "ok" once they pass unmutated

# run_tests runs go test with the block's arguments in the copy; it prints
# the output's last lines to $tmp/.out and returns go test's status.
run_tests() {
	# shellcheck disable=SC2086 # the arguments are words on purpose
	(cd "$tmp" && "$go" test -count=1 $1) >"$tmp/.out" 2>&1
}

# mutate applies and tests one block.
mutate() {
	local file="$1" from="$2" to="$3" test="$4" why="$5"
	n=$((n + 1))
	local label="$n. $file: $why"
	local target="$tmp/$file"
	if [[ ! -f "$target" ]]; then
		echo "MISSING  $label: no file $file"
		return
	fi
	# Lines equal to from once their indentation is trimmed.
	local found
	found="$(FROM="$from" awk '{ from = ENVIRON["FROM"]; line = $0; sub(/^[ \t]+/, "", line); sub(/[ \t]+$/, "", line); if (line == from) n++ } END { print n + 0 }' "$target")"
	if [[ "$found" != 1 ]]; then
		echo "MISSING  $label: the line is found $found times, want once: $from"
		return
	fi
	if [[ -z "${baseline[$test]:-}" ]]; then
		if ! run_tests "$test"; then
			echo "BASELINE $label: go test $test fails without the mutation:"
			tail -n 20 "$tmp/.out" | sed 's/^/    /'
			return
		fi
		baseline[$test]=ok
	fi
	cp "$target" "$tmp/.orig"
	FROM="$from" TO="$to" awk '{
		from = ENVIRON["FROM"]; to = ENVIRON["TO"]; line = $0; sub(/^[ \t]+/, "", line); sub(/[ \t]+$/, "", line)
		if (line == from) { match($0, /^[ \t]*/); print substr($0, 1, RLENGTH) to } else print
	}' "$tmp/.orig" >"$target"
	local status=0
	run_tests "$test" || status=$?
	cp "$tmp/.orig" "$target"
	if grep -q -e '\[build failed\]' -e '\[setup failed\]' -e '^# ' "$tmp/.out"; then
		echo "BROKEN   $label: the mutated tree does not compile:"
		grep -v '^ok\|^FAIL$' "$tmp/.out" | head -n 5 | sed 's/^/    /'
	elif [[ $status -ne 0 ]]; then
		echo "caught   $label ($(grep -m1 -e '--- FAIL' "$tmp/.out" | sed 's/^ *//'))"
		caught=$((caught + 1))
	else
		echo "SURVIVED $label: go test $test passes with: $to"
	fi
}

file="" from="" to="" test="" why=""
flush() {
	if [[ -n "$file$from$to$test" ]]; then
		if [[ -z "$file" || -z "$from" || -z "$to" || -z "$test" ]]; then
			echo "mutate: $list: a block lacks file, from, to or test (near: $file $from)" >&2
			exit 2
		fi
		mutate "$file" "$from" "$to" "$test" "${why:-$from}"
	fi
	file="" from="" to="" test="" why=""
}
while IFS= read -r line || [[ -n "$line" ]]; do
	case "$line" in
	'#'*) ;;
	'') flush ;;
	*)
		key="${line%%:*}"
		value="${line#*:}"
		value="${value#"${value%%[! ]*}"}" # the spaces after the colon
		case "$key" in
		file) file="$value" ;;
		from) from="$value" ;;
		to) to="$value" ;;
		test) test="$value" ;;
		why) why="$value" ;;
		*)
			echo "mutate: $list: unknown key in: $line" >&2
			exit 2
			;;
		esac
		;;
	esac
done <"$list"
flush

survived=$((n - caught))
echo "mutate: mutations=$n caught=$caught survived=$survived"
[[ $n -gt 0 && $survived -eq 0 ]]
