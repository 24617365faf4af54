#!/usr/bin/env bash
# The .deb as a range's IT person meets it, on a clean Debian 12:
#   - lintian reports no error on the .deb, desktop-file-validate none on its .desktop entry,
#     systemd-analyze verify none on rangedesk-server.service;
#   - a minimal Debian 12 (debootstrap --variant=minbase) in a folder gets the package with
#     `apt-get install --no-install-recommends ./rangedesk_….deb`, so the package's declared
#     Depends alone must bring every library the programs need;
#   - there, rangedesk --version and rangedesk-server --version print the package's version; the
#     server runs as the unit runs it (the rangedesk user, /etc/rangedesk, /var/lib/rangedesk),
#     answers /healthz and serves the board's UI; `rangedesk --demo` opens its window on an X
#     display and shows the board (a screenshot is saved);
#   - the unit is not enabled by installing; `apt-get remove` and then `purge` keep the range's
#     store and config and the demo data.
#
# usage: tests/package-install.sh [DEB]   (default: artifacts/packages/rangedesk_*_amd64.deb)
# Needs root (chroot, mounts), and debootstrap, lintian, desktop-file-utils, systemd, xvfb and
# python3-pil (scripts/install-deps). The minimal Debian is kept as a tarball in
# $RANGEDESK_CACHE/debootstrap (default /var/cache/rangedesk) with apt's downloaded packages, so
# a reused machine starts in seconds; a new one debootstraps first (a few minutes).
# env: RANGEDESK_SCREENSHOTS=DIR (default artifacts/screenshots), DEBIAN_MIRROR.
set -euo pipefail
cd "$(dirname "$0")/.."

deb=${1:-$(ls artifacts/packages/rangedesk_*_amd64.deb 2>/dev/null | head -1)}
[[ -f $deb ]] || { echo "package-install: no .deb (run scripts/package first)" >&2; exit 2; }
deb=$(realpath "$deb")
[[ $(id -u) == 0 ]] || { echo "package-install: needs root (chroot and mounts)" >&2; exit 2; }
for tool in debootstrap lintian desktop-file-validate systemd-analyze Xvfb unshare curl python3; do
  command -v "$tool" >/dev/null || { echo "package-install: $tool is required (scripts/install-deps)" >&2; exit 2; }
done
/usr/bin/python3 -c 'from PIL import ImageGrab' 2>/dev/null ||
  { echo "package-install: python3-pil is required for the screenshot (scripts/install-deps)" >&2; exit 2; }

cache=${RANGEDESK_CACHE:-/var/cache/rangedesk}/debootstrap
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
shots=${RANGEDESK_SCREENSHOTS:-$PWD/artifacts/screenshots}
version=$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' Cargo.toml)
start=$SECONDS

passed=0
ok() { echo "ok: $*"; passed=$((passed + 1)); }
fail() { echo "FAILED: $*" >&2; exit 1; }
step() { printf '\n-- %s\n' "$*"; }

