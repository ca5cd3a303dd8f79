#!/usr/bin/env bash
# One command: the product against Dovecot, on this machine, in the same run.
#
#   bench/run.sh [imap|pop3|smtp|portal|provisioning|webmail|micro|all]      (default: all)
#
# Builds Release, generates the deterministic corpus, starts the product and a private loopback-only
# Dovecot on a temporary directory with the same users, {ARGON2ID} hashes, quotas and corpus, runs the
# same load against both (one after the other, per workload), writes docs/benchmarks.md and stops
# everything it started. Tunables are environment variables; see bench/README.md.
set -euo pipefail

SUITE=${1:-all}
case "$SUITE" in
  imap|pop3|smtp|portal|provisioning|webmail|micro|all) ;;
  *) echo "usage: bench/run.sh [imap|pop3|smtp|portal|provisioning|webmail|micro|all]" >&2; exit 2 ;;
esac

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")

# The whole run is bounded: re-run this script under timeout(1) once.
BENCH_TIMEOUT=${BENCH_TIMEOUT:-3600}
if [ -z "${BENCH_UNDER_TIMEOUT:-}" ]; then
  export BENCH_UNDER_TIMEOUT=1
  exec timeout --signal=TERM --kill-after=60 "$BENCH_TIMEOUT" "$0" "$@"
fi

# Builds (ours and BenchmarkDotNet's) must not leave servers behind: no MSBuild node reuse, no MSBuild
# server, no shared compiler server (MSBuild reads UseSharedCompilation from the environment).
export MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_USE_MSBUILD_SERVER=0 UseSharedCompilation=false DOTNET_CLI_TELEMETRY_OPTOUT=1

BENCH_DURATION=${BENCH_DURATION:-20}            # seconds per IMAP mix run
BENCH_LOGIN_DURATION=${BENCH_LOGIN_DURATION:-10}
BENCH_IMAP_CLIENTS=${BENCH_IMAP_CLIENTS:-4}
BENCH_IMAP_MANY_CLIENTS=${BENCH_IMAP_MANY_CLIENTS:-50}
BENCH_IDLE_CLIENTS=${BENCH_IDLE_CLIENTS:-50}
BENCH_IDLE_DELIVERIES=${BENCH_IDLE_DELIVERIES:-100}   # a p99 needs 100 samples
BENCH_IMAP_MIX=${BENCH_IMAP_MIX:-login=1,select=1,fetch-meta=4,fetch-headers=2,fetch-body=3,search=2,store=2,append=1,expunge=1,noop=1}
BENCH_LOGIN_CLIENTS=${BENCH_LOGIN_CLIENTS:-4}
BENCH_POP3_CLIENTS=${BENCH_POP3_CLIENTS:-10}
BENCH_DELIVERY_CLIENTS=${BENCH_DELIVERY_CLIENTS:-4}
BENCH_INBOUND_CLIENTS=${BENCH_INBOUND_CLIENTS:-8}
BENCH_INBOUND_DURATION=${BENCH_INBOUND_DURATION:-10}    # seconds per message size and server
BENCH_INBOUND_SIZES=${BENCH_INBOUND_SIZES:-10240 102400}
BENCH_IDLE_CONNECTIONS=${BENCH_IDLE_CONNECTIONS:-1000}   # the IMAP issue's figure
BENCH_CORPUS_COUNT=${BENCH_CORPUS_COUNT:-2000}
BENCH_USERS=${BENCH_USERS:-10}
BENCH_QUOTA_BYTES=${BENCH_QUOTA_BYTES:-1073741824}
BENCH_MICRO_JOB=${BENCH_MICRO_JOB:-short}
BENCH_REPORT=${BENCH_REPORT:-$ROOT/docs/benchmarks.md}
DOVECOT_PORTS=(${BENCH_DOVECOT_PORTS:-11143 11110 11024})   # IMAP POP3 LMTP
PRODUCT_PORTS=(${BENCH_PRODUCT_PORTS:-12143 12110 12025})   # IMAP POP3 SMTP
PASSWORD=bench-Password-1

[ "$(id -u)" = 0 ] || { echo "bench: run as root (Dovecot's master drops privileges itself)" >&2; exit 1; }

