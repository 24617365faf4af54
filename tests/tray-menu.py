"""Reads `dbus-send --print-reply` output of com.canonical.dbusmenu.GetLayout (the tray menu an
AppIndicator exports) and prints each item as id<TAB>label, in menu order."""
import re
import sys

item_id = None
want_label = False
for line in sys.stdin.read().split("\n"):
    m = re.match(r"^\s*int32 (-?\d+)$", line)
    if m:
        item_id = m.group(1)
        continue
    if re.match(r'^\s*string "label"$', line):
        want_label = True
        continue
    m = re.match(r'^\s*variant\s+string "(.*)"$', line)
    if m and want_label:
        print(f"{item_id}\t{m.group(1)}")
    want_label = False
