"""Run the real `templater` process on a pseudo-terminal, as a person at a terminal runs it."""
from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path


def run_in_terminal(*args: str, cwd: Path, env: dict[str, str] | None = None,
                    answers: tuple[str, ...] = ()) -> tuple[int, str]:
    """(exit code, everything the terminal showed) of `templater ARGS`; answers are typed ahead."""
    master, slave = pty.openpty()
    environment = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    environment.update(env or {})
    proc = subprocess.Popen([sys.executable, "-m", "templater.cli", *args], stdin=slave, stdout=slave,
                            stderr=slave, cwd=cwd, env=environment, close_fds=True)
    os.close(slave)
    if answers:  # the terminal's line discipline holds them until each prompt reads a line
        os.write(master, "".join(a + "\n" for a in answers).encode())
    output = b""
    while True:
        # A safety net so that a hung prompt fails the test instead of blocking the run.
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            proc.kill()
            raise AssertionError(f"templater {' '.join(args)} is still waiting: {output.decode()!r}")
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the process closed the terminal
            break
        if not chunk:
            break
        output += chunk
    os.close(master)
    return proc.wait(), output.decode("utf-8", "replace").replace("\r\n", "\n")
