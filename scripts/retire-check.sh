#!/bin/sh
# retire-check: may the legacy code of a change go? (README, "Versions and
# retirement".) Counts the open runs, started before BEFORE, of the workflow
# types that ask orderRun.since (workflows/versions.go) or take part in a
# gated protocol (the name lock). BEFORE is when the change's rollout
# finished: the time the last worker without it stopped. 0 means no open run
# can need the change's legacy code; anything else, keep it.
#
# A run continued as new records its own settings and asks GetVersion
# afresh, so it takes every change rolled out before it started: its own
# StartTime is the one that counts, which is what visibility holds.
# The callbacks workflow asks nothing by version and is not counted.
#
# Connection: the temporal CLI's own environment (TEMPORAL_ADDRESS,
# TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TLS...), as for bin/temporal.
set -eu

: "${BEFORE:?set BEFORE to when the change's rollout finished, RFC 3339, e.g. BEFORE=2026-12-06T15:00:00Z}"
TEMPORAL=${TEMPORAL:-bin/temporal}

query="ExecutionStatus = 'Running' AND StartTime < '$BEFORE' AND WorkflowType IN ('ProvisionL2Connection', 'L2Decommission', 'L2Modify', 'L2Adopt', 'L2ConnectionNameLock')"
echo "query: $query"
out=$("$TEMPORAL" workflow count --query "$query" --output json)
flat=$(printf '%s' "$out" | tr -d ' \n')
count=$(printf '%s' "$flat" | sed -n 's/.*"count":"\{0,1\}\([0-9]*\).*/\1/p')
if [ "$flat" = "{}" ]; then
	count=0 # the JSON leaves a zero count out
fi
if [ -z "$count" ]; then
	echo "retire-check: cannot read the count from: $out" >&2
	exit 2
fi
echo "retire-check: open runs started before $BEFORE: $count"
if [ "$count" -ne 0 ]; then
	echo "retire-check: keep the legacy code of the changes rolled out at $BEFORE (list them: $TEMPORAL workflow list --query \"$query\")"
	exit 1
fi
echo "retire-check: no open run started before $BEFORE: the legacy code of the changes rolled out by then may go"
