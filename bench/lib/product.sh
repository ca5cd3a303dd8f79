# Product side of the benchmark: build, start, stop. Sourced by bench/run.sh.
#
# This is the one adapter between the harness and the product. Today it runs bench/ProductHost
# (the mail engine on a plain host, users provisioned through IMailEngineAdmin). When the panel's
# REST API can provision mailboxes, product_start can run `dotnet run --project src/HostingPanel.Web`
# with the same Mail__*/Storage__* settings and create the users over /api/v1 instead; nothing else
# in the harness changes, because every load goes through the mail protocols.

PRODUCT_DLL="$BENCH_DIR/ProductHost/bin/Release/net10.0/hp-bench-product.dll"
PRODUCT_PID=
PRODUCT_STATUS="n/a (not built yet)"

product_build() {
  if timeout 600 dotnet build "$BENCH_DIR/ProductHost" -c Release -nologo -v quiet >"$1/product-build.log" 2>&1; then
    return 0
  fi
  echo "bench: the product launcher does not build (see $1/product-build.log); product column will be n/a"
  PRODUCT_STATUS="n/a (build failed)"
  return 1
}

# product_start DATA_DIR USERS_TSV IMAP POP3 SMTP LOG_DIR CORPUS_DIR CORPUS_RCPT: 0 when the engine is
# up and provisioned. Sets PRODUCT_HAS_IMAP/POP3/SMTP (1 when that listener exists) and
# PRODUCT_CORPUS: "smtp" (deliver it over SMTP), "preloaded" (loaded in process, no SMTP listener
# yet) or "none".
PRODUCT_HAS_IMAP=0 PRODUCT_HAS_POP3=0 PRODUCT_HAS_SMTP=0 PRODUCT_CORPUS=none
product_start() {
  local data=$1 users=$2 imap=$3 pop3=$4 smtp=$5 logs=$6 corpus=$7 rcpt=$8
  mkdir -p "$data"
  dotnet "$PRODUCT_DLL" --data "$data" --users "$users" --imap "$imap" --pop3 "$pop3" --smtp "$smtp" \
    ${corpus:+--corpus "$corpus" --corpus-rcpt "$rcpt"} ${PRODUCT_ALIAS:+--alias "$PRODUCT_ALIAS"} >"$logs/product.out" 2>"$logs/product.err" &
  PRODUCT_PID=$!
  # Start-up may include loading the corpus in process (no SMTP listener yet): up to 10 minutes.
  for _ in $(seq 1 6000); do
    local ready
    ready=$(grep -m1 '^READY' "$logs/product.out" 2>/dev/null || true)
    if [ -n "$ready" ]; then
      PRODUCT_STATUS="n/a (not built yet)"   # for listeners the engine does not have yet
      [[ $ready == *" imap=0"* ]] || PRODUCT_HAS_IMAP=1
      [[ $ready == *" pop3=0"* ]] || PRODUCT_HAS_POP3=1
      [[ $ready == *" smtp=0"* ]] || PRODUCT_HAS_SMTP=1
      PRODUCT_CORPUS=${ready##*corpus=}
      echo "bench: product ready: IMAP=$PRODUCT_HAS_IMAP POP3=$PRODUCT_HAS_POP3 SMTP=$PRODUCT_HAS_SMTP corpus=$PRODUCT_CORPUS"
      grep -h 'preloaded' "$logs/product.err" 2>/dev/null | sed 's/^/bench: product: /' || true
      return 0
    fi
    if ! kill -0 "$PRODUCT_PID" 2>/dev/null; then
      wait "$PRODUCT_PID" 2>/dev/null
      local rc=$?
      PRODUCT_PID=
      if [ "$rc" = 3 ]; then
        PRODUCT_STATUS="n/a (not built yet)"
        echo "bench: product not available yet: $(grep -h PRODUCT-UNAVAILABLE "$logs/product.err" | head -1)"
      else
        PRODUCT_STATUS="n/a (failed to start)"
        echo "bench: product exited with $rc during start-up; see $logs/product.err"
      fi
      return 1
    fi
    sleep 0.1
  done
  echo "bench: product did not report READY within 600 s"
  PRODUCT_STATUS="n/a (start-up timed out)"
  product_stop
  return 1
}

product_stop() {
  [ -n "${PRODUCT_PID:-}" ] || return 0
  if kill -0 "$PRODUCT_PID" 2>/dev/null; then
    kill -TERM "$PRODUCT_PID" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$PRODUCT_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$PRODUCT_PID" 2>/dev/null || true
  fi
  wait "$PRODUCT_PID" 2>/dev/null || true
  PRODUCT_PID=
}