# The portal has no Dovecot counterpart: its list pages are measured alone (bench/portal/run.sh), straight into the report.
if [ "$SUITE" = portal ]; then
  BENCH_PORTAL_REPORT=$BENCH_REPORT BENCH_PORTAL_COMMAND="bench/run.sh portal" exec "$BENCH_DIR/portal/run.sh" both
fi

# shellcheck source=lib/dovecot.sh
. "$BENCH_DIR/lib/dovecot.sh"
# shellcheck source=lib/product.sh
. "$BENCH_DIR/lib/product.sh"

WORK=$(mktemp -d /tmp/hp-bench.XXXXXX)
chmod 755 "$WORK"        # Dovecot's unprivileged processes must reach their files below it
mkdir -p "$WORK/logs"
RESULTS=$WORK/results.jsonl
SCRATCH=$WORK/unreported.jsonl

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  product_stop
  dovecot_stop "$WORK/dovecot"
  mkdir -p "$BENCH_DIR/out"
  if [ -d "$WORK/logs" ]; then
    rm -rf "$BENCH_DIR/out/logs"
    cp -r "$WORK/logs" "$BENCH_DIR/out/logs" 2>/dev/null || true
    cp "$WORK/dovecot/log/dovecot.log" "$BENCH_DIR/out/logs/" 2>/dev/null || true
  fi
  [ -f "$RESULTS" ] && cp "$RESULTS" "$BENCH_DIR/out/results.jsonl"
  if [ -z "${BENCH_KEEP:-}" ]; then rm -rf "$WORK"; else echo "bench: kept $WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 143' INT TERM

log() { echo "bench: $(date -u +%H:%M:%S) $*"; }

HB() { timeout "$1" dotnet "$BENCH_DIR/Load/bin/Release/net10.0/hp-bench.dll" "${@:2}"; }

wants() { [ "$SUITE" = all ] || [ "$SUITE" = "$1" ]; }

# --- build --------------------------------------------------------------------------------------
log "building Release"
timeout 600 dotnet build "$BENCH_DIR/Load" -c Release -nologo -v quiet >"$WORK/logs/load-build.log" 2>&1 \
  || { cat "$WORK/logs/load-build.log"; exit 1; }
PRODUCT_BUILT=0
if [ "$SUITE" != micro ] && product_build "$WORK/logs"; then PRODUCT_BUILT=1; fi

