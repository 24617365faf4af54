#!/usr/bin/env bash
# The desktop app's notifications, observed for real: in a fresh X display (Xvfb) and D-Bus
# session (dbus-run-session), Debian's dunst is the notification server and dbus-monitor records
# every Notify call the app makes (summary, body, actions) — what staff would see. The simulator
# (`rangedesk-sim serve`) plays Action Target: sessions, a help call, a carrier hit, a purchase held
# for the desk, a ceasefire, a session running out, and then silence. Buttons are pressed through
# dunst itself (its context menu, answered by a stand-in for dmenu). In the same session: a second
# launch hands over to the first and exits; the tray counts what waits for the desk, and its Quit
# stops the app, which saves the window's size and position.
#
# usage: tests/desktop-notifications.sh [TARGET_DIR]   (default: $CARGO_TARGET_DIR or target)
#   needs rangedesk and rangedesk-sim built there (cargo build -p rangedesk -p rangedesk-sim)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)

if [[ ${1:-} != --inside ]]; then
  for tool in xvfb-run dbus-run-session dbus-monitor dunst dunstctl curl python3; do
    command -v "$tool" >/dev/null || { echo "desktop-notifications: $tool is required" >&2; exit 2; }
  done
  # shellcheck source=tests/desktop-lib.sh
  source "$here/desktop-lib.sh"
  find_bins "${1:-}" || exit 2
  export app_bin sim_bin
  exec env NO_AT_BRIDGE=1 xvfb-run -a -s '-screen 0 1600x1000x24' dbus-run-session -- "$0" --inside
fi

