# Shared by the desktop tests (sourced, not run): the programs under test, free ports, the vendor
# simulator (`rangedesk-sim serve`) as Action Target, a config pointing the app at it, HTTP calls
# and JSON fields. Each test sets `work` to its temporary directory before calling these.

# Finds rangedesk and rangedesk-sim in a target directory (debug, else release).
find_bins() {
  local dir=${1:-${CARGO_TARGET_DIR:-target}} profile
  for profile in debug release; do
    if [[ -x $dir/$profile/rangedesk && -x $dir/$profile/rangedesk-sim ]]; then
      app_bin=$(realpath "$dir/$profile/rangedesk") sim_bin=$(realpath "$dir/$profile/rangedesk-sim")
      return 0
    fi
  done
  echo "$(basename "$0"): no rangedesk and rangedesk-sim in $dir/debug or release" >&2
  echo "  build them: cargo build -p rangedesk --bin rangedesk -p rangedesk-sim" >&2
  return 2
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# `json FIELD_EXPR` reads JSON on stdin and prints the Python expression over it (`j` is the value).
json() {
  python3 -c 'import json, sys; j = json.load(sys.stdin); r = eval(sys.argv[1]); print(r if isinstance(r, str) else json.dumps(r))' "$1"
}

# Waits until URL answers 200, up to SECONDS; fails otherwise.
wait_http() {
  local url=$1 limit=${2:-60} deadline
  deadline=$((SECONDS + limit))
  while ((SECONDS < deadline)); do
    [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url") == 200 ]] && return 0
    sleep 0.3
  done
  return 1
}

# Sets ports, a hook token and the app's config in $work/rangedesk.toml, then starts the fake
# Action Target API with `lanes` lanes, sending its webhooks to the app's public listener.
start_sim() {
  local lanes=${1:-8}
  listen=$(free_port) board=$(free_port) sim_port=$(free_port)
  token=$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')
  api="http://127.0.0.1:$board/api" sim="http://127.0.0.1:$sim_port"
  cat >"$work/rangedesk.toml" <<EOF
[server]
listen = "127.0.0.1:$listen"
board_listen = "127.0.0.1:$board"

[action_target]
hook_token = "$token"
api_base = "$sim"
api_key = "desktop-test-key"
poll_seconds = 2

[purchases]
approval_window_seconds = 60

[notifications]
vendor_silent_minutes = 1
sound = true
EOF
  # `--hook-token=…`, not `--hook-token …`: a URL-safe token starts with `-` one time in 64, and
  # clap then reads it as a flag (seen in CI: "a value is required for '--hook-token'").
  "$sim_bin" serve --listen "127.0.0.1:$sim_port" --api-key desktop-test-key --lanes "$lanes" \
    --target "http://127.0.0.1:$listen" --hook-token="$token" >"$work/sim.log" 2>&1 &
  sim_pid=$!
  # Any answer (401 without the key) means it listens.
  local deadline=$((SECONDS + 30))
  until [[ $(curl -s -o /dev/null -w '%{http_code}' "$sim/lanes") =~ ^[1-5] ]]; do
    ((SECONDS < deadline)) || { echo "the simulator did not start: $(tail -3 "$work/sim.log")" >&2; return 1; }
    sleep 0.2
  done
}

# Waits until the board lists N free lanes of the simulator's (the app read the range set-up; some
# lanes are marked unusable), then prints them, one a line, in display order: id<TAB>name.
lane_ids() {
  local n=$1 deadline=$((SECONDS + 60)) ids
  while ((SECONDS < deadline)); do
    ids=$(curl -s "$api/lanes" | json '"\n".join(l["lane_id"] + "\t" + l["name"] for l in j if l["known"] and l["state"] == "free")' 2>/dev/null)
    if [[ -n $ids && $(wc -l <<<"$ids") -ge $n ]]; then
      echo "$ids"
      return 0
    fi
    sleep 0.3
  done
  return 1
}

# Starts a session on a lane through the app (as the desk would) and lets the shooter enter the
# lane on the simulator; prints the session id.
start_session() {
  local lane=$1 name=$2 minutes=$3 id
  id=$(curl -s -X POST "$api/sessions" -H 'content-type: application/json' \
    -d "{\"lane_id\":\"$lane\",\"customer_name\":\"$name\",\"duration\":$minutes,\"enable_purchasing\":true}" |
    json 'j["session_id"]') || return 1
  curl -s -f -X POST "$sim/_sim/sessions/$id/start" >/dev/null || return 1
  echo "$id"
}
