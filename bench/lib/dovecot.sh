# Dovecot peer: install from Debian, configure a private instance, start, stop.
# Sourced by bench/run.sh. Needs root (Dovecot's master drops privileges itself).

DOVECOT_MAIL_USER=${DOVECOT_MAIL_USER:-hpbench}
DOVECOT_PASSDB=${BENCH_DOVECOT_PASSDB:-dict}

dovecot_install() {
  if command -v dovecot >/dev/null 2>&1 && [ -x /usr/lib/dovecot/lmtp ] \
     && [ -x /usr/lib/dovecot/imap ] && [ -x /usr/lib/dovecot/pop3 ]; then
    return 0
  fi
  echo "bench: installing dovecot-imapd dovecot-pop3d dovecot-lmtpd from Debian"
  # The packages' postinst would start the system-wide Dovecot on the standard ports:
  # deny service starts for the duration of the install unless a policy already does.
  local own_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    own_policy=1
  fi
  DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y --no-install-recommends \
    dovecot-imapd dovecot-pop3d dovecot-lmtpd
  local rc=$?
  [ "$own_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
  return $rc
}

# dovecot_configure BASE USERS_TSV IMAP POP3 LMTP
# USERS_TSV: "address<TAB>{ARGON2ID}hash<TAB>quota bytes" per line.
dovecot_configure() {
  local base=$1 users=$2 imap=$3 pop3=$4 lmtp=$5
  id "$DOVECOT_MAIL_USER" >/dev/null 2>&1 || \
    useradd --system --no-create-home --shell /usr/sbin/nologin "$DOVECOT_MAIL_USER"
  mkdir -p "$base/run" "$base/state" "$base/log" "$base/etc" "$base/mail"
  chown "$DOVECOT_MAIL_USER:$DOVECOT_MAIL_USER" "$base/mail"
  chmod 755 "$base"
  sed -e "s|@BASE@|$base|g" -e "s|@PORT_IMAP@|$imap|g" -e "s|@PORT_POP3@|$pop3|g" \
      -e "s|@PORT_LMTP@|$lmtp|g" -e "s|@CORES@|$(nproc)|g" -e "s|@MAIL_USER@|$DOVECOT_MAIL_USER|g" \
      "$BENCH_DIR/dovecot/dovecot.conf.in" > "$base/etc/dovecot.conf"
  # passwd-file: user:password:uid:gid:gecos:home:shell:extra fields
  awk -F'\t' '{ printf "%s:%s::::::userdb_quota_rule=*:storage=%sB\n", $1, $2, $3 }' "$users" \
    > "$base/etc/users"
  case "$DOVECOT_PASSDB" in
    dict)
      # Dovecot's "file" dict: key and value on alternate lines; the passdb looks up shared/<key>.
      awk -F'\t' '{ printf "shared/passdb/%s\n{\"password\":\"%s\"}\n", $1, $2 }' "$users" > "$base/etc/auth.dict"
      cat > "$base/etc/auth-dict.conf.ext" <<EOF
uri = file:$base/etc/auth.dict
password_key = passdb/%u
iterate_disable = yes
default_pass_scheme = ARGON2ID
EOF
      cat > "$base/etc/passdb.conf.ext" <<EOF
passdb {
  driver = dict
  args = $base/etc/auth-dict.conf.ext
}
EOF
      ;;
    passwd-file)
      cat > "$base/etc/passdb.conf.ext" <<EOF
passdb {
  driver = passwd-file
  args = scheme=ARGON2ID username_format=%u $base/etc/users
}
EOF
      ;;
    *) echo "bench: BENCH_DOVECOT_PASSDB must be dict or passwd-file" >&2; return 1 ;;
  esac
  # The auth processes run as the internal user "dovecot".
  for f in "$base"/etc/*; do
    chown root:dovecot "$f"
    chmod 640 "$f"
  done
}

# dovecot_start BASE: runs the master in the foreground of a background job; sets DOVECOT_PID.
dovecot_start() {
  local base=$1
  dovecot -F -c "$base/etc/dovecot.conf" >>"$base/log/master.out" 2>&1 &
  DOVECOT_PID=$!
}

dovecot_stop() {
  local base=$1
  [ -n "${DOVECOT_PID:-}" ] || return 0
  # The children leave on their own once the master is gone; remember them to make sure.
  local children
  children=$(ps -o pid= --ppid "$DOVECOT_PID" 2>/dev/null | tr '\n' ' ')
  if kill -0 "$DOVECOT_PID" 2>/dev/null; then
    kill -TERM "$DOVECOT_PID" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$DOVECOT_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$DOVECOT_PID" 2>/dev/null || true
  fi
  wait "$DOVECOT_PID" 2>/dev/null || true
  for pid in $children; do
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  DOVECOT_PID=
}
