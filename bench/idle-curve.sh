#!/usr/bin/env bash
# Issue 27 item 3: connections in IDLE, 1,000 / 10,000 / 20,000 on one node, and Dovecot beside it.
#
#   sudo flock /tmp/hp-bench.lock bench/idle-curve.sh
#
# For each point (IDLE_CURVE_POINTS, default "1000 10000 20000") bench/idle-curve.py opens that many IMAP
# connections (LOGIN, SELECT INBOX, IDLE) over IDLE_CURVE_USERS (100) mailboxes, and reports the server's
# memory per connection (PSS of its process tree; the product after a full GC), its CPU while all of them
# idle, and the push latency: IDLE_CURVE_DELIVERIES (100) messages delivered one at a time to the users in
# turn, from the delivery's final reply to the EXISTS at the last of that user's idlers (N/100 idlers each).
# The product (bench/ProductHost, SQLite, listener limits raised for the run) delivers over SMTP; Dovecot
# (bench/dovecot, one process per IMAP session) over LMTP, up to IDLE_CURVE_DOVECOT_MAX (1000) connections:
# beyond that its one process per session (740 KiB each at 1,000) would take the shared machine's memory.
# Writes a table and a CSV between the bench:idle-curve markers of docs/benchmarks.md.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
if [ -z "${IDLE_CURVE_UNDER_TIMEOUT:-}" ]; then
  export IDLE_CURVE_UNDER_TIMEOUT=1
  exec timeout --signal=TERM --kill-after=60 "${IDLE_CURVE_TIMEOUT:-3000}" "$0" "$@"
fi
export MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_USE_MSBUILD_SERVER=0 UseSharedCompilation=false DOTNET_CLI_TELEMETRY_OPTOUT=1
[ "$(id -u)" = 0 ] || { echo "idle-curve: run as root (Dovecot, open-file limits)" >&2; exit 1; }
POINTS=${IDLE_CURVE_POINTS:-"1000 10000 20000"}
MAX_SESSIONS=${IDLE_CURVE_MAX_SESSIONS:-30000}
USERS=${IDLE_CURVE_USERS:-100}
DELIVERIES=${IDLE_CURVE_DELIVERIES:-100}
DOVECOT_MAX=${IDLE_CURVE_DOVECOT_MAX:-1000}
REPORT=${IDLE_CURVE_REPORT:-$ROOT/docs/benchmarks.md}
PASSWORD=idle-Password-1
# 20,000 sessions and their clients: open files for both ends. Where the hard limit cannot be raised (a
# container), the points are capped to what it allows: the product keeps 1,024 descriptors in reserve and
# counts every listener's limit against it (Listeners/FileDescriptorBudget).
ulimit -Hn 200000 2>/dev/null || true
ulimit -n 200000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
NOFILE=$(ulimit -n)
if [ "$NOFILE" -lt $((MAX_SESSIONS + 2000)) ]; then
  MAX_SESSIONS=$((NOFILE - 2000))
  POINTS=$(for n in $POINTS; do [ "$n" -le "$MAX_SESSIONS" ] && echo "$n" || echo "$MAX_SESSIONS"; done | sort -un | tr '\n' ' ')
  echo "idle-curve: open files limited to $NOFILE here (hard limit): points $POINTS"
fi

. "$BENCH_DIR/lib/dovecot.sh"
. "$BENCH_DIR/lib/product.sh"
WORK=$(mktemp -d /tmp/hp-idle-curve.XXXXXX)
chmod 755 "$WORK"
mkdir -p "$WORK/logs"
OUT=$BENCH_DIR/out/idle-curve
mkdir -p "$OUT"
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  product_stop
  dovecot_stop "$WORK/dovecot" 2>/dev/null || true
  rm -rf "$OUT/logs" && cp -r "$WORK/logs" "$OUT/logs" 2>/dev/null || true
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
log() { echo "idle-curve: $(date -u +%H:%M:%S) $*"; }

