#!/usr/bin/env bash
# Starts the real desktop app (window and all) under a virtual X server and checks what an
# installer would: it answers /healthz, stays up, and stops cleanly (exit 0) on SIGTERM; and a bad
# config stops it at once with one line on stderr and exit 2.
#
# usage: tests/desktop-smoke.sh [BINARY | TARGET_DIR]
#   default: ${CARGO_TARGET_DIR:-target}/debug/rangedesk
#   Build it with `cargo build -p rangedesk --features custom-protocol` after `npm run build` in ui/,
#   so the window shows the real UI rather than waiting for the Vite dev server.
# env: SMOKE_SCREENSHOT=FILE  where to save a screenshot (needs ImageMagick's `import`)
set -uo pipefail

arg=${1:-${CARGO_TARGET_DIR:-target}}
if [[ -d $arg ]]; then
  bin=$arg/debug/rangedesk
  [[ -x $bin ]] || bin=$arg/release/rangedesk
else
  bin=$arg
fi
[[ -x $bin ]] || { echo "desktop-smoke: no rangedesk binary at $arg" >&2; exit 2; }
for tool in xvfb-run curl python3; do
  command -v "$tool" >/dev/null || { echo "desktop-smoke: $tool is required" >&2; exit 2; }
done

passed=0 failed=0
work=$(mktemp -d)
app_pid='' runner_pid=''
cleanup() {
  [[ -n $app_pid ]] && kill -KILL "$app_pid" 2>/dev/null
  [[ -n $runner_pid ]] && wait "$runner_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

ok() { echo "ok: $1"; passed=$((passed + 1)); }
not_ok() { echo "FAILED: $1" >&2; failed=$((failed + 1)); }

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Runs the app in a fresh X display (and D-Bus session, when available) as the process whose pid
# lands in $work/pid: `exec` keeps the pid, so the signal reaches the app, not a wrapper.
start_app() {
  local session=()
  rm -f "$work/pid"
  command -v dbus-run-session >/dev/null && session=(dbus-run-session --)
  NO_AT_BRIDGE=1 xvfb-run -a -s '-screen 0 1280x800x24' "${session[@]}" \
    sh -c 'echo $$ > "$0"; exec "$@"' "$work/pid" "$bin" "$@" \
    >"$work/stdout" 2>"$work/stderr" &
  runner_pid=$!
  for _ in $(seq 100); do
    [[ -s $work/pid ]] && break
    sleep 0.1
  done
  app_pid=$(cat "$work/pid" 2>/dev/null)
}

screenshot() {
  local out=${SMOKE_SCREENSHOT:-${TMPDIR:-/tmp}/rangedesk-desktop-smoke.png} env
  command -v import >/dev/null || { echo "note: ImageMagick's import is not installed; no screenshot"; return; }
  env=$(tr '\0' '\n' <"/proc/$app_pid/environ" | grep -E '^(DISPLAY|XAUTHORITY)=')
  sleep 3 # let the window paint its first refresh
  if env $env import -window root "$out" 2>>"$work/import.log"; then
    echo "screenshot: $out"
  else
    echo "note: screenshot failed: $(tail -1 "$work/import.log")"
  fi
}

test_starts_serves_and_stops() {
  local listen board data config code=''
  listen=$(free_port) board=$(free_port)
  data=$work/data config=$work/rangedesk.toml
  printf '[server]\nlisten = "127.0.0.1:%s"\nboard_listen = "127.0.0.1:%s"\n\n[action_target]\npoll_seconds = 0\n' \
    "$listen" "$board" >"$config"
  start_app --data-dir "$data" --config "$config"
  [[ -n $app_pid ]] || { not_ok "the app did not start: $(tail -3 "$work/stderr")"; return; }

  local deadline=$((SECONDS + 60)) health=''
  while ((SECONDS < deadline)); do
    health=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$listen/healthz")
    [[ $health == 200 ]] && break
    kill -0 "$app_pid" 2>/dev/null || break
    sleep 0.5
  done
  # Installers check exactly this URL to tell whether vendors can reach the app.
  [[ $health == 200 ]] || { not_ok "/healthz answered '$health' (stderr: $(tail -3 "$work/stderr"))"; return; }
  sleep 2
  # The window must not crash once it has loaded the UI and begun calling the core.
  kill -0 "$app_pid" 2>/dev/null || { not_ok "the app died after answering /healthz: $(tail -3 "$work/stderr")"; return; }
  screenshot

  kill -TERM "$app_pid"
  deadline=$((SECONDS + 15))
  while ((SECONDS < deadline)) && kill -0 "$app_pid" 2>/dev/null; do sleep 0.2; done
  if kill -0 "$app_pid" 2>/dev/null; then
    not_ok "still running 15 s after SIGTERM"
    return
  fi
  wait "$runner_pid"
  code=$?
  app_pid='' runner_pid=''
  # Service managers and installers stop the app with SIGTERM; anything but 0 reads as a crash,
  # and a kill before the store closes could lose a delivery already answered 2xx.
  [[ $code == 0 ]] || { not_ok "exit status $code after SIGTERM (stderr: $(tail -3 "$work/stderr"))"; return; }
  ok "starts, answers /healthz, stops on SIGTERM with status 0"
}

# Whether the app's window ("rangedesk") is mapped and viewable on its X display.
window_viewable() {
  local env ids id
  env=$(tr '\0' '\n' <"/proc/$app_pid/environ" | grep -E '^(DISPLAY|XAUTHORITY)=')
  ids=$(env $env xwininfo -root -tree 2>/dev/null | awk '/"rangedesk"/ {print $1}')
  for id in $ids; do
    env $env xwininfo -id "$id" 2>/dev/null | grep -q 'Map State: IsViewable' && return 0
  done
  return 1
}

# Waits for /healthz on $1 and a few seconds more for the window to have been made (or not).
wait_started() {
  local deadline=$((SECONDS + 60)) health=''
  while ((SECONDS < deadline)); do
    health=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$1/healthz")
    [[ $health == 200 ]] && break
    kill -0 "$app_pid" 2>/dev/null || break
    sleep 0.5
  done
  sleep 4
  [[ $health == 200 ]]
}

stop_app() {
  kill -TERM "$app_pid" 2>/dev/null
  wait "$runner_pid" 2>/dev/null
  app_pid='' runner_pid=''
}

# Started with the PC (the autostart entry's --autostarted) and asked to wait in the tray, the app
# serves but shows no window; started by hand, or with the PC without that choice, it shows one.
test_started_with_the_pc_waits_in_the_tray() {
  local listen board data config
  listen=$(free_port) board=$(free_port)
  data=$work/data-autostart config=$work/autostart.toml
  mkdir -p "$data"
  printf '[server]\nlisten = "127.0.0.1:%s"\nboard_listen = "127.0.0.1:%s"\n\n[action_target]\npoll_seconds = 0\n' \
    "$listen" "$board" >"$config"
  printf '{"enabled":true,"minimised":true}' >"$data/autostart.json"
  local shown=()
  for how in "--autostarted" "" "--autostarted no-choice"; do
    [[ $how == *no-choice ]] && printf '{"enabled":true,"minimised":false}' >"$data/autostart.json"
    start_app --data-dir "$data" --config "$config" ${how%% *}
    if ! wait_started "$listen"; then
      not_ok "start ${how:-by hand}: no /healthz (stderr: $(tail -3 "$work/stderr"))"
      stop_app
      return
    fi
    if window_viewable; then shown+=(shown); else shown+=(hidden); fi
    stop_app
  done
  if [[ ${shown[*]} == "hidden shown shown" ]]; then
    ok "started with the PC it waits in the tray; by hand, or without that choice, the window shows"
  else
    not_ok "window with the PC + tray / by hand / with the PC, no tray: ${shown[*]} (want hidden shown shown)"
  fi
}

test_bad_config_exits_2() {
  local config=$work/bad.toml code lines
  printf '[server]\nlisten = "not an address"\n' >"$config"
  # No display is needed: the config is checked before any window opens.
  timeout 30 "$bin" --data-dir "$work/data-bad" --config "$config" >"$work/bad.out" 2>"$work/bad.err"
  code=$?
  lines=$(wc -l <"$work/bad.err")
  # INTERFACES.md: a bad config exits 2 with one clear line, exactly like rangedesk-server.
  if [[ $code == 2 && $lines == 1 ]] && grep -q "$config" "$work/bad.err"; then
    ok "bad config: exit 2, one line naming the file"
  else
    not_ok "bad config: exit $code, $lines stderr lines: $(head -3 "$work/bad.err")"
  fi
}

# In demo mode the simulator's lanes reach the window, which tells the app once that its first
# board is drawn; the app logs the time since its start (what scripts/start-bench measures).
test_demo_logs_its_first_board_paint() {
  local listen board data config line=''
  listen=$(free_port) board=$(free_port)
  data=$work/demo-data config=$work/demo.toml
  printf '[server]\nlisten = "127.0.0.1:%s"\nboard_listen = "127.0.0.1:%s"\n' "$listen" "$board" >"$config"
  start_app --demo --data-dir "$data" --config "$config"
  [[ -n $app_pid ]] || { not_ok "the demo did not start: $(tail -3 "$work/stderr")"; return; }
  local deadline=$((SECONDS + 90))
  while ((SECONDS < deadline)); do
    line=$(grep -m1 'first board paint' "$work/stderr" || true)
    [[ -n $line ]] && break
    kill -0 "$app_pid" 2>/dev/null || break
    sleep 0.5
  done
  kill -TERM "$app_pid" 2>/dev/null
  wait "$runner_pid" 2>/dev/null
  app_pid='' runner_pid=''
  local count
  count=$(grep -c 'first board paint' "$work/stderr" || true)
  if [[ $line =~ ms=[0-9]+ && $count == 1 ]]; then
    ok "the first board paint is logged once: ${line##*INFO }"
  else
    not_ok "no single 'first board paint' line ($count): $(tail -3 "$work/stderr")"
  fi
}

test_starts_serves_and_stops
test_started_with_the_pc_waits_in_the_tray
test_demo_logs_its_first_board_paint
test_bad_config_exits_2
echo "desktop-smoke: $passed passed, $failed failed"
((failed == 0))
