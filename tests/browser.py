"""Headless Chromium for the report's browser tests: find (or install) it, load a page, and
read what the page printed to the console.

No WebDriver and no DevTools client: Chromium's own command line dumps the DOM after
the page's scripts ran (``--dump-dom``), takes a screenshot (``--screenshot``), and with
``--enable-logging=stderr`` copies every console message to its standard error.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

BINARY = Path("/usr/bin/chromium")
INSTALL = ("apt-get", "install", "-y", "--no-install-recommends", "chromium", "chromium-driver")
#: Seconds for one Chromium run; a cold start takes a few.
TIMEOUT = 60
# Without the background-networking flags Chromium keeps dialling Google's hosts, which
# this machine's closed network refuses; as root it needs --no-sandbox.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
)

# Chromium 156 writes a console message as
#   [pid:tid:time:INFO:CONSOLE:2] "deliberate error", source: file:///tmp/bad.html (2)
# and older releases as "INFO:CONSOLE(2)". Every level is logged as INFO, console.error
# included, so a level cannot be told apart: any console line counts.
_CONSOLE = re.compile(r"CONSOLE(?:\(\d+\)|:\d+\])")


def find_or_install() -> tuple[Path | None, str]:
    """Chromium's binary, installed from Debian's packages when missing and this is root
    with apt-get; else None and a sentence saying why."""
    found = _find()
    if found is not None:
        return found, ""
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return None, (
            f"Chromium is not at {BINARY}; the browser tests need Debian's chromium and "
            f"chromium-driver ({' '.join(INSTALL)}, as root)"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    log = ""
    # A new machine may have no package lists yet: update once if the first try fails.
    for command in (INSTALL, ("apt-get", "update"), INSTALL):
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=900, env=env, check=False
            )
        except subprocess.TimeoutExpired:
            return None, f"{' '.join(command)} took more than 900 s; browser tests skipped"
        log = (done.stdout + done.stderr)[-2000:]
        if command == INSTALL and done.returncode == 0:
            break
    found = _find()
    if found is None:
        return None, f"{' '.join(INSTALL)} did not install Chromium:\n{log}"
    return found, ""


def _find() -> Path | None:
    if BINARY.is_file() and os.access(BINARY, os.X_OK):
        return BINARY
    other = shutil.which("chromium")
    return Path(other) if other is not None else None


def load(
    binary: Path, page: Path, profile: Path, *options: str
) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium on the file ``page`` with ``options`` (``--dump-dom``, or
    ``--screenshot=...``), a fresh profile folder ``profile``, and console logging on."""
    command = [str(binary), *FLAGS, f"--user-data-dir={profile}", *options, page.as_uri()]
    return subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)


def console_problems(stderr: str) -> list[str]:
    """The lines of Chromium's standard error where a page wrote to the console or threw.

    Chromium logs the page's console messages (``console.log`` to ``console.error``, and
    refusals under the page's Content-Security-Policy) and its uncaught exceptions; its
    own start-up noise (D-Bus, the GPU) never matches.
    """
    return [line for line in stderr.splitlines() if "Uncaught" in line or _CONSOLE.search(line)]
