#!/usr/bin/env python3
"""tests/docs_commands/doc_commands.py: runs every shell command the docs show (issue 15, items 2-3).

usage: doc_commands.py REPO BUILD [FILE.md ...]   (default files: README.md, docs/*.md,
       demos/README.md, demos/echo/README.md; ctest runs it as `docs.commands`)

What it mirrors: CPython's doctest, for shell instead of Python: the text a reader copies is
the text that is run, so a renamed flag or a vanished binary fails a test instead of a student.

Which text is a command:
  - Fenced blocks whose info string is `sh`, `bash` or `console`; every other fence is prose.
  - In `sh` / `bash` blocks every line that is not blank and not a comment is a command; a line
    ending in a backslash continues on the next.
  - In `console` blocks only a line starting with `$ ` is a command; the lines after it, up to the
    next `$ ` line or the end of the block, are the output the reader should see (item 3).
Markers (a `# doc-test: ...` comment at the end of the command line, or alone on the line before
it; or `<!-- doc-test: ... -->` on the line before the fence, for every command of the block):
  skip REASON    never run (installing packages, full builds, README's two commands, which
                 .ci/run runs); its programs are still checked to exist (see below). It comes
                 last among the markers: the reason is the rest of the line.
  long           not run unless DOC_TEST_LONG=1 is set (minutes long); also checked to exist.
  exit=N         the command must exit with N (default 0).
  background     started, left running for the rest of its block, then stopped; a command
                 ending in `&` is one too. If it names a port, the next command waits for it.
  requires=TOOL  skipped, with a message, when TOOL is not on PATH (strace, for instance).
Output shape (console blocks): the program's output (stdout and stderr together, through a
pseudo-terminal, so both are line-buffered and interleave as a reader sees them) must have the same lines in the same order as the block,
after normalising both: every number (`12`, `3.5`, `1e-3`) becomes `N`, a bar of `*` becomes
one `*`, runs of blanks become one; a run of lines that are equal after that is kept once (a
ticker's line printed four times in one run and five in the next); and the lines of each
paragraph (between blank lines) are compared joined, so prose that wraps one word earlier
because a number has one more digit still matches. Timings therefore may differ; a new,
missing, reordered or renamed line, word or column may not. A line `...` in the expected
output matches any text in its paragraph (a Date header), or any number of paragraphs when
it is a paragraph of its own.
Where a command runs: each in a shell of its own (a `cd` does not carry to the next line), in
a scratch directory, one per block, that holds a link to each top-level entry of the
repository and `build` -> BUILD, with HOME pointing into it, so `./build/demos/...` and
`tools/...` resolve as in the docs, and a file written where the command stands
(`--trace compare.json`) or under ~ is thrown away with the directory, not left in the
repository or the real home (a file written into one of the linked folders does land there).
The ports 8080, 8081 and 8888 in a command are replaced by free ports chosen at start, so the
test does not collide with a server someone else is running.
Never run, whatever the markers: a command that calls cmake, ctest, make, ninja, tools/setup.sh
or docs/make_starter.sh (it would reconfigure or rebuild BUILD under this test) fails unless it
is marked `skip` or `long`; DOC_TEST_LONG=1 does not run those either.
Existence check for commands not run: each program named with a `/` must exist (a path into
build/ must be a target of BUILD's build.ninja), so a skipped command cannot silently rot.
A command still running after 30 s fails (DOC_TEST_TIMEOUT=SECONDS to change; a `long` one
has 20 times that). Exit status: 0 when every command ran as documented; 1, with
`FAIL FILE:LINE: what went wrong` for each that did not (for output of another shape, the
whole output, ready to paste when the program's change was intended).
"""

import glob
import os
import pty
import re
import select
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time

DEFAULT_FILES = ["README.md", "docs/*.md", "demos/README.md", "demos/echo/README.md"]
COMMAND_TIMEOUT_S = float(os.environ.get("DOC_TEST_TIMEOUT", "30"))  # per command, in seconds
DOC_PORTS = ("8080", "8081", "8888")  # the ports the docs use, each replaced by a free one
# Commands that would configure, build or test the build tree this test runs in: never run.
BUILDS = re.compile(r"(^|[\s;&|(])(cmake|ctest|make|ninja|tools/setup\.sh|docs/make_starter\.sh)(\s|$)")
MARKER = re.compile(r"#\s*doc-test:\s*(.*?)\s*$")
BLOCK_MARKER = re.compile(r"<!--\s*doc-test:\s*(.*?)\s*-->")
NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)*(?:[eE][-+]?\d+)?")