work=$(mktemp -d /tmp/rangedesk-package-install.XXXXXX)
root=$work/root
xvfb_pid='' app_pid=''
cleanup() {
  # Runs after a failure too: no step may stop it (a kill of a process already gone fails).
  set +e
  [[ -n $app_pid ]] && kill -KILL "$app_pid" 2>/dev/null
  [[ -n $xvfb_pid ]] && kill "$xvfb_pid" 2>/dev/null
  # Every mount lives in a private mount namespace that ended with its command (in_root), so
  # nothing of the host can be under the folder; checked all the same before deleting it.
  if grep -qF " $root/" /proc/mounts || grep -qF " $root " /proc/mounts; then
    echo "package-install: mounts left under $root; not deleting it" >&2
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT

# Runs a command inside the Debian folder as root, in a mount namespace of its own: /proc, /sys, a
# private /dev with its own ptys, and apt's package cache from $cache. When the command ends, its
# mounts are gone with the namespace, whatever happened.
in_root() {
  unshare --mount --propagation private -- /bin/sh -ec '
    r=$1 archives=$2; shift 2
    mount -t proc proc "$r/proc"
    mount -t sysfs sysfs "$r/sys"
    mount -t tmpfs -o mode=0755,nosuid dev "$r/dev"
    for n in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
      IFS=: read -r name major minor <<EOF
$n
EOF
      mknod -m 0666 "$r/dev/$name" c "$major" "$minor"
    done
    mkdir -m 0755 "$r/dev/pts" && mkdir -m 1777 "$r/dev/shm"
    mount -t devpts -o newinstance,ptmxmode=0666 devpts "$r/dev/pts"
    ln -s pts/ptmx "$r/dev/ptmx"
    mount --bind "$archives" "$r/var/cache/apt/archives"
    exec chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"
  ' in_root "$root" "$cache/archives" "$@"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_http() {
  local url=$1 limit=$2 pid=$3 deadline=$((SECONDS + $2))
  while ((SECONDS < deadline)); do
    [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url") == 200 ]] && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.5
  done
  return 1
}

echo "package-install: $deb (version $version)"

step "lintian, desktop-file-validate, systemd-analyze verify"
# lintian: errors fail, warnings and the rest are listed. It runs as nobody: lintian refuses root
# for its unpacking.
lintian_out=$work/lintian.txt
install -m 0644 "$deb" "$work/pkg.deb"
chmod 0755 "$work"
runuser -u nobody -- lintian --tag-display-limit 0 "$work/pkg.deb" >"$lintian_out" 2>&1 || true
sed 's/^/  lintian: /' "$lintian_out"
if grep -q '^E: ' "$lintian_out"; then
  fail "lintian reports errors (above)"
fi
ok "lintian: no error ($(grep -c '^W: ' "$lintian_out" || true) warnings)"

extracted=$work/extracted
dpkg-deb -x "$deb" "$extracted"
desktop=$extracted/usr/share/applications/rangedesk.desktop
[[ -f $desktop ]] || fail "no /usr/share/applications/rangedesk.desktop in the package"
desktop-file-validate "$desktop" >"$work/desktop.txt" 2>&1 || { cat "$work/desktop.txt"; fail "desktop-file-validate"; }
# Hints are not errors; anything else printed is.
if grep -v ': hint: ' "$work/desktop.txt" | grep -q .; then
  cat "$work/desktop.txt"
  fail "desktop-file-validate reports problems"
fi
sed 's/^/  desktop-file-validate: /' "$work/desktop.txt"
ok "desktop-file-validate: no error"

unit=$(find "$extracted" -name rangedesk-server.service -path '*/systemd/system/*')
[[ -n $unit ]] || fail "no rangedesk-server.service in the package"
# Verified in a root of the package's own files (the ExecStart binary must be there and
# executable) plus the host's units, for the targets the unit names.
verify_root=$work/verify-root
cp -a "$extracted" "$verify_root"
mkdir -p "$verify_root/lib/systemd/system"
cp -rn /lib/systemd/system/. "$verify_root/lib/systemd/system/"
systemd-analyze verify --root="$verify_root" "$verify_root${unit#"$extracted"}" >"$work/verify.txt" 2>&1 ||
  { cat "$work/verify.txt"; fail "systemd-analyze verify"; }
if grep -q . "$work/verify.txt"; then
  cat "$work/verify.txt"
  fail "systemd-analyze verify reports problems"
fi
ok "systemd-analyze verify: no problem"

step "a minimal Debian 12 in $root"
mkdir -p "$cache/archives/partial"
base=$cache/bookworm-minbase.tar
if [[ ! -f $base ]]; then
  echo "debootstrap (first run on this machine; cached in $base)"
  debootstrap --variant=minbase bookworm "$work/base" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log"; fail "debootstrap"; }
  rm -f "$work/base/var/cache/apt/archives/"*.deb
  tar -C "$work/base" -cf "$base.tmp" . && mv "$base.tmp" "$base"
  rm -rf "$work/base"
fi
mkdir "$root"
tar -C "$root" -xf "$base"
# What a Debian 12 machine points apt at: the release, its updates and security updates.
cat >"$root/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
EOF
cp /etc/resolv.conf "$root/etc/resolv.conf"
# No service is started inside the folder by anything installed there.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d" && chmod 0755 "$root/usr/sbin/policy-rc.d"
echo 'APT::Keep-Downloaded-Packages "true";' >"$root/etc/apt/apt.conf.d/99keep"
echo "Debian $(cat "$root/etc/debian_version"), $(in_root dpkg-query -W -f='${Package}\n' | wc -l) packages"

step "apt-get install ./$(basename "$deb")"
cp "$deb" "$root/tmp/"
in_root apt-get update -qq >"$work/apt-update.log" 2>&1 || { cat "$work/apt-update.log"; fail "apt-get update"; }
if ! in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
  "/tmp/$(basename "$deb")" >"$work/apt-install.log" 2>&1; then
  tail -30 "$work/apt-install.log"
  fail "apt-get install of the .deb"
fi
grep -E '^(Need to get|After this operation)' "$work/apt-install.log" | sed 's/^/  apt: /' || true
[[ $(in_root dpkg-query -W -f='${Version}' rangedesk) == "$version" ]] || fail "the package's version is not $version"
ok "installed with its dependencies ($(in_root dpkg-query -W -f='${Package}\n' | wc -l) packages now)"

step "the programs"
out=$(in_root rangedesk-server --version) || fail "rangedesk-server --version: $out"
[[ $out == "rangedesk-server $version" ]] || fail "rangedesk-server --version printed '$out'"
ok "rangedesk-server --version: $out"
out=$(in_root rangedesk --version) || fail "rangedesk --version: $out"
[[ $out == "rangedesk $version" ]] || fail "rangedesk --version printed '$out'"
ok "rangedesk --version: $out"
# Every library both programs link is found in the folder (ldd says "not found" otherwise).
if in_root ldd /usr/bin/rangedesk /usr/bin/rangedesk-server | grep 'not found'; then
  fail "libraries not found (above)"
fi
ok "every linked library is installed"

step "the server as rangedesk-server.service runs it"
in_root getent passwd rangedesk >"$work/passwd" || fail "no rangedesk user"
uid=$(cut -d: -f3 "$work/passwd") gid=$(cut -d: -f4 "$work/passwd")
((uid < 1000)) || fail "rangedesk is not a system user (uid $uid)"
for dir in /etc/rangedesk /var/lib/rangedesk; do
  # Numbers: the host's names for them are not the folder's.
  [[ $(stat -c '%u:%g %a' "$root$dir") == "$uid:$gid 700" ]] ||
    fail "$dir is $(stat -c '%u:%g %a' "$root$dir"), not rangedesk's ($uid:$gid) 700"
done
ok "system user rangedesk (uid $uid) owns /etc/rangedesk and /var/lib/rangedesk (0700)"
if compgen -G "$root/etc/systemd/system/*.wants/rangedesk-server.service" >/dev/null; then
  fail "installing enabled rangedesk-server.service"
fi
ok "rangedesk-server.service is not enabled by installing"
exec_start=$(sed -n 's/^ExecStart=//p' "$root/lib/systemd/system/rangedesk-server.service")
# The admin's one edit before enabling (README, Install): ports. Free ones here, as this machine
# may run other tests.
listen=$(free_port) board=$(free_port)
printf '[server]\nlisten = "127.0.0.1:%s"\nboard_listen = "127.0.0.1:%s"\n' "$listen" "$board" \
  >"$root/etc/rangedesk/rangedesk.toml"
in_root chown rangedesk:rangedesk /etc/rangedesk/rangedesk.toml
# setpriv execs (runuser would fork and stay between): the pid is the server's, and SIGTERM
# reaches it as systemd's stop would.
in_root /bin/sh -c 'echo $$ >/tmp/server.pid; exec setpriv --reuid=rangedesk --regid=rangedesk --init-groups -- '"$exec_start" \
  >"$work/server.out" 2>"$work/server.err" &
server_runner=$!
for _ in $(seq 50); do [[ -s $root/tmp/server.pid ]] && break; sleep 0.1; done
server_pid=$(cat "$root/tmp/server.pid")
wait_http "http://127.0.0.1:$listen/healthz" 60 "$server_pid" ||
  fail "the server did not answer /healthz: $(tail -5 "$work/server.err")"
[[ $(stat -c %u "/proc/$server_pid") == "$uid" ]] || fail "the server does not run as rangedesk"
page=$(curl -s --max-time 5 "http://127.0.0.1:$board/")
grep -q '<script' <<<"$page" || fail "the board's UI is not served from /usr/lib/rangedesk/ui: $page"
ok "rangedesk-server runs as rangedesk, answers /healthz and serves the board's UI"
kill -TERM "$server_pid"
wait "$server_runner" || fail "the server did not stop with status 0 on SIGTERM: $(tail -3 "$work/server.err")"
[[ -s $root/var/lib/rangedesk/rangedesk.db ]] || fail "no store in /var/lib/rangedesk"
grep -q '^hook_token = "' "$root/etc/rangedesk/rangedesk.toml" || fail "the hook token was not saved in /etc/rangedesk"
ok "stopped on SIGTERM; the store is in /var/lib/rangedesk, the hook token in /etc/rangedesk/rangedesk.toml"

step "rangedesk --demo on an X display"
# The host's Xvfb: clients in the folder reach it through its abstract socket (same network
# namespace), so no X library or server is installed there beyond what the package depends on.
exec 3>"$work/display"
Xvfb -displayfd 3 -screen 0 1366x768x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
xvfb_pid=$!
exec 3>&-
for _ in $(seq 50); do [[ -s $work/display ]] && break; sleep 0.1; done
display=:$(cat "$work/display")
[[ $display != : ]] || fail "Xvfb did not start: $(cat "$work/xvfb.log")"
demo_data=$root/root/.local/share/rangedesk/demo
demo_listen=$(free_port) demo_board=$(free_port)
mkdir -p "$demo_data"
printf '[server]\nlisten = "127.0.0.1:%s"\nboard_listen = "127.0.0.1:%s"\n' "$demo_listen" "$demo_board" \
  >"$demo_data/rangedesk.toml"
mkdir -p -m 0700 "$root/tmp/xdg"
in_root env DISPLAY="$display" XDG_RUNTIME_DIR=/tmp/xdg NO_AT_BRIDGE=1 \
  /bin/sh -c 'echo $$ >/tmp/app.pid; exec rangedesk --demo' >"$work/app.out" 2>"$work/app.err" &
app_runner=$!
for _ in $(seq 50); do [[ -s $root/tmp/app.pid ]] && break; sleep 0.1; done
app_pid=$(cat "$root/tmp/app.pid")
wait_http "http://127.0.0.1:$demo_listen/healthz" 90 "$app_pid" ||
  fail "rangedesk --demo did not start: $(tail -5 "$work/app.err")"
# The demo fills the range within a minute; wait until the board has active lanes.
deadline=$((SECONDS + 90)) active=0
while ((SECONDS < deadline)); do
  active=$(curl -s --max-time 2 "http://127.0.0.1:$demo_board/api/lanes" |
    python3 -c 'import json, sys; print(sum(l["state"] != "free" for l in json.load(sys.stdin)))' 2>/dev/null || echo 0)
  ((active >= 4)) && break
  kill -0 "$app_pid" 2>/dev/null || fail "rangedesk --demo died: $(tail -5 "$work/app.err")"
  sleep 1
done
((active >= 4)) || fail "the demo board has $active busy lanes after 90 s"
sleep 5 # the window's next refresh paints them
kill -0 "$app_pid" 2>/dev/null || fail "rangedesk --demo died: $(tail -5 "$work/app.err")"
mkdir -p "$shots"
shot=$shots/package-install-board.png
/usr/bin/python3 - "$display" "$shot" <<'EOF' || fail "no screenshot"
import sys
from PIL import ImageGrab
image = ImageGrab.grab(xdisplay=sys.argv[1])
image.save(sys.argv[2])
# A window showing the board has many colours (tiles by state, text); an empty display, a blank
# window or a one-line error page has a handful.
colours = len(image.convert("RGB").getcolors(maxcolors=1 << 20) or [])
print(f"screenshot {sys.argv[2]}: {image.size[0]}x{image.size[1]}, {colours} colours")
sys.exit(0 if colours > 200 else 1)
EOF
ok "rangedesk --demo shows the board ($active busy lanes); screenshot $shot"
kill -TERM "$app_pid"
if ! wait "$app_runner"; then
  fail "rangedesk --demo did not stop with status 0 on SIGTERM: $(tail -3 "$work/app.err")"
fi
app_pid=''
[[ -s $demo_data/rangedesk.db ]] || fail "no demo store in $demo_data"

step "apt-get remove, then purge: the range's data stays"
sum() { sha256sum "$root/etc/rangedesk/rangedesk.toml" | cut -d' ' -f1; }
config_sum=$(sum)
in_root env DEBIAN_FRONTEND=noninteractive apt-get remove -y rangedesk >"$work/remove.log" 2>&1 ||
  { tail -20 "$work/remove.log"; fail "apt-get remove"; }
[[ ! -e $root/usr/bin/rangedesk && ! -e $root/usr/bin/rangedesk-server ]] || fail "the programs are still there"
for f in /var/lib/rangedesk/rangedesk.db /root/.local/share/rangedesk/demo/rangedesk.db; do
  [[ -s $root$f ]] || fail "$f is gone after apt-get remove"
done
[[ $(sum) == "$config_sum" ]] || fail "/etc/rangedesk/rangedesk.toml changed or went with apt-get remove"
ok "after apt-get remove: programs gone; /var/lib/rangedesk/rangedesk.db, /etc/rangedesk/rangedesk.toml and the demo store kept"
in_root env DEBIAN_FRONTEND=noninteractive apt-get purge -y rangedesk >"$work/purge.log" 2>&1 ||
  { tail -20 "$work/purge.log"; fail "apt-get purge"; }
[[ -s $root/var/lib/rangedesk/rangedesk.db && $(sum) == "$config_sum" ]] || fail "purge deleted the range's store or config"
ok "after apt-get purge: the store and config are still kept"
ls -l "$root/var/lib/rangedesk" "$root/etc/rangedesk" | sed 's/^/  /'

echo "package-install: $passed passed in $((SECONDS - start)) s"
