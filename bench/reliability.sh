#!/usr/bin/env bash
# Long modes of the reliability tests (issue 10 items 5 and 6); CI runs the same tests with few trials.
#
#   bench/reliability.sh crash [TRIALS]     kill -9 during SMTP deliveries and IMAP APPENDs (default 100)
#   bench/reliability.sh quota [TRIALS]     20 concurrent SMTP / IMAP / mixed writers, room for k (default 200)
#   bench/reliability.sh timing             failed logins of known and unknown users take the same time
#                                           (the wall-clock verdict CI leaves out: ResponseTimeComparison)
#
# Prints one RESULT line per test with the figures for docs/security.md. Not a timed
# benchmark, but heavy: run it as `flock /tmp/hp-bench.lock bench/reliability.sh ...` on shared machines.
set -euo pipefail
MODE=${1:-}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
case "$MODE" in
  crash) TRIALS=${2:-100}; export HOSTINGPANEL_CRASH_TRIALS=$TRIALS; FILTER="FullyQualifiedName~CrashOverTheWireTests|FullyQualifiedName~CrashDurabilityTests" ;;
  quota) TRIALS=${2:-200}; export HOSTINGPANEL_QUOTA_TRIALS=$TRIALS; FILTER="FullyQualifiedName~QuotaRaceTests" ;;
  timing) TRIALS=1; export HOSTINGPANEL_TIMING_VERDICT=1; FILTER="FullyQualifiedName~LoginTimingTests" ;;
  *) echo "usage: bench/reliability.sh crash|quota|timing [TRIALS]" >&2; exit 2 ;;
esac
LOG=$(mktemp /tmp/hp-reliability.XXXXXX.log)
echo "reliability: $MODE with $TRIALS trials; log in $LOG"
set +e
timeout 3600 dotnet test "$ROOT/tests/HostingPanel.MailEngine.Tests" --filter "$FILTER" \
  --logger "console;verbosity=detailed" >"$LOG" 2>&1
status=$?
set -e
grep -E "^\s*(CRASH-RESULT|QUOTA-RESULT|trial [0-9]+:)" "$LOG" | sed 's/^ *//' | tail -n 12
grep -E "^\s*(Passed|Failed) " "$LOG" | sed 's/^ *//'
grep -E "CRASH-RESULT|QUOTA-RESULT" "$LOG" | sed 's/^ */RESULT /'
exit $status