# shellcheck source=tests/desktop-lib.sh
source "$here/desktop-lib.sh"
passed=0 failed=0
work=$(mktemp -d)
app_pid='' sim_pid='' dunst_pid='' monitor_pid='' buy_pid=''
cleanup() {
  for p in $app_pid $buy_pid $sim_pid $monitor_pid $dunst_pid; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  [[ -n ${KEEP_WORK:-} ]] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT
ok() { echo "ok: $1"; passed=$((passed + 1)); }
not_ok() { echo "FAILED: $1" >&2; failed=$((failed + 1)); }

# The app's files stay in $work: data, logs, and the window state under XDG_CONFIG_HOME.
export XDG_CONFIG_HOME=$work/config XDG_DATA_HOME=$work/share HOME=$work/home
mkdir -p "$XDG_CONFIG_HOME" "$HOME"

# dunst's context menu asks "dmenu" which action to run; this one picks the line naming the
# action written to $work/pick, as a person choosing it from the menu would.
cat >"$work/pick.sh" <<EOF
#!/bin/sh
grep -m1 -i -F "\$(cat '$work/pick')"
EOF
chmod +x "$work/pick.sh"
mkdir -p "$work/dunst"
cat >"$work/dunst/dunstrc" <<EOF
[global]
dmenu = $work/pick.sh
markup = full
# Nobody touches Xvfb: without this, dunst would think the desk idle and keep every notification.
idle_threshold = 0
EOF
dunst -config "$work/dunst/dunstrc" >"$work/dunst.log" 2>&1 &
dunst_pid=$!
dbus-monitor --session "type='method_call',interface='org.freedesktop.Notifications',member='Notify'" \
  "type='method_call',interface='org.freedesktop.Notifications',member='CloseNotification'" \
  >"$work/notify.log" 2>&1 &
monitor_pid=$!
# Wait for dunst to own the name (asking dunstctl earlier would start a second dunst by activation).
for _ in $(seq 50); do
  dbus-send --session --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.NameHasOwner \
    string:org.freedesktop.Notifications 2>/dev/null | grep -q 'boolean true' && break
  sleep 0.1
done

# Prints the Notify calls recorded so far, one a line: summary<TAB>body<TAB>action keys.
notifies() {
  python3 "$here/notify-calls.py" <"$work/notify.log"
}
# Waits until a Notify call's line matches the regex, up to SECONDS; prints it.
wait_notify() {
  local pattern=$1 limit=${2:-15} deadline line
  deadline=$((SECONDS + limit))
  while ((SECONDS < deadline)); do
    line=$(notifies | grep -E -m1 -- "$pattern") && { echo "$line"; return 0; }
    sleep 0.3
  done
  return 1
}
# Presses the action labelled LABEL on the notification whose summary is SUMMARY, through dunst.
press() {
  printf '%s' "$1" >"$work/pick"
  dunstctl context
}
# The tray icon as the desktop's tray host sees it: AppIndicator exports the icon
# (org.kde.StatusNotifierItem) and its menu (com.canonical.dbusmenu) on the session bus.
tray_path=/org/ayatana/NotificationItem/tray_icon_tray_app_rangedesk
tray_owner() {
  local n
  for n in $(dbus-send --session --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.ListNames |
    grep -o '":1\.[0-9]*"' | tr -d '"'); do
    dbus-send --session --print-reply --dest="$n" "$tray_path/Menu" org.freedesktop.DBus.Introspectable.Introspect \
      2>/dev/null | grep -q com.canonical.dbusmenu && { echo "$n"; return 0; }
  done
  return 1
}
# Prints the tray menu, one item a line: id<TAB>label.
tray_menu() {
  dbus-send --session --print-reply --dest="$tray" "$tray_path/Menu" com.canonical.dbusmenu.GetLayout \
    int32:0 int32:-1 array:string:label | python3 "$here/tray-menu.py"
}
# Waits until the tray menu has an item labelled exactly LABEL.
wait_tray() {
  for _ in $(seq 40); do tray_menu | cut -f2 | grep -qxF "$1" && return 0; sleep 0.25; done
  return 1
}
simulate() {
  curl -s -H 'Authorization: Bearer desktop-test-key' -H 'content-type: application/json' \
    -X POST "$sim/simulate/$1" -d "$2"
}

start_sim 10 || exit 1
"$app_bin" --data-dir "$work/data" --config "$work/rangedesk.toml" >"$work/app.out" 2>"$work/app.err" &
app_pid=$!
wait_http "http://127.0.0.1:$listen/healthz" 90 || { echo "app did not start: $(tail -5 "$work/app.err")" >&2; exit 1; }
mapfile -t free < <(lane_ids 7)
((${#free[@]} >= 7)) || { echo "fewer than 7 free lanes on the board: ${free[*]}" >&2; exit 1; }
tray=$(for _ in $(seq 40); do tray_owner && break; sleep 0.25; done)
lanes=() names=()
for l in "${free[@]}"; do lanes+=("${l%%$'\t'*}") names+=("${l#*$'\t'}"); done

test_each_kind_as_staff_see_it() {
  local s=() i line
  for i in 0 1 2 3 4 5; do
    s[i]=$(start_session "${lanes[i]}" "Shooter $((i + 1))" 60) || { not_ok "cannot start a session"; return; }
  done
  sleep 3 # the board settles: starting sessions is not news

  simulate help "{\"session_id\":\"${s[0]}\"}" >/dev/null
  if line=$(wait_notify "^Help: ${names[0]}"$'\t'); then
    # The caller's lane and name, and the button to acknowledge without opening the window.
    [[ $line == "Help: ${names[0]}"$'\tShooter 1 is calling for help.\tdefault,acknowledge' ]] &&
      ok "help call: $line" || not_ok "help call looks wrong: $line"
  else
    not_ok "no notification for a help call: $(notifies)"
  fi

  simulate carrierHit "{\"session_id\":\"${s[1]}\"}" >/dev/null
  line=$(wait_notify "^Carrier hit: ${names[1]}"$'\t') &&
    [[ $line == "Carrier hit: ${names[1]}"$'\tShooter 2: 1 carrier hit this session.\tdefault' ]] &&
    ok "carrier hit: $line" || not_ok "carrier hit: '${line:-none}'"

  # The lane screen waits for our answer (held for the desk: ammo asks by default).
  simulate purchaseRequest "{\"session_id\":\"${s[2]}\",\"items\":[{\"id\":\"AMMO-9MM\",\"qty\":2}]}" >"$work/buy.json" &
  buy_pid=$!
  if line=$(wait_notify "^Purchase waiting: ${names[2]}"$'\t'); then
    [[ $line == "Purchase waiting: ${names[2]}"$'\t9mm FMJ 115 gr, box of 50 × 2. Answer within '[1-6][0-9]$' s.\tdefault,approve,decline' ]] &&
      ok "purchase: $line" || not_ok "purchase looks wrong: $line"
  else
    not_ok "no notification for a held purchase: $(notifies)"
  fi

  # The tray counts what waits for the desk: the help call and the purchase.
  if wait_tray "1 help call open" && wait_tray "1 purchase waiting"; then
    ok "tray menu: $(tray_menu | cut -f2 | paste -sd '|')"
  else
    not_ok "tray menu: '$(tray_menu | cut -f2 | paste -sd '|')' (owner '${tray}')"
  fi

  # Approve from the notification: the shooter's screen gets its 200 at once.
  press "Approve"
  if wait "$buy_pid"; then buy_pid=''; fi
  local answer
  answer=$(json 'str(j["status"]) + " " + str(j["body"].get("success"))' <"$work/buy.json" 2>/dev/null)
  [[ $answer == "200 True" ]] && ok "Approve on the notification answered the lane: $answer" ||
    not_ok "Approve on the notification: lane got '$answer' ($(cat "$work/buy.json"))"
  local by
  by=$(curl -s "$api/purchases?status=approved" | json '",".join(p.get("decided_by") or "" for p in j)')
  [[ $by == desk ]] && ok "approved as the desk" || not_ok "approved by '$by'"

  press "Acknowledge"
  local acked=''
  for _ in $(seq 30); do
    acked=$(curl -s "$api/help" | json '",".join(h.get("acknowledged_by") or "" for h in j)')
    [[ $acked == desk ]] && break
    sleep 0.3
  done
  [[ $acked == desk ]] && ok "Acknowledge on the notification acknowledged the help call" ||
    not_ok "help call after Acknowledge: '$acked'"
  wait_tray "0 help calls open" && wait_tray "0 purchases waiting" && ok "the tray counts follow the board" ||
    not_ok "tray after answering both: '$(tray_menu | cut -f2 | paste -sd '|')'"

  # A help call answered elsewhere (a browser; the window calls the same core function) takes its
  # notification away: its Acknowledge button could only be refused now.
  simulate help "{\"session_id\":\"${s[3]}\"}" >/dev/null
  if wait_notify "^Help: ${names[3]}"$'\t' >/dev/null; then
    local id before closed=0
    before=$(grep -c 'member=CloseNotification' "$work/notify.log")
    id=$(curl -s "$api/help" | json '[h["help_id"] for h in j if h["acknowledged_at"] is None][0]')
    curl -s -f -X POST "$api/help/$id/ack" -H 'content-type: application/json' -d '{}' >/dev/null
    for _ in $(seq 30); do
      closed=$(($(grep -c 'member=CloseNotification' "$work/notify.log") - before))
      ((closed > 0)) && break
      sleep 0.3
    done
    ((closed == 1)) && ok "acknowledged in a browser: its notification is closed" ||
      not_ok "acknowledged in a browser: $closed CloseNotification calls"
  else
    not_ok "no notification for the second help call"
  fi

}

test_ceasefire_is_one_notification() {
  local before after paused
  sleep 2
  before=$(notifies | wc -l)
  paused=$(curl -s -X POST "$sim/_sim/ceasefire" | json 'j["paused"]')
  wait_notify $'^Ceasefire\t' >/dev/null
  sleep 4 # every pause has landed, and anything coalesced late would show by now
  after=$(notifies | tail -n +$((before + 1)))
  if [[ $paused -ge 6 && $(wc -l <<<"$after") == 1 && $after == $'Ceasefire\tEvery active session is paused ('"$paused"$' lanes).\tdefault' ]]; then
    ok "ceasefire pausing $paused sessions: one notification ($after)"
  else
    not_ok "ceasefire pausing $paused sessions raised: ${after:-nothing}"
  fi
  curl -s -X POST "$sim/_sim/resume_all" >/dev/null
  sleep 2
}

test_ending_soon_overtime_and_silence() {
  local s line
  dunstctl close-all
  s=$(start_session "${lanes[6]}" "Shooter 7" 1) || { not_ok "cannot start a one-minute session"; return; }
  line=$(wait_notify "^Ending soon: ${names[6]}"$'\t') &&
    [[ $line == "Ending soon: ${names[6]}"$'\tShooter 7: 1 min left.\tdefault' ]] &&
    ok "ending soon: $line" || not_ok "ending soon: '${line:-none}'"
  # A click on the notification (its default action, once it is the only one on screen) brings the
  # window forward on that lane.
  for _ in $(seq 40); do [[ $(dunstctl count displayed) == 1 ]] && break; sleep 0.5; done
  dunstctl action 0
  local clicked=''
  for _ in $(seq 30); do
    clicked=$(grep -E "notification action.*default.*${lanes[6]}" "$work/app.err") && break
    sleep 0.3
  done
  [[ -n $clicked ]] && ok "a click opens the lane: ${clicked#*INFO }" ||
    not_ok "a click on the notification did nothing: $(grep 'notification action' "$work/app.err")"
  # From now on Action Target says nothing: the lane's stop is lost and the API fails, so the board
  # runs the session over, and after vendor_silent_minutes the vendor counts as silent.
  curl -s -X POST "$sim/_sim/drop_share" -d '{"share":1.0}' >/dev/null
  curl -s -X POST "$sim/_sim/fail" -d '{"mode":"server_error"}' >/dev/null
  line=$(wait_notify "^Overtime: ${names[6]}"$'\t' 90) &&
    [[ $line == "Overtime: ${names[6]}"$'\tShooter 7: the time is up and the session still runs.\tdefault' ]] &&
    ok "overtime: $line" || not_ok "overtime: '${line:-none}'"
  line=$(wait_notify $'^Action Target is silent\t' 120) &&
    [[ $line == $'Action Target is silent\tno webhook and no answered poll for 1 min. Check the connection under Status.\tdefault' ]] &&
    ok "vendor silent: $line" || not_ok "vendor silent: '${line:-none}'"
  local silent
  silent=$(notifies | grep -c -E '^(Enviso|Samna) is silent')
  [[ $silent == 0 ]] && ok "vendors the range never used are not called silent" || not_ok "$silent unused vendors called silent"
}

test_sound_is_asked_of_the_server() {
  local calls sounds
  calls=$(grep -c 'member=Notify' "$work/notify.log")
  # The hint's value follows its name on the next line: variant string "message-new-instant".
  sounds=$(grep -A1 'string "sound-name"' "$work/notify.log" | grep -c 'string "message-new-instant"')
  [[ $calls -gt 0 && $sounds == "$calls" ]] && ok "sound = true: all $calls notifications ask for the theme's sound" ||
    not_ok "sound = true: $sounds of $calls notifications carry the sound-name hint"
}

test_second_launch_hands_over() {
  local code
  timeout 30 "$app_bin" --data-dir "$work/data" --config "$work/rangedesk.toml" >"$work/second.out" 2>"$work/second.err"
  code=$?
  if [[ $code == 0 ]] && kill -0 "$app_pid" 2>/dev/null &&
    [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$listen/healthz") == 200 ]] &&
    grep -q 'started again' "$work/app.err"; then
    ok "a second launch exits 0 and the first shows its window"
  else
    not_ok "second launch: exit $code, first alive: $(kill -0 "$app_pid" 2>/dev/null && echo yes || echo no), $(tail -2 "$work/second.err")"
  fi
}

test_tray_quit_saves_window_state() {
  local code file=$XDG_CONFIG_HOME/net.rangedesk.desk/.window-state.json quit
  quit=$(tray_menu | awk -F '\t' '$2 == "Quit rangedesk" { print $1 }')
  [[ -n $quit ]] || { not_ok "no Quit in the tray menu: $(tray_menu | cut -f2 | paste -sd '|')"; return; }
  dbus-send --session --print-reply --dest="$tray" "$tray_path/Menu" com.canonical.dbusmenu.Event \
    int32:"$quit" string:clicked variant:int32:0 uint32:0 >/dev/null
  for _ in $(seq 150); do kill -0 "$app_pid" 2>/dev/null || break; sleep 0.2; done
  if kill -0 "$app_pid" 2>/dev/null; then
    not_ok "still running 30 s after Quit in the tray"
    return
  fi
  wait "$app_pid"
  code=$?
  app_pid=''
  if [[ $code == 0 && -s $file ]] && python3 -c '
import json, sys
w = json.load(open(sys.argv[1]))["rangedesk"]
assert w["width"] > 0 and w["height"] > 0, w
' "$file"; then
    ok "Quit in the tray: exit 0, window size and position saved: $(tr -d ' \n' <"$file")"
  else
    not_ok "after Quit: exit $code, window state: $(cat "$file" 2>&1)"
  fi
}

test_each_kind_as_staff_see_it
test_ceasefire_is_one_notification
test_ending_soon_overtime_and_silence
test_sound_is_asked_of_the_server
test_second_launch_hands_over
test_tray_quit_saves_window_state
if ((failed)); then
  echo "--- Notify calls:" >&2; notifies >&2
  echo "--- app log (last 30):" >&2; tail -30 "$work/app.err" >&2
fi
echo "desktop-notifications: $passed passed, $failed failed"
((failed == 0))
