#!/usr/bin/env bash
# Local Docker builder for Layerwise's oracle tests (dockerd 20.10 from Debian's docker.io, BuildKit v0.8).
#
#   eval "$(scripts/builder.sh start)"   # install if needed, start dockerd, import localbase, export DOCKER_HOST
#   scripts/builder.sh status            # exit 0 when our dockerd answers
#   scripts/builder.sh stop              # stop our dockerd (by its pidfile)
#
# Everything lives outside the repository, under ${LAYERWISE_CACHE:-$HOME/.cache/layerwise}/docker:
#   data/      dockerd --data-root (images, build cache)
#   run/       socket, pidfile, exec-root   (moved to a short /tmp path if the cache path is too long
#                                             for unix sockets, see run_dir below)
#   host       the DOCKER_HOST value (unix://.../docker.sock) read by test/oracle when LAYERWISE_DOCKER_HOST is unset
#   dockerd.log
#
# Only stdout carries the `export ...` lines; all progress goes to stderr, so `eval "$(... start)"` is safe.
set -euo pipefail

CACHE="${LAYERWISE_CACHE:-$HOME/.cache/layerwise}"
BASE="$CACHE/docker"
DATA="$BASE/data"
LOG="$BASE/dockerd.log"
HOSTFILE="$BASE/host"
DOCKER=/usr/bin/docker          # Debian's CLI (a /usr/local/bin/docker 28.x has no buildx -> legacy builder)
DOCKERD=/usr/sbin/dockerd
BASE_IMAGE=localbase:latest