# --- micro-benchmarks (no servers running) --------------------------------------------------------
run_micro() {
  log "BenchmarkDotNet suites (job: $BENCH_MICRO_JOB)"
  timeout 600 dotnet build "$BENCH_DIR/Micro" -c Release -nologo -v quiet >"$WORK/logs/micro-build.log" 2>&1 \
    || { cat "$WORK/logs/micro-build.log"; return 1; }
  # BenchmarkDotNet runs each case in a child process it waits for; timeout(1) bounds the whole suite
  # and its --kill-after takes the children down with it if they hang.
  (cd "$BENCH_DIR/Micro" && timeout --kill-after=30 2700 dotnet "$BENCH_DIR/Micro/bin/Release/net10.0/HostingPanel.Bench.Micro.dll" \
      --filter "${BENCH_MICRO_FILTER:-*}" --job "$BENCH_MICRO_JOB" --exporters github --artifacts "$WORK/micro" >"$WORK/logs/micro.log" 2>&1) \
    || { tail -30 "$WORK/logs/micro.log"; return 1; }
  # One report per suite (class): all of them, each under its name, go into the one section.
  local report=$WORK/micro/all-suites.md file
  : >"$report"
  for file in "$WORK"/micro/results/*-report-github.md; do
    printf '#### %s\n\n' "$(basename "$file" -report-github.md | sed 's/.*\.//')" >>"$report"
    cat "$file" >>"$report"
    printf '\n' >>"$report"
  done
  HB 60 splice --out "$BENCH_REPORT" --section micro --from "$report" --command "bench/run.sh $SUITE"
  mkdir -p "$BENCH_DIR/out" && cp -r "$WORK/micro/results" "$BENCH_DIR/out/micro"
}
if [ "$SUITE" = micro ]; then run_micro; exit 0; fi
# Webmail latency: the real product in its own process, webmail over HTTP talking IMAP to the engine like
# any client; product only (no corpus, no Dovecot), so `bench/run.sh webmail` alone takes a minute or two.
run_webmail() {
  log "webmail latency (${BENCH_WEBMAIL_COUNT:-10000} messages, ${BENCH_WEBMAIL_ROUNDS:-100} requests each)"
  dotnet build -c Release "$BENCH_DIR/Webmail" -v q -nologo >/dev/null
  dotnet build -c Release "$ROOT/src/HostingPanel.Web" -v q -nologo >/dev/null
  timeout 900 dotnet "$BENCH_DIR/Webmail/bin/Release/net10.0/hp-bench-webmail.dll" \
      "$ROOT/src/HostingPanel.Web/bin/Release/net10.0/HostingPanel.Web.dll" "${BENCH_WEBMAIL_COUNT:-10000}" "${BENCH_WEBMAIL_ROUNDS:-100}" \
    | tee -a "$WORK/logs/webmail.txt" > "$WORK/webmail.txt"
}
if [ "$SUITE" = webmail ]; then run_webmail; cat "$WORK/webmail.txt"; exit 0; fi

# --- corpus and users -----------------------------------------------------------------------------
log "generating the corpus ($BENCH_CORPUS_COUNT messages)"
HB 300 corpus --out "$WORK/corpus" --count "$BENCH_CORPUS_COUNT"

dovecot_install
USERS_TSV=$WORK/users.tsv
USER_LIST=""
for i in $(seq -w 1 "$BENCH_USERS"); do
  address="u$i@bench.test"
  printf '%s\t%s\t%s\n' "$address" "$(doveadm pw -s ARGON2ID -p "$PASSWORD")" "$BENCH_QUOTA_BYTES" >>"$USERS_TSV"
  USER_LIST="${USER_LIST:+$USER_LIST,}$address"
done
MAIN_USER=u01@bench.test
# The inbound SMTP load: each message to one alias of three mailboxes (product); Dovecot, an MDA without
# aliases, gets the same three mailboxes as three LMTP recipients.
INBOUND_MAILBOXES=$(echo "$USER_LIST" | tr , "\n" | tail -n 3 | paste -sd,)
export PRODUCT_ALIAS="team@bench.test=$INBOUND_MAILBOXES"

# --- servers --------------------------------------------------------------------------------------
wait_port() {
  for _ in $(seq 1 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "bench: nothing listens on 127.0.0.1:$1" >&2
  return 1
}

log "starting Dovecot $(dovecot --version | cut -d' ' -f1) on 127.0.0.1:${DOVECOT_PORTS[*]}"
dovecot_configure "$WORK/dovecot" "$USERS_TSV" "${DOVECOT_PORTS[@]}"
dovecot_start "$WORK/dovecot"
for p in "${DOVECOT_PORTS[@]}"; do wait_port "$p"; done

PRODUCT_UP=0
if [ "$PRODUCT_BUILT" = 1 ]; then
  log "starting the product on 127.0.0.1:${PRODUCT_PORTS[*]}"
  if product_start "$WORK/product-data" "$USERS_TSV" "${PRODUCT_PORTS[@]}" "$WORK/logs" "$WORK/corpus" "$USER_LIST"; then
    PRODUCT_UP=1
  fi
fi

# run_both VERB ARGS...: the same load against each server; the product's port set replaces Dovecot's.
# Order alternates between workloads so that neither server always runs on a warmer or busier machine.
ORDER=0
run_both() {
  local verb=$1; shift
  local first=dovecot second=product
  if [ $((ORDER % 2)) = 1 ]; then first=product; second=dovecot; fi
  ORDER=$((ORDER + 1))
  for server in $first $second; do
    if [ "$server" = product ] && ! product_can "$verb" "$@"; then continue; fi
    run_one "$server" "$verb" "$@" || log "$verb against $server failed (see above); continuing"
  done
}

# product_can VERB ARGS...: whether the product has what this load needs (its table cells stay n/a).
product_can() {
  [ "$PRODUCT_UP" = 1 ] || return 1
  local verb=$1 need
  case "$verb" in
    deliver) [ "$PRODUCT_CORPUS" = smtp ] && [ "$PRODUCT_HAS_SMTP" = 1 ] && return 0
             log "product: no SMTP listener yet, skipped"; return 1 ;;
    pop3) need=$PRODUCT_HAS_POP3 ;;
    imap|login) need=$PRODUCT_HAS_IMAP ;;
    idle) need=0; if [ "$PRODUCT_HAS_IMAP" = 1 ] && [ "$PRODUCT_HAS_SMTP" = 1 ]; then need=1; fi ;;
    memprobe) if [[ " $* " == *" --proto pop3 "* ]]; then need=$PRODUCT_HAS_POP3; else need=$PRODUCT_HAS_IMAP; fi ;;
    check) need=0; if [ "$PRODUCT_HAS_IMAP" = 1 ] || [ "$PRODUCT_HAS_POP3" = 1 ]; then need=1; fi ;;
    *) need=1 ;;
  esac
  [ "$need" = 1 ] && return 0
  log "product: no listener for '$verb' yet, skipped"
  return 1
}

# Arguments may hold @IMAP@ @POP3@ @DELIVERY@ @PID@ @DELIVERY_PROTO@ @INBOUND_RCPT@, filled in per server.
run_one() {
  local server=$1 verb=$2; shift 2
  local imap pop3 delivery pid proto inbound_rcpt
  local extra=()
  # The product is garbage-collected: memory readings follow a full GC (ProductHost does one on SIGUSR1).
  if [ "$server" = product ] && [ "$verb" = memprobe ]; then extra=(--gc-signal); fi
  if [ "$server" = dovecot ]; then
    imap=${DOVECOT_PORTS[0]} pop3=${DOVECOT_PORTS[1]} delivery=${DOVECOT_PORTS[2]} pid=$DOVECOT_PID proto=lmtp
    inbound_rcpt=$INBOUND_MAILBOXES
  else
    imap=${PRODUCT_PORTS[0]} pop3=${PRODUCT_PORTS[1]} delivery=${PRODUCT_PORTS[2]} pid=$PRODUCT_PID proto=smtp
    inbound_rcpt=team@bench.test
    [ "$PRODUCT_HAS_IMAP" = 1 ] || imap=0     # "check" skips a protocol whose port is 0
    [ "$PRODUCT_HAS_POP3" = 1 ] || pop3=0
  fi
  local args=()
  for a in "$@"; do
    a=${a//@IMAP@/$imap}; a=${a//@POP3@/$pop3}; a=${a//@DELIVERY@/$delivery}
    a=${a//@PID@/$pid}; a=${a//@DELIVERY_PROTO@/$proto}; a=${a//@INBOUND_RCPT@/$inbound_rcpt}
    args+=("$a")
  done
  HB "$BENCH_BOUND" "$verb" --server "$server" "${args[@]}" ${extra[@]+"${extra[@]}"}
}

# --- delivery (also loads the corpus both IMAP and POP3 read) ---------------------------------------
log "delivering the corpus to the $BENCH_USERS mailboxes (product: SMTP, Dovecot: LMTP)"
TARGET=$SCRATCH; wants smtp && TARGET=$RESULTS
BENCH_BOUND=1000 run_both deliver --proto @DELIVERY_PROTO@ --port @DELIVERY@ --rcpt "$USER_LIST" \
  --corpus "$WORK/corpus" --clients "$BENCH_DELIVERY_CLIENTS" --timeout 900 --results "$TARGET"

# --- parity: both servers must hold the same mail, or their figures are not comparable --------------
log "parity check"
BENCH_BOUND=180 run_both check --imap-port @IMAP@ --pop3-port @POP3@ --user "$MAIN_USER" --password "$PASSWORD" \
  --results "$RESULTS"

# --- memory with idle connections first, before other loads leave reusable processes behind --------
if wants imap; then
  # IDLE latency before the memory probe: the probe's 1,000 sessions exceed the kernel's 128 inotify
  # instances per user, and a Dovecot process that hit the limit falls back to polling every
  # mailbox_idle_check_interval (30 s) for the rest of its life (it is reused, service_count).
  # Deliveries go to the last user, so the mix's mailbox and the parity figures stay as they were.
  log "IMAP IDLE notification latency ($BENCH_IDLE_CLIENTS idling clients, $BENCH_IDLE_DELIVERIES deliveries)"
  BENCH_BOUND=240 run_both idle --imap-port @IMAP@ --delivery-port @DELIVERY@ --proto @DELIVERY_PROTO@ --user "${USER_LIST##*,}" \
    --password "$PASSWORD" --idlers "$BENCH_IDLE_CLIENTS" --count "$BENCH_IDLE_DELIVERIES" --results "$RESULTS"
  log "IMAP idle memory probe ($BENCH_IDLE_CONNECTIONS connections)"
  BENCH_BOUND=300 run_both memprobe --proto imap --port @IMAP@ --pid @PID@ --users "$USER_LIST" --password "$PASSWORD" \
    --connections "$BENCH_IDLE_CONNECTIONS" --results "$RESULTS"
fi
if wants pop3; then
  # One session per mailbox: a server may lock the maildrop (RFC 1939 section 8), as the product does.
  log "POP3 idle memory probe ($BENCH_USERS connections, one per mailbox)"
  BENCH_BOUND=300 run_both memprobe --proto pop3 --port @POP3@ --pid @PID@ --users "$USER_LIST" --password "$PASSWORD" \
    --connections "$BENCH_USERS" --results "$RESULTS"
fi

# --- POP3 -----------------------------------------------------------------------------------------
if wants pop3; then
  for clients in 1 "$BENCH_POP3_CLIENTS"; do
    log "POP3 RETR of the corpus, $clients client(s)"
    BENCH_BOUND=420 run_both pop3 --port @POP3@ --users "$USER_LIST" --password "$PASSWORD" \
      --clients "$clients" --timeout 300 --results "$RESULTS"
  done
fi

# --- IMAP -----------------------------------------------------------------------------------------
if wants imap; then
  log "IMAP login storm ($BENCH_LOGIN_CLIENTS clients, ${BENCH_LOGIN_DURATION}s)"
  BENCH_BOUND=$((BENCH_LOGIN_DURATION + 120)) run_both login --port @IMAP@ --users "$USER_LIST" --password "$PASSWORD" \
    --clients "$BENCH_LOGIN_CLIENTS" --duration "$BENCH_LOGIN_DURATION" --results "$RESULTS"
  for clients in 1 "$BENCH_IMAP_CLIENTS" "$BENCH_IMAP_MANY_CLIENTS"; do
    log "IMAP command mix, $clients client(s), ${BENCH_DURATION}s"
    BENCH_BOUND=$((BENCH_DURATION + 120)) run_both imap --port @IMAP@ --user "$MAIN_USER" --password "$PASSWORD" \
      --clients "$clients" --duration "$BENCH_DURATION" --mix "$BENCH_IMAP_MIX" --results "$RESULTS"
  done
fi

# --- inbound SMTP load (issue 7): fixed-size messages to an alias of three mailboxes, 8 senders -------
# Last of the mail loads: the mailboxes it fills are read by nothing after it.
if wants smtp; then
  for size in $BENCH_INBOUND_SIZES; do
    log "inbound $((size / 1024)) KB messages to an alias of 3 mailboxes, $BENCH_INBOUND_CLIENTS senders, ${BENCH_INBOUND_DURATION}s"
    BENCH_BOUND=$((BENCH_INBOUND_DURATION + 120)) run_both inbound --proto @DELIVERY_PROTO@ --port @DELIVERY@ --rcpt @INBOUND_RCPT@ \
      --size "$size" --clients "$BENCH_INBOUND_CLIENTS" --duration "$BENCH_INBOUND_DURATION" --results "$RESULTS"
  done
fi

# --- portal and provisioning: product-only areas, no Dovecot counterpart ----------------------------
if wants portal; then
  log "portal list pages (bench/portal/run.sh)"
  BENCH_PORTAL_OUT=$WORK/portal.txt BENCH_PORTAL_REPORT=$BENCH_REPORT BENCH_PORTAL_COMMAND="bench/run.sh $SUITE" \
    "$BENCH_DIR/portal/run.sh" both >"$WORK/logs/portal.log" 2>&1 || log "portal benchmark failed (see logs/portal.log)"
  worst() { awk -v p="$1" '$1 == "PORTAL" && $2 == p && $4 == "c=1" { split($6, a, "="); if (a[2] + 0 > m) m = a[2] + 0 } END { print m + 0 }' "$WORK/portal.txt" 2>/dev/null; }
  HB 60 placeholder --key portal.page --label "Portal: 10,000-mailbox and 5,000-customer list pages, worst p95, SQLite / PostgreSQL" --unit "ms" \
    --product "$(worst sqlite) / $(worst postgresql)" --dovecot "no counterpart" --results "$RESULTS"
fi
if wants provisioning; then
  # The real product (portal + API + worker + engine) in its own process: API create → IMAP and POP3 logins.
  log "provisioning latency (${BENCH_PROVISIONING_COUNT:-50} mailboxes)"
  dotnet build -c Release "$BENCH_DIR/Provisioning" -v q -nologo >/dev/null
  dotnet build -c Release "$ROOT/src/HostingPanel.Web" -v q -nologo >/dev/null
  p95=$(timeout 600 dotnet "$BENCH_DIR/Provisioning/bin/Release/net10.0/hp-bench-provisioning.dll" \
      "$ROOT/src/HostingPanel.Web/bin/Release/net10.0/HostingPanel.Web.dll" "${BENCH_PROVISIONING_COUNT:-50}" \
    | tee -a "$WORK/logs/provisioning.txt" | sed -n 's/.*p95 \([0-9]*\) ms.*/\1/p' | head -n 1)
  HB 60 placeholder --key provisioning.mailbox --label "Provisioning: API create mailbox → IMAP+POP3 login, p95" --unit "ms" \
    --product "${p95:-failed}" --dovecot "no counterpart" --results "$RESULTS"
  # Issue 8 item 7: BENCH_PROVISIONING_SCALE mailboxes (10,000) created through the API (passwordHash, 8 clients)
  # until all are active, on SQLite and on PostgreSQL (BENCH_POSTGRES, default HOSTINGPANEL_TEST_POSTGRES).
  scale=${BENCH_PROVISIONING_SCALE:-10000}
  postgres=${BENCH_POSTGRES:-${HOSTINGPANEL_TEST_POSTGRES:-}}
  for provider in SQLite PostgreSQL; do
    args=(--scale "$scale")
    if [ "$provider" = PostgreSQL ]; then
      if [ -z "$postgres" ]; then log "provisioning scale on PostgreSQL skipped: set BENCH_POSTGRES"; continue; fi
      args+=(--postgres "$postgres")
    fi
    log "provisioning scale: $scale mailboxes through the API on $provider"
    seconds=$(timeout 900 dotnet "$BENCH_DIR/Provisioning/bin/Release/net10.0/hp-bench-provisioning.dll" \
        "$ROOT/src/HostingPanel.Web/bin/Release/net10.0/HostingPanel.Web.dll" "${args[@]}" \
      | tee -a "$WORK/logs/provisioning.txt" | sed -n 's/.*all active after \([0-9.]*\) s.*/\1/p' | head -n 1)
    HB 60 placeholder --key "provisioning.scale.${provider,,}" --label "Provisioning: $scale mailboxes through the API until all active, $provider" \
      --unit "s" --product "${seconds:-failed}" --dovecot "no counterpart" --results "$RESULTS"
  done
fi

if wants webmail; then
  run_webmail
  while IFS= read -r line; do
    label=${line%%: p50*}
    p95=$(echo "$line" | sed -n 's/.* p95 \([0-9.]*\) ms.*/\1/p')
    HB 60 placeholder --key "webmail.$(echo "$label" | tr -cs 'a-zA-Z0-9' '-' | cut -c1-40)" --label "$label, p95" --unit "ms" \
      --product "${p95:-failed}" --dovecot "no counterpart" --results "$RESULTS"
  done < <(grep '^Webmail:' "$WORK/webmail.txt")
fi

# --- report ---------------------------------------------------------------------------------------
product_stop
dovecot_stop "$WORK/dovecot"
REVISION=${BENCH_PRODUCT_REVISION:-$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)}
HB 60 report --results "$RESULTS" --out "$BENCH_REPORT" --command "bench/run.sh $SUITE" --product-missing "$PRODUCT_STATUS" \
  --product-revision "$REVISION"
if [ "$SUITE" = all ] && [ "${BENCH_MICRO:-1}" != 0 ]; then
  run_micro || log "micro-benchmarks failed; the load figures are written"
fi
log "done: $BENCH_REPORT"
