#!/usr/bin/env bash
# Long fuzzing run of one target (CI runs each for a few seconds: Security/FuzzSmokeTests).
#
#   bench/fuzz.sh TARGET SECONDS [SEED]       TARGET: imap | pop3 | smtp | mutf7 | address | all
#
# Builds tests/HostingPanel.Fuzz in Release, copies it to a temporary folder, instruments the engine
# and data assemblies there with SharpFuzz (edge coverage into an in-process map), and runs the
# coverage-guided mutation driver from the RFC seed corpus (tests/HostingPanel.Fuzz/corpus/TARGET).
# Findings (inputs that threw or ran > 1 s) and the grown corpus go to bench/out/fuzz/TARGET/;
# each finding is printed as a C# string and also saved as tests/HostingPanel.Fuzz/corpus/TARGET/regress-HASH,
# a regression input that CI's deterministic run (Security/FuzzSmokeTests) replays on every commit:
# commit it with the fix. Exit 1 when anything was found.
# This is the only time-boxed, randomly seeded mode; CI runs a fixed seed for a fixed number of executions.
# Not libFuzzer: see docs/security.md ("Fuzzing") for why and what the driver does.
set -euo pipefail

TARGET=${1:-}
SECONDS_PER_TARGET=${2:-}
SEED=${3:-$(date +%s)}
if [ -z "$TARGET" ] || [ -z "$SECONDS_PER_TARGET" ]; then
  echo "usage: bench/fuzz.sh TARGET SECONDS [SEED]   (TARGET: imap|pop3|smtp|mutf7|address|all)" >&2
  exit 2
fi

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROJECT="$ROOT/tests/HostingPanel.Fuzz"
WORK=$(mktemp -d /tmp/hp-fuzz.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

dotnet build "$PROJECT" -c Release -o "$WORK/bin" -nologo -v q >/dev/null
dotnet "$WORK/bin/HostingPanel.Fuzz.dll" instrument "$WORK/bin"

if [ "$TARGET" = all ]; then
  TARGETS=$(dotnet "$WORK/bin/HostingPanel.Fuzz.dll" list | awk '{print $1}')
else
  TARGETS=$TARGET
fi

status=0
for t in $TARGETS; do
  RESULTS="$ROOT/bench/out/fuzz/$t"
  mkdir -p "$RESULTS"
  echo "== $t: $SECONDS_PER_TARGET s, seed $SEED"
  # The grown corpus of earlier long runs seeds this one too.
  CORPUS="$WORK/corpus-$t"
  mkdir -p "$CORPUS"
  cp "$PROJECT/corpus/$t/"* "$CORPUS/"
  if [ -d "$RESULTS/corpus" ]; then cp "$RESULTS/corpus/"* "$CORPUS/" 2>/dev/null || true; fi
  dotnet "$WORK/bin/HostingPanel.Fuzz.dll" run "$t" --seconds "$SECONDS_PER_TARGET" --seed "$SEED" \
    --corpus "$CORPUS" --findings "$RESULTS" --regressions "$PROJECT/corpus/$t" --max-len 4096 || status=1
done
exit $status
