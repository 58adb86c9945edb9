#!/usr/bin/python3
"""Clicks the accessible named argv[2] in the application named argv[1], then listens for
what the application announces through AT-SPI (live regions: "object:announcement", which
Orca speaks) for argv[3] seconds, printing each as "announcement\t<politeness>\t<text>"."""
import sys
import time

import pyatspi
from gi.repository import GLib

APP, CLICK, SECONDS = sys.argv[1], sys.argv[2], float(sys.argv[3])


def find(name):
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            desktop = pyatspi.Registry.getDesktop(0)
            for index in range(desktop.childCount):
                app = desktop.getChildAtIndex(index)
                if app is None or not app.name or APP.lower() not in app.name.lower():
                    continue
                stack = [app]
                while stack:
                    node = stack.pop()
                    if node is None:
                        continue
                    if node.name == name:
                        return node
                    stack.extend(node.getChildAtIndex(i) for i in range(node.childCount))
        except Exception:  # a node vanished while the app updated its tree: read again
            pass
        time.sleep(0.3)
    sys.exit(f"no accessible named {name!r} appeared")


def on_event(event):
    # detail1 is the politeness: 1 polite, 2 assertive.
    print(f"announcement\t{event.detail1}\t{event.any_data}", flush=True)


pyatspi.Registry.registerEventListener(on_event, "object:announcement")
target = find(CLICK)
GLib.timeout_add(200, lambda: target.queryAction().doAction(0) and False)
GLib.timeout_add(int(SECONDS * 1000), lambda: pyatspi.Registry.stop() or False)
pyatspi.Registry.start()