dovecot_install
USERS_TSV=$WORK/users.tsv
hash=$(doveadm pw -s ARGON2ID -p "$PASSWORD")
for i in $(seq 1 "$USERS"); do printf 'c%s@idle.test\t%s\t%s\n' "$i" "$hash" 1073741824 >>"$USERS_TSV"; done
RESULTS=$OUT/results.tsv
: >"$RESULTS"

point() { # point SERVER IMAP DELIVERY PROTO PID N [--gc-signal]
  log "$1: $6 connections in IDLE"
  timeout 1200 python3 "$BENCH_DIR/idle-curve.py" --label "$1" --port "$2" --delivery-port "$3" --proto "$4" --pid "$5" \
    --connections "$6" --deliveries "$DELIVERIES" --users-file "$USERS_TSV" --password "$PASSWORD" "${@:7}" \
    2>>"$WORK/logs/idle-curve.err" | tee -a "$RESULTS" || log "$1 at $6 failed (see logs/idle-curve.err)"
}

log "building the product"
product_build "$WORK/logs"
Mail__Imap__Limits__Total=$MAX_SESSIONS Mail__Imap__Limits__PerAddress=$MAX_SESSIONS Mail__Smtp__Limits__Total=100 \
  product_start "$WORK/product-data" "$USERS_TSV" 16143 0 16025 "$WORK/logs" "" ""
for n in $POINTS; do point product 16143 16025 smtp "$PRODUCT_PID" "$n" --gc-signal; done
product_stop

log "starting Dovecot $(dovecot --version | cut -d' ' -f1)"
dovecot_configure "$WORK/dovecot" "$USERS_TSV" 16243 16210 16224
dovecot_start "$WORK/dovecot"
sleep 2
for n in $POINTS; do
  [ "$n" -le "$DOVECOT_MAX" ] || continue
  point dovecot 16243 16224 lmtp "$DOVECOT_PID" "$n"
done

# --- report ---
md=$WORK/idle-curve.md
{
  echo "Command: \`sudo flock /tmp/hp-bench.lock bench/idle-curve.sh\` ($USERS mailboxes, connections spread over them; $DELIVERIES deliveries per point, each to one mailbox in turn, timed to the EXISTS at the last of its idlers; the first delivery of each point is not counted). Machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), load average $(cut -d' ' -f1-3 /proc/loadavg) at the end (a shared machine); $(date -u +%Y-%m-%d) UTC."
  echo
  echo "| server | connections | memory per connection (KiB) | CPU while idle (% of a core) | push p50 / p99 / max (ms) | errors |"
  echo "|---|---|---|---|---|---|"
  awk -F'\t' '{ printf "| %s | %d | %.1f | %.1f | %.1f / %.1f / %.1f | %d%s |\n", $1, $2, $3, $4, $5, $6, $7, $8, ($9 != "" ? " (" $9 ")" : "") }' "$RESULTS"
  echo
  echo '```csv'
  echo "server,connections,kib_per_connection,idle_cpu_percent,push_p50_ms,push_p99_ms,push_max_ms,errors"
  awk -F'\t' '{ printf "%s,%d,%.1f,%.1f,%.2f,%.2f,%.2f,%d\n", $1, $2, $3, $4, $5, $6, $7, $8 }' "$RESULTS"
  echo '```'
} >"$md"
begin="<!-- bench:idle-curve:begin -->" end="<!-- bench:idle-curve:end -->"
grep -qF "$begin" "$REPORT" || printf '\n%s\n%s\n' "$begin" "$end" >>"$REPORT"
awk -v b="$begin" -v e="$end" -v f="$md" '
  $0 == b { print; while ((getline line < f) > 0) print line; skip = 1; next }
  $0 == e { skip = 0 }
  !skip' "$REPORT" >"$REPORT.tmp" && mv "$REPORT.tmp" "$REPORT"
cat "$md"
