#!/usr/bin/python3
"""Drives the running application named by argv[1] through AT-SPI, as a screen reader sees
it. The other arguments are steps: "dump" prints the tree, one accessible a line as
"<role>\t<name>\t<description>\t<position>\t<states>", between "--- dump" markers, where
position is "posinset/setsize" when the accessible has them and states lists "selected"; "click:<name>" performs the
default action of the accessible with that name; "wait:<name>" waits for it to appear;
"focus:<name>" gives it the keyboard focus; "keys:<keys>" presses keys (xdotool names,
e.g. "shift+F10") in the app's window through the X server. Each step waits up to 30
seconds."""
import subprocess
import sys
import time

import pyatspi

APP = sys.argv[1]
STEP_TIMEOUT = 30.0


def find_app():
    desktop = pyatspi.Registry.getDesktop(0)
    for index in range(desktop.childCount):
        app = desktop.getChildAtIndex(index)
        if app is not None and app.name and APP.lower() in app.name.lower():
            return app
    return None


def walk(node, depth=0):
    if node is None or depth > 80:
        return
    yield node
    for index in range(node.childCount):
        yield from walk(node.getChildAtIndex(index), depth + 1)


def find(name):
    deadline = time.time() + STEP_TIMEOUT
    while time.time() < deadline:
        try:
            app = find_app()
            if app is not None:
                for node in walk(app):
                    if node.name == name:
                        return node
        except Exception:  # a node vanished while the app updated its tree: read again
            pass
        time.sleep(0.3)
    sys.exit(f"no accessible named {name!r} appeared")


def describe_tree():
    lines = []
    try:
        for node in walk(find_app()):
            attributes = dict(
                a.split(":", 1) for a in node.getAttributes() if ":" in a
            )
            position = ""
            if "posinset" in attributes:
                position = f"{attributes['posinset']}/{attributes.get('setsize', '?')}"
            selected = node.getState().contains(pyatspi.STATE_SELECTED)
            states = "selected" if selected else ""
            lines.append(
                f"{node.getRoleName()}\t{node.name}\t{node.description}\t{position}\t{states}"
            )
    except Exception as error:  # a node vanished while the app updated its tree
        lines.append(f"(tree changed while reading: {error})")
    return lines


def stable_tree():
    """The tree once two readings half a second apart agree: the app sends its tree in
    updates, and a reading in the middle of one sees half of it."""
    deadline = time.time() + STEP_TIMEOUT
    previous = None
    while time.time() < deadline:
        current = describe_tree()
        if current == previous:
            return current
        previous = current
        time.sleep(0.5)
    return previous or []


for step in sys.argv[2:]:
    if step == "dump":
        find_app() or find("Backup Accounts")
        print("--- dump")
        print("\n".join(stable_tree()))
        print("--- end")
    elif step.startswith("click:"):
        node = find(step[len("click:"):])
        node.queryAction().doAction(0)
    elif step.startswith("wait:"):
        find(step[len("wait:"):])
    elif step.startswith("focus:"):
        find(step[len("focus:"):]).queryComponent().grabFocus()
    elif step.startswith("keys:"):
        # Real key presses through the X server, to the app's window.
        subprocess.run(
            ["xdotool", "search", "--sync", "--name", "^Backup Accounts$",
             "windowfocus", "--sync", "key", "--delay", "100", *step[len("keys:"):].split()],
            check=True,
        )
    else:
        sys.exit(f"unknown step {step!r}")
    sys.stdout.flush()