class Command:
    def __init__(self, path, line, text, markers, expected):
        self.path, self.line, self.text = path, line, text
        self.markers = markers  # dict: skip, long, exit, background, requires
        self.expected = expected  # list of lines, or None when the doc shows no output

    def where(self):
        return f"{self.path}:{self.line}"


def parse_markers(text, where):
    """The markers are words; `skip REASON` comes last, its reason is the rest of the text."""
    markers = {}
    skip = re.search(r"(?:^|[\s;])skip\b(.*)$", text)
    if skip:
        if not skip.group(1).strip(" ;"):
            raise ValueError(f"{where}: `doc-test: skip` needs a reason")
        markers["skip"] = skip.group(1).strip(" ;")
        text = text[: skip.start()]
    for word in text.replace(";", " ").split():
        if word == "long":
            markers["long"] = True
        elif word == "background":
            markers["background"] = True
        elif word.startswith("exit="):
            markers["exit"] = int(word[5:])
        elif word.startswith("requires="):
            markers["requires"] = word[9:]
        else:
            raise ValueError(f"{where}: unknown doc-test marker {word!r}")
    return markers


def strip_comment(text):
    """The command without its shell comment (an unquoted `#` after a blank)."""
    quote = None
    for i, c in enumerate(text):
        if quote:
            quote = None if c == quote else quote
        elif c in "'\"":
            quote = c
        elif c == "#" and (i == 0 or text[i - 1].isspace()):
            return text[:i].rstrip()
    return text


def split_marker(line):
    """A command line's trailing `# doc-test: ...`, removed from the text."""
    match = MARKER.search(line)
    if not match:
        return line, ""
    return line[: match.start()].rstrip(), match.group(1)


def parse_file(repo, path):
    """The blocks of one Markdown file: lists of Commands, in order."""
    lines = open(os.path.join(repo, path), encoding="utf-8").read().split("\n")
    blocks, i = [], 0
    while i < len(lines):
        fence = re.match(r"^\s*```(\w*)\s*$", lines[i])
        if not fence:
            i += 1
            continue
        info, start = fence.group(1), i
        j = i + 1
        while j < len(lines) and not re.match(r"^\s*```\s*$", lines[j]):
            j += 1
        if info in ("sh", "bash", "console"):
            block_markers = {}
            if start > 0 and BLOCK_MARKER.search(lines[start - 1]):
                block_markers = parse_markers(BLOCK_MARKER.search(lines[start - 1]).group(1),
                                              f"{path}:{start}")
            body = [(k + 1, lines[k]) for k in range(start + 1, j)]
            blocks.append(parse_block(path, info, body, block_markers))
        i = j + 1
    return blocks


def parse_block(path, info, body, block_markers):
    commands, pending, k = [], "", 0
    while k < len(body):
        number, raw = body[k]
        k += 1
        stripped = raw.strip()
        if info == "console":
            if not stripped.startswith("$ "):
                if commands and commands[-1].expected is not None:
                    commands[-1].expected.append(raw)
                continue
            stripped = stripped[2:]
        if not stripped:
            continue
        if stripped.startswith("#"):
            own = MARKER.match(stripped)
            if own:
                pending = (pending + "; " + own.group(1)).strip("; ")
            continue
        text = stripped
        while text.endswith("\\") and k < len(body):
            text = text[:-1] + " " + body[k][1].strip()
            k += 1
        text, marker_text = split_marker(text)
        markers = dict(block_markers)
        markers.update(parse_markers((pending + "; " + marker_text).strip("; "),
                                     f"{path}:{number}"))
        pending = ""
        text = strip_comment(text)
        if text.endswith("&") and not text.endswith("&&"):
            text, markers["background"] = text[:-1].rstrip(), True
        commands.append(Command(path, number, text, markers, [] if info == "console" else None))
    for command in commands:
        while command.expected and not command.expected[-1].strip():
            command.expected.pop()
    return commands


def normalise(line):
    line = NUMBER.sub("N", line.replace("\r", ""))
    line = re.sub(r"\*+", "*", line)  # a bar of asterisks as long as a time
    return re.sub(r"\s+", " ", line).strip()


ANY = "\x00"  # what a `...` line of the expected output becomes: matches anything


