#!/usr/bin/env python3
"""tests/docs/explorer_check.py: the loop explorer page, rendered in headless Chromium (issue 21).

usage: explorer_check.py LOOPLAB_DEMO   (ctest runs it as `docs.explorer_chromium`)

What it checks, on `looplab-demo compare --quick --html page.html --trace trace.json`:
  - the page's script ran in Chromium and, for every run (lane), listed as many iteration
    entries as the trace holds iterations, and exactly the trace's tasks and HTTP requests;
  - stepping: Right moves the selection one iteration on, Left brings it back, Down moves one
    phase; clicking a task highlights at least one iteration;
  - nothing external was loaded (the page's own count of resource loads is 0) and the DOM
    names no http(s) src or href.
How: the page checks itself when its address ends in #selftest (explorer.js, "the
self-check") and writes its findings as JSON into <pre id="selftest-result">; `chromium
--headless --dump-dom` prints the DOM after the script ran, and this script compares those
findings with what it counts in the trace file itself. Standard library only; a run takes
about two seconds.

Exit status: 0 when all holds; 1 with a line per failure; 77 (ctest's SKIP_RETURN_CODE) when
no Chromium is installed (Debian: apt-get install chromium, in tools/setup.sh's test group).
"""

import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

SKIP = 77
BROWSERS = ("chromium", "chromium-browser", "google-chrome")


class SelftestResult(html.parser.HTMLParser):
    """The text of the element whose id is selftest-result, entities decoded."""

    def __init__(self):
        super().__init__()
        self.inside = False
        self.text = None

    def handle_starttag(self, tag, attrs):
        if dict(attrs).get("id") == "selftest-result":
            self.inside = True
            self.text = ""

    def handle_endtag(self, tag):
        self.inside = False

    def handle_data(self, data):
        if self.inside:
            self.text += data


def trace_counts(trace):
    """Per pid (lane, counted from 1): iterations, task ids, request ids, as the trace has them."""
    lanes = {}
    for e in trace["traceEvents"]:
        lane = lanes.setdefault(e["pid"], {"iterations": 0, "tasks": set(), "requests": set()})
        args = e.get("args", {})
        kind = args.get("kind")
        if kind == "iteration":
            lane["iterations"] += 1
        elif kind in ("task_created", "task_step", "task_wait", "task_done"):
            lane["tasks"].add(args["id"])
        elif kind == "http_request" and e.get("ph") == "b":
            lane["requests"].add(args["id"])
    return lanes


def main():
    if len(sys.argv) != 2:
        print(__doc__.split("\n\n")[1])
        return 2
    demo = sys.argv[1]
    browser = next((shutil.which(b) for b in BROWSERS if shutil.which(b)), None)
    if not browser:
        print("SKIP: no Chromium on PATH (Debian: apt-get install chromium; tools/setup.sh "
              "installs it in its test group)")
        return SKIP
    failures = []
    with tempfile.TemporaryDirectory() as scratch:
        page = os.path.join(scratch, "page.html")
        trace_path = os.path.join(scratch, "trace.json")
        subprocess.run([demo, "compare", "--quick", "--html", page, "--trace", trace_path],
                       check=True, stdout=subprocess.DEVNULL, timeout=120)
        with open(trace_path) as f:
            expected = trace_counts(json.load(f))
        dom = subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--user-data-dir=" + os.path.join(scratch, "profile"), "--dump-dom",
             "file://" + page + "#selftest"],
            check=True, capture_output=True, text=True, timeout=120).stdout
    parser = SelftestResult()
    parser.feed(dom)
    if parser.text is None:
        print("FAIL: the page's self-check wrote no result (did its script run?)")
        return 1
    found = json.loads(parser.text)
    if found["resources"] != 0:
        failures.append("the page loaded %d external resources" % found["resources"])
    external = re.findall(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//[^"'\s>]*""", dom)
    if external:
        failures.append("the DOM names external resources: %s" % external[:3])
    if len(found["lanes"]) != len(expected):
        failures.append("%d lanes on the page, %d in the trace" % (len(found["lanes"]), len(expected)))
    for k, lane in enumerate(found["lanes"]):
        want = expected.get(k + 1, {"iterations": 0, "tasks": set(), "requests": set()})
        name = "lane %d (%s)" % (k, lane["title"])
        if lane["iterations"] != want["iterations"]:
            failures.append("%s: %d iteration entries, the trace has %d" %
                            (name, lane["iterations"], want["iterations"]))
        if set(lane["tasks"]) != want["tasks"]:
            failures.append("%s: tasks listed %s, the trace has %s" %
                            (name, sorted(lane["tasks"]), sorted(want["tasks"])))
        if set(lane["requests"]) != want["requests"]:
            failures.append("%s: requests listed %s, the trace has %s" %
                            (name, sorted(lane["requests"]), sorted(want["requests"])))
        if lane["iterations"] >= 2:
            if lane["forward"] != lane["start"] + 1:
                failures.append("%s: Right went from %s to %s" % (name, lane["start"], lane["forward"]))
            if lane["back"] != lane["start"]:
                failures.append("%s: Left came back to %s, not %s" % (name, lane["back"], lane["start"]))
            if lane["phase"] != 2:
                failures.append("%s: Down selected phase %s, not 2" % (name, lane["phase"]))
            if lane["tasks"] and not lane.get("marked"):
                failures.append("%s: clicking a task highlighted no iteration" % name)
    for f in failures:
        print("FAIL:", f)
    if failures:
        return 1
    print("ok: %d lanes, %s iteration entries, every task and request listed, stepping works, "
          "nothing external loaded" % (len(found["lanes"]), [l["iterations"] for l in found["lanes"]]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
