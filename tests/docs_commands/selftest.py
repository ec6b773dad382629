#!/usr/bin/env python3
"""tests/docs_commands/selftest.py: the documented-commands test fails when it should.

usage: selftest.py REPO BUILD   (ctest: `docs.commands_selftest`)

doc_commands.py passing on the real docs means something only if it can fail: this runs it
on two fixtures. fixtures/good.md has every kind of block and marker and a background server,
all true: exit 0, with the expected counts. fixtures/broken.md has a wrong exit status, a
missing program, a skipped command naming a missing script, output of the wrong shape, a
line too many, a command that hangs and an unmarked build command: exit 1, and a
`FAIL FILE:LINE` message for each.
"""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

BROKEN = "tests/docs_commands/fixtures/broken.md"
EXPECTED_FAILURES = [
    f"FAIL {BROKEN}:5: `exit 2`: exited with 2, the doc expects 0",
    f"FAIL {BROKEN}:6: `./build/no/such/program`: exited with 127",
    f"FAIL {BROKEN}:8: `./tools/no-such-script.sh`: ./tools/no-such-script.sh does not exist",
    f"FAIL {BROKEN}:12: `printf 'took 1.5 s\\nrow 3\\n'`: output paragraph 1: expected the shape",
    f"FAIL {BROKEN}:15: `printf 'a\\nb\\n'`: output paragraph 1: expected the shape",
    f"FAIL {BROKEN}:20: `sleep 100`: still running after 2.0 s",
    f"FAIL {BROKEN}:24: `cmake --build build --target nothing`: configures, builds, installs",
]


def run(repo, build, fixture):
    env = dict(os.environ, DOC_TEST_TIMEOUT="2")
    env.pop("DOC_TEST_LONG", None)
    return subprocess.run([sys.executable, os.path.join(HERE, "doc_commands.py"), repo, build,
                           fixture], env=env, capture_output=True, text=True)


def main(argv):
    repo, build = argv[1], argv[2]
    problems = []
    good = run(repo, build, "tests/docs_commands/fixtures/good.md")
    if good.returncode != 0:
        problems.append(f"good.md: exit {good.returncode}, expected 0:\n{good.stdout}{good.stderr}")
    elif "documented commands in 1 files: 11 run, 3 not run, 0 failed" not in good.stdout:
        problems.append(f"good.md: unexpected summary:\n{good.stdout}")
    broken = run(repo, build, BROKEN)
    if broken.returncode != 1:
        problems.append(f"broken.md: exit {broken.returncode}, expected 1")
    for failure in EXPECTED_FAILURES:
        if not any(line.startswith(failure) for line in broken.stdout.split("\n")):
            problems.append(f"broken.md: no line starting with\n    {failure}")
    if problems:
        print("\n".join(problems))
        print(f"(broken.md's output:)\n{broken.stdout}{broken.stderr}")
        return 1
    print(f"good.md passes, broken.md fails with the {len(EXPECTED_FAILURES)} expected messages")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
