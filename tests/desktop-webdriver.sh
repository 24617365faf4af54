#!/usr/bin/env bash
# WebDriver test of the real desktop app (tests/desktop-webdriver.mjs): tauri-driver and Debian's
# WebKitWebDriver under Xvfb start the rangedesk binary against the simulator. Run with no D-Bus
# session bus on purpose, so the window must show that single instance is off; and with a saved
# window state, so the window must open at that size.
#
# usage: tests/desktop-webdriver.sh [TARGET_DIR]   (default: $CARGO_TARGET_DIR or target)
# env: TAURI_DRIVER (default: tauri-driver on PATH, else the one scripts/install-deps built,
#      in $(scripts/tools-dir)/bin)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/desktop-lib.sh
source "$here/desktop-lib.sh"

if [[ ${1:-} != --inside ]]; then
  find_bins "${1:-}" || exit 2
  driver=${TAURI_DRIVER:-$(command -v tauri-driver || echo "$("$here/../scripts/tools-dir")/bin/tauri-driver")}
  for tool in xvfb-run WebKitWebDriver node curl python3 "$driver"; do
    command -v "$tool" >/dev/null || { echo "desktop-webdriver: $tool is required (scripts/install-deps)" >&2; exit 2; }
  done
  export app_bin sim_bin driver
  exec env -u DBUS_SESSION_BUS_ADDRESS NO_AT_BRIDGE=1 xvfb-run -a -s '-screen 0 1600x1000x24' "$0" --inside
fi

work=$(mktemp -d)
sim_pid='' driver_pid=''
cleanup() {
  for p in $driver_pid $sim_pid; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  [[ -n ${KEEP_WORK:-} ]] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT

export XDG_CONFIG_HOME=$work/config XDG_DATA_HOME=$work/share HOME=$work/home
mkdir -p "$XDG_CONFIG_HOME/net.rangedesk.desk" "$HOME"
# The state a previous run saved: not maximized, 1111×777. The window must come back like this.
cat >"$XDG_CONFIG_HOME/net.rangedesk.desk/.window-state.json" <<'EOF'
{"rangedesk":{"width":1111,"height":777,"x":40,"y":30,"prev_x":40,"prev_y":30,"maximized":false,"visible":true,"decorated":true,"fullscreen":false}}
EOF

start_sim 8 || exit 1
port=$(free_port) native=$(free_port)
"$driver" --port "$port" --native-port "$native" >"$work/driver.log" 2>&1 &
driver_pid=$!
wait_http "http://127.0.0.1:$port/status" 30 || { echo "tauri-driver did not start: $(tail -3 "$work/driver.log")" >&2; exit 1; }

WEBDRIVER_URL="http://127.0.0.1:$port" APP="$app_bin" \
  APP_ARGS="[\"--data-dir\",\"$work/data\",\"--config\",\"$work/rangedesk.toml\"]" \
  API="$api" SIM="$sim" SIM_KEY=desktop-test-key EXPECT_RECT='{"width":1111,"height":777}' \
  node "$here/desktop-webdriver.mjs"
code=$?
if ((code)); then
  echo "--- app log (last 20):" >&2
  tail -20 "$work"/data/logs/rangedesk.*.log >&2 2>/dev/null
  echo "--- tauri-driver (last 10):" >&2
  tail -10 "$work/driver.log" >&2
fi
exit $code
