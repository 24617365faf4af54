"""Reads dbus-monitor's text output and prints each org.freedesktop.Notifications.Notify call as
one line: summary<TAB>body<TAB>action keys joined by commas. Notify's arguments are, in order:
app_name, replaces_id, app_icon, summary, body, actions (key, label, key, label…), hints, timeout."""
import re
import sys

calls, current, depth, actions = [], None, 0, None
string = re.compile(r'^\s*string "(.*)"$')
for line in sys.stdin.read().split("\n"):
    if line.startswith("method call") and "member=Notify" in line:
        current, depth, actions = [], 0, None
        calls.append(current)
        continue
    if current is None:
        continue
    stripped = line.strip()
    if stripped.startswith("array ["):
        depth += 1
        if depth == 1 and actions is None and len(current) == 5:
            actions = []
        continue
    if stripped == "]":
        depth -= 1
        if depth == 0 and actions is not None and len(current) == 5:
            current.append(actions)
        continue
    m = string.match(line)
    if m and depth == 0 and len(current) < 5:
        current.append(m.group(1))
    elif m and depth == 1 and actions is not None and len(current) == 5:
        actions.append(m.group(1))
    elif stripped.startswith("uint32") and depth == 0 and len(current) == 1:
        current.append(stripped)

for c in calls:
    if len(c) >= 6:
        print("\t".join([c[3], c[4], ",".join(c[5][0::2])]))