log() { echo "builder.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

# Unix socket paths are limited to ~107 bytes, and dockerd puts containerd's sockets (containerd.sock.ttrpc)
# under its exec-root: keep run/ under the cache when short enough, else use a short per-cache dir in /tmp.
run_dir() {
  local r="$BASE/run"
  if [ $(( ${#r} + 40 )) -gt 100 ]; then
    local h
    h=$(printf '%s' "$BASE" | md5sum | cut -c1-10)
    r="/tmp/lw-docker-$h"
  fi
  printf '%s' "$r"
}
RUN="$(run_dir)"
SOCK="$RUN/docker.sock"
PIDFILE="$RUN/dockerd.pid"
HOST="unix://$SOCK"

print_env() {
  echo "export DOCKER_HOST=$HOST"
  echo "export LAYERWISE_DOCKER_HOST=$HOST"
  echo "export DOCKER_BUILDKIT=1"
}

answers() { DOCKER_HOST="$HOST" timeout 10 "$DOCKER" info >/dev/null 2>&1; }

our_pid() {
  [ -f "$PIDFILE" ] || return 1
  local p
  p=$(cat "$PIDFILE" 2>/dev/null || true)
  [ -n "$p" ] && kill -0 "$p" 2>/dev/null || return 1
  # make sure the pid really is a dockerd (pid reuse after a reboot/crash)
  grep -q dockerd "/proc/$p/cmdline" 2>/dev/null || return 1
  printf '%s' "$p"
}

ensure_installed() {
  local missing=()
  [ -x "$DOCKERD" ] && [ -x "$DOCKER" ] || missing+=(docker.io)
  dpkg -s busybox-static >/dev/null 2>&1 || missing+=(busybox-static)
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    die "missing packages: ${missing[*]}. Install them as root: apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
  fi
  log "installing ${missing[*]} with apt (about a minute)"
  # Keep the package's init script from starting a system-wide dockerd on /var/run/docker.sock.
  local policy=/usr/sbin/policy-rc.d made_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; made_policy=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  local rc=0
  { apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"; } >&2 || rc=$?
  [ "$made_policy" -eq 1 ] && rm -f "$policy"
  [ "$rc" -eq 0 ] || die "apt-get failed (rc=$rc)"
  [ -x "$DOCKERD" ] && [ -x "$DOCKER" ] || die "docker.io installed but $DOCKERD / $DOCKER missing"
}

start_dockerd() {
  local driver="$1"
  mkdir -p "$DATA" "$RUN"
  rm -f "$SOCK"
  log "starting dockerd ($driver) on $SOCK, data-root $DATA, log $LOG"
  # setsid + all fds redirected: dockerd must not hold the stdout of `$(builder.sh start)`.
  setsid "$DOCKERD" \
    --host="$HOST" --data-root="$DATA" --exec-root="$RUN/exec" --pidfile="$PIDFILE" \
    --storage-driver="$driver" --iptables=false --ip6tables=false --ip-masq=false --bridge=none \
    --userland-proxy=false \
    </dev/null >>"$LOG" 2>&1 &
  local pid=$! i
  for i in $(seq 1 120); do
    if answers; then return 0; fi
    kill -0 "$pid" 2>/dev/null || { log "dockerd exited; last log lines:"; tail -n 15 "$LOG" >&2; return 1; }
    sleep 0.5
  done
  log "dockerd did not answer within 60 s; last log lines:"; tail -n 15 "$LOG" >&2
  kill "$pid" 2>/dev/null || true
  return 1
}

ensure_base_image() {
  if DOCKER_HOST="$HOST" "$DOCKER" image inspect "$BASE_IMAGE" >/dev/null 2>&1; then return 0; fi
  log "importing $BASE_IMAGE from busybox-static"
  local bb=/bin/busybox tmp
  [ -x "$bb" ] || die "$bb missing (busybox-static)"
  tmp=$(mktemp -d)
  mkdir -p "$tmp/R/bin" "$tmp/R/tmp" "$tmp/R/etc"
  cp "$bb" "$tmp/R/bin/busybox"
  local a
  for a in $("$bb" --list); do [ "$a" = busybox ] || ln -sf busybox "$tmp/R/bin/$a"; done
  echo 'root:x:0:0:root:/root:/bin/sh' > "$tmp/R/etc/passwd"
  echo 'root:x:0:' > "$tmp/R/etc/group"
  chmod 1777 "$tmp/R/tmp"
  tar --numeric-owner -C "$tmp/R" -c . | DOCKER_HOST="$HOST" "$DOCKER" import --change 'ENV PATH=/bin' - "$BASE_IMAGE" >/dev/null
  rm -rf "$tmp"
}

cmd_start() {
  mkdir -p "$BASE"
  local p
  if p=$(our_pid); then
    local i
    for i in $(seq 1 60); do answers && break; sleep 0.5; done
    answers || die "our dockerd (pid $p) is running but does not answer on $SOCK; see $LOG or run: $0 stop"
    log "dockerd already running (pid $p)"
  else
    ensure_installed
    if pgrep -x dockerd >/dev/null 2>&1; then
      log "note: another dockerd is running (pids $(pgrep -x dockerd | tr '\n' ' ')); starting our own with separate roots"
    fi
    if ! start_dockerd "${LAYERWISE_DOCKER_STORAGE:-overlay2}"; then
      if [ -z "${LAYERWISE_DOCKER_STORAGE:-}" ]; then
        log "overlay2 failed; retrying with the vfs storage driver"
        start_dockerd vfs || die "could not start dockerd"
      else
        die "could not start dockerd"
      fi
    fi
  fi
  ensure_base_image
  printf '%s\n' "$HOST" > "$HOSTFILE"
  print_env
}

cmd_stop() {
  local p
  if ! p=$(our_pid); then
    log "not running"; rm -f "$HOSTFILE"; return 0
  fi
  log "stopping dockerd (pid $p)"
  kill -TERM "$p"
  local i
  for i in $(seq 1 60); do kill -0 "$p" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$p" 2>/dev/null; then log "dockerd did not stop in 30 s; sending SIGKILL"; kill -KILL "$p" || true; fi
  rm -f "$HOSTFILE" "$PIDFILE"
}

cmd_status() {
  local p
  if p=$(our_pid) && answers; then
    echo "running: pid $p, DOCKER_HOST=$HOST, data $DATA"
  elif p=$(our_pid); then
    echo "started but not answering: pid $p, socket $SOCK (log $LOG)"; return 1
  else
    echo "not running (cache $BASE)"; return 1
  fi
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  env) print_env ;;
  *) echo "usage: $0 start|stop|status|env" >&2; exit 2 ;;
esac