def paragraphs(lines):
    """Normalised lines -> paragraphs: a run of equal lines is kept once (a tick printed 4 times
    in one run and 5 in the next), then the lines between blank lines are joined with a space
    (prose wrapped at 80 columns wraps elsewhere when a number has more digits)."""
    kept, current = [], []
    for line in list(lines) + [""]:
        if not line:
            if current:
                kept.append(" ".join(current))
            current = []
        elif not current or current[-1] != line:
            current.append(ANY if line == "..." else line)
    return kept


def paragraph_pattern(paragraph):
    """A paragraph that is only `...` matches any number of paragraphs; a `...` line inside
    one matches any text there (a Date header, say)."""
    if paragraph == ANY:
        return r"(?:.*\n)*?"
    return ".*?".join(re.escape(piece.strip()) for piece in paragraph.split(ANY)) + r"\n"


def shape_differs(expected, actual):
    """None when `actual` has expected's paragraphs in order modulo numbers, else a description."""
    want = paragraphs(normalise(l) for l in expected)
    got = paragraphs(normalise(l) for l in actual)
    text = "".join(g + "\n" for g in got)
    if re.fullmatch("".join(paragraph_pattern(w) for w in want), text):
        return None
    for n, (w, g) in enumerate(zip(want, got)):
        if w == ANY:
            break
        if not re.fullmatch(paragraph_pattern(w), g + "\n"):
            shown = w.replace(ANY, "...")
            return f"output paragraph {n + 1}: expected the shape\n    {shown}\n  got\n    {g}"
    return f"expected {len(want)} paragraphs of output, got {len(got)}"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def run_in_pty(text, cwd, env, timeout):
    """(exit status, output lines) of `bash -c text` whose stdout and stderr are a terminal."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(["bash", "-c", text], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                            stdout=slave, stderr=slave, start_new_session=True)
    os.close(slave)
    chunks, deadline = [], time.monotonic() + timeout
    while True:
        try:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                os.killpg(proc.pid, 9)
                proc.wait()
                os.close(master)
                return None, b"".join(chunks).decode(errors="replace").split("\n")
            ready, _, _ = select.select([master], [], [], min(remaining, 0.5))
            if ready:
                data = os.read(master, 65536)
                if not data:
                    break
                chunks.append(data)
            elif proc.poll() is not None:
                continue  # drain: the next read returns what is left, then EOF / EIO
        except OSError:  # EIO: every writer of the terminal has closed it
            break
    os.close(master)
    status = proc.wait()
    return status, b"".join(chunks).decode(errors="replace").split("\n")


class Runner:
    def __init__(self, repo, build):
        self.repo, self.build = os.path.abspath(repo), os.path.abspath(build)
        self.ports = {doc_port: str(free_port()) for doc_port in DOC_PORTS}
        self.failures, self.ran, self.not_run = [], 0, []
        ninja = os.path.join(self.build, "build.ninja")
        self.ninja_text = open(ninja, encoding="utf-8").read() if os.path.exists(ninja) else None
        self.long = os.environ.get("DOC_TEST_LONG") == "1"

    def fail(self, command, message):
        self.failures.append(f"{command.where()}: `{command.text}`: {message}")

    def sandbox(self):
        root = tempfile.mkdtemp(prefix="doc_commands.")
        for entry in os.listdir(self.repo):
            if entry != "build" and not entry.startswith("build-"):
                os.symlink(os.path.join(self.repo, entry), os.path.join(root, entry))
        os.symlink(self.build, os.path.join(root, "build"))
        os.mkdir(os.path.join(root, "home"))
        env = dict(os.environ, HOME=os.path.join(root, "home"), TERM="dumb", COLUMNS="100")
        env.pop("LOOPLAB_DEBUG", None)
        env.pop("LOOPLAB_STEP", None)
        return root, env

    def with_ports(self, text):
        for doc_port, port in self.ports.items():
            text = re.sub(rf"\b{doc_port}\b", port, text)
        return text

    def check_exists(self, command, root):
        """Every program the command names with a '/' exists (up to the block's first `cd`)."""
        if self.after_cd:
            return
        try:
            words = shlex.split(command.text, comments=True)
        except ValueError as error:
            self.fail(command, f"cannot be split into words: {error}")
            return
        first = True
        for word in words:
            if word in ("&&", "||", ";", "|") or word.endswith(";"):
                first = True
                continue
            if not first:
                continue
            first = False
            if re.match(r"^\w+=", word):  # VAR=value before the program
                first = True
                continue
            if word == "cd":
                return
            if "/" not in word or word.startswith(("~", "$", "http")):
                continue
            path = os.path.normpath(word)
            if path.startswith("build/"):
                target = path[len("build/"):]
                built = re.compile(rf"^build {re.escape(target)}[: ]", re.M)
                if self.ninja_text is not None and not built.search(self.ninja_text):
                    self.fail(command, f"{word} is not a target of {self.build}")
            elif not os.path.exists(os.path.join(root, path)):
                self.fail(command, f"{word} does not exist")

    def run_block(self, block):
        root, env = self.sandbox()
        background = []
        self.after_cd = False
        try:
            for command in block:
                self.run_command(command, root, env, background)
                self.after_cd = self.after_cd or re.search(r"(^|[;&|]\s*)cd\s", command.text)
        finally:
            for proc in background:
                if proc.poll() is None:
                    os.killpg(proc.pid, 15)
                    try:
                        proc.wait(timeout=5)
                    except subprocess.TimeoutExpired:
                        os.killpg(proc.pid, 9)
                        proc.wait()
            shutil.rmtree(root, ignore_errors=True)

    def run_command(self, command, root, env, background):
        markers = command.markers
        builds = BUILDS.search(command.text)
        reason = markers.get("skip")
        if not reason and "long" in markers and builds:
            reason = "long, and it builds (never run here)"
        elif not reason and "long" in markers and not self.long:
            reason = "long (DOC_TEST_LONG=1 runs it)"
        if reason:
            self.check_exists(command, root)
            self.not_run.append(f"{command.where()}: not run: {reason}: {command.text}")
            return
        if builds:
            self.fail(command, "configures, builds, installs or tests a tree: it must be marked "
                      "`doc-test: skip REASON` or `long` (run here, it would rebuild BUILD)")
            return
        tool = markers.get("requires")
        if tool and shutil.which(tool) is None:
            self.not_run.append(f"{command.where()}: not run: {tool} is not installed")
            return
        text = self.with_ports(command.text)
        self.ran += 1
        if markers.get("background"):
            log = open(os.path.join(root, f"background-{command.line}.log"), "wb")
            proc = subprocess.Popen(["bash", "-c", text], cwd=root, env=env,
                                    stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                    start_new_session=True)
            background.append(proc)
            for port in self.ports.values():
                if re.search(rf"\b{port}\b", text) and not wait_for_port(port):
                    self.fail(command, f"nothing listens on port {port} after 10 s")
            if proc.poll() is not None:
                self.fail(command, f"exited with {proc.returncode} instead of running on")
            return
        timeout = COMMAND_TIMEOUT_S * (20 if "long" in markers else 1)
        status, output = run_in_pty(text, root, env, timeout)
        tail = "".join("\n    | " + l for l in output[-15:] if l.strip())
        want = markers.get("exit", 0)
        if status is None:
            self.fail(command, f"still running after {timeout} s{tail}")
        elif status != want:
            self.fail(command, f"exited with {status}, the doc expects {want}{tail}")
        elif command.expected:
            differs = shape_differs(command.expected, output)
            if differs:  # all of it, to paste into the doc if the change is right
                whole = "".join("\n    | " + l.rstrip("\r") for l in output)
                self.fail(command, f"{differs}\n  (the whole output:){whole}")


def main(argv):
    if len(argv) < 3:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    repo, build, patterns = argv[1], argv[2], argv[3:] or DEFAULT_FILES
    files = []
    for pattern in patterns:
        matches = sorted(os.path.relpath(p, repo) for p in glob.glob(os.path.join(repo, pattern)))
        if not matches:
            print(f"{pattern}: no such file", file=sys.stderr)
            return 1
        files += matches
    runner = Runner(repo, build)
    started = time.monotonic()
    try:
        blocks = [(path, block) for path in files for block in parse_file(repo, path)]
    except ValueError as error:
        print(error, file=sys.stderr)
        return 1
    for path, block in blocks:
        runner.run_block(block)
    for line in runner.not_run:
        print(line)
    for line in runner.failures:
        print("FAIL " + line)
    total = sum(len(b) for _, b in blocks)
    print(f"{total} documented commands in {len(files)} files: {runner.ran} run, "
          f"{len(runner.not_run)} not run, {len(runner.failures)} failed "
          f"({time.monotonic() - started:.1f} s)")
    return 1 if runner.failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
