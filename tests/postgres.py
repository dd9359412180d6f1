"""A real PostgreSQL server for the tests: a throw-away cluster per session, a fresh empty
database per test.

``postgres_dsn`` (session) is the libpq connection string of a cluster made with
``initdb`` in a temporary directory and started on a free port of 127.0.0.1; it is
stopped and deleted when the session ends, failed tests or not. ``postgres_db``
(function) is the connection string of a new, empty database on that server, dropped
after the test.

Where the server comes from, in order:

1. ``SCHEDULER_POSTGRES_DSN``: that server is used as it is; nothing is started. Its
   user needs CREATEDB for ``postgres_db``.
2. The server binaries (``initdb``, ``pg_ctl``, ``postgres``) in ``pg_config --bindir``,
   then in the highest ``/usr/lib/postgresql/*/bin``, then on ``PATH``.
3. Debian's ``postgresql`` package, installed with apt-get when this is root.

When none of these gives a server the tests that need one are skipped, saying which step
failed and why, or fail when ``SCHEDULER_REQUIRE_POSTGRES=1`` (CI sets it). A server that
exists but will not start is always an error, with the step and its log.
"""

from __future__ import annotations

import fcntl
import functools
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest

#: The cluster's superuser, made by initdb.
USER = "scheduler"
REQUIRE = "SCHEDULER_REQUIRE_POSTGRES"
EXTERNAL = "SCHEDULER_POSTGRES_DSN"
INSTALL = ("apt-get", "install", "-y", "-qq", "--no-install-recommends", "postgresql")
UPDATE = ("apt-get", "update", "-qq")
#: Seconds for apt-get, initdb and pg_ctl; pg_ctl's own wait is a little shorter.
APT_TIMEOUT = 900
SERVER_TIMEOUT = 120
#: Fresh ports tried when another process takes the chosen one before the server binds it.
PORT_TRIES = 5
_PROGRAMS = ("initdb", "pg_ctl", "postgres")
# Options of every server: fsync off because the cluster is thrown away, and no TCP
# beyond the loopback.
_SERVER_OPTIONS = "-c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100"


@dataclass(frozen=True, slots=True)
class Binaries:
    """Where the server's programs are; pg_ctl finds ``postgres`` next to itself."""

    initdb: Path
    pg_ctl: Path


@dataclass(frozen=True, slots=True)
class _Account:
    """Who runs initdb and the server: PostgreSQL refuses to run as root, so root hands
    them to an unprivileged user (``prefix`` switches to it, ``uid``/``gid`` own the
    cluster's directory); anyone else runs them as themselves (``uid`` None)."""

    prefix: tuple[str, ...]
    uid: int | None
    gid: int | None


@functools.cache
def find_or_install() -> tuple[Binaries | None, str]:
    """The server binaries, installed from Debian's packages when missing and this is root
    with apt-get; else None and a sentence saying which step failed and why."""
    found = find()
    if found is not None:
        return found, ""
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return None, (
            "no server binaries found (pg_config --bindir, /usr/lib/postgresql/*/bin, PATH) "
            f"and cannot install them: that needs root and apt-get ({' '.join(INSTALL)})"
        )
    # Two sessions (or pytest-xdist workers) installing at once would trip over dpkg's
    # lock: the second waits here, then finds what the first installed.
    lock = Path(tempfile.gettempdir()) / "scheduler-postgres-install.lock"
    with lock.open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        found = find()
        if found is not None:
            return found, ""
        why = _install()
    found = find()
    if found is None:
        return None, f"no server binaries found and {why or 'apt-get did not install them'}"
    return found, ""


def find() -> Binaries | None:
    """The server binaries in ``pg_config --bindir``, the highest
    ``/usr/lib/postgresql/*/bin``, or on PATH, whichever comes first with all three."""
    for folder in _bindirs():
        if all(_executable(folder / name) for name in _PROGRAMS):
            return Binaries(initdb=folder / "initdb", pg_ctl=folder / "pg_ctl")
    on_path = [shutil.which(name) for name in _PROGRAMS]
    if on_path[0] is not None and on_path[1] is not None and on_path[2] is not None:
        return Binaries(initdb=Path(on_path[0]), pg_ctl=Path(on_path[1]))
    return None


def _bindirs() -> Iterator[Path]:
    pg_config = shutil.which("pg_config")
    if pg_config is not None:
        # Debian's pg_config (libpq-dev) may name a folder of a server that isn't installed.
        done = subprocess.run(
            [pg_config, "--bindir"], capture_output=True, text=True, timeout=30, check=False
        )
        if done.returncode == 0 and done.stdout.strip():
            yield Path(done.stdout.strip())

    def version(folder: Path) -> tuple[int, ...]:
        # "15" and "9.6": compared as numbers, so 15 comes after 9.6.
        return tuple(int(part) for part in re.findall(r"\d+", folder.parent.name))

    yield from sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=version, reverse=True)


def _executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def _install() -> str:
    """Run apt-get update and install; "" when both succeeded, else what went wrong."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (UPDATE, INSTALL):
        try:
            done = subprocess.run(
                command,
                capture_output=True,
                text=True,
                timeout=APT_TIMEOUT,
                env=env,
                stdin=subprocess.DEVNULL,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return f"{' '.join(command)} took more than {APT_TIMEOUT} s"
        if done.returncode != 0:
            log = (done.stdout + done.stderr).strip()[-2000:]
            return f"{' '.join(command)} failed (exit {done.returncode}):\n{log}"
    return ""


def _account() -> _Account:
    if os.geteuid() != 0:
        return _Account(prefix=(), uid=None, gid=None)
    for name in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        runuser = shutil.which("runuser")
        if runuser is not None:
            return _Account((runuser, "-u", name, "--"), entry.pw_uid, entry.pw_gid)
        setpriv = shutil.which("setpriv")
        if setpriv is not None:
            prefix = (
                setpriv,
                f"--reuid={entry.pw_uid}",
                f"--regid={entry.pw_gid}",
                "--init-groups",
                "--",
            )
            return _Account(prefix, entry.pw_uid, entry.pw_gid)
        _error("account", "running as root, and neither runuser nor setpriv is on PATH")
    _error("account", "running as root, and there is neither a postgres nor a nobody user")


@contextmanager
def cluster(binaries: Binaries) -> Iterator[str]:
    """A new cluster in a temporary directory, started on a free port of 127.0.0.1; yields
    its connection string (superuser ``scheduler``, database ``postgres``, no password),
    then stops it and deletes the directory whatever happened."""
    account = _account()
    root = Path(tempfile.mkdtemp(prefix="scheduler-postgres-"))
    data = root / "data"
    try:
        if account.uid is not None and account.gid is not None:
            os.chown(root, account.uid, account.gid)
        initdb = (
            *("-D", str(data), "-A", "trust", "-U", USER),
            *("--no-sync", "-E", "UTF8", "--locale=C"),
        )
        done = _run(account, binaries.initdb, *initdb, cwd=root)
        if done.returncode != 0:
            _error("initdb", f"exit {done.returncode}:\n{_tail(done.stdout + done.stderr)}")
        port = _start(account, binaries, root)
        yield f"host=127.0.0.1 port={port} user={USER} dbname=postgres"
    finally:
        try:
            _stop(account, binaries, data)
        finally:
            shutil.rmtree(root, ignore_errors=True)


def _start(account: _Account, binaries: Binaries, root: Path) -> int:
    log = root / "server.log"
    for _ in range(PORT_TRIES):
        port = _free_port()
        options = f"-p {port} -k {shlex.quote(str(root))} {_SERVER_OPTIONS}"
        start = ("-w", "-t", str(SERVER_TIMEOUT - 10), "-D", str(root / "data"), "-l", str(log))
        done = _run(account, binaries.pg_ctl, *start, "-o", options, "start", cwd=root)
        if done.returncode == 0:
            return port
        server_log = log.read_text(errors="replace") if log.exists() else ""
        if "Address already in use" not in server_log:
            output = _tail(done.stdout + done.stderr + server_log)
            _error("pg_ctl start", f"exit {done.returncode}:\n{output}")
        log.unlink()
    _error("pg_ctl start", f"{PORT_TRIES} free ports were each taken before the server bound them")


def _stop(account: _Account, binaries: Binaries, data: Path) -> None:
    pidfile = data / "postmaster.pid"
    if not pidfile.exists():
        return
    stop = ("-w", "-D", str(data), "-m", "immediate", "stop")
    done = _run(account, binaries.pg_ctl, *stop, cwd=data)
    if done.returncode == 0 or not pidfile.exists():
        return
    # pg_ctl could not stop it: kill the postmaster rather than leave it running.
    pid = int(pidfile.read_text().split()[0])
    with suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _run(
    account: _Account, program: Path, *args: str, cwd: Path
) -> subprocess.CompletedProcess[str]:
    # cwd: the unprivileged user may not be allowed into the directory pytest runs in.
    command = [*account.prefix, str(program), *args]
    try:
        return subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=SERVER_TIMEOUT,
            cwd=cwd,
            env={**os.environ, "LC_ALL": "C"},
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired:
        _error(program.name, f"{shlex.join(command)} took more than {SERVER_TIMEOUT} s")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _tail(text: str) -> str:
    return text.strip()[-3000:]


def _error(step: str, why: str) -> NoReturn:
    pytest.fail(f"PostgreSQL for the tests: {step} failed: {why}", pytrace=False)


def _unavailable(why: str) -> NoReturn:
    if os.environ.get(REQUIRE) == "1":
        pytest.fail(f"PostgreSQL tests failed ({REQUIRE}=1): {why}", pytrace=False)
    pytest.skip(f"PostgreSQL tests skipped: {why}")


@pytest.fixture(scope="session")
def postgres_dsn() -> Iterator[str]:
    """The libpq connection string of a PostgreSQL server for this session: the one named
    by SCHEDULER_POSTGRES_DSN, else a throw-away cluster started here."""
    external = os.environ.get(EXTERNAL)
    if external:
        yield external
        return
    binaries, why = find_or_install()
    if binaries is None:
        _unavailable(why)
    with cluster(binaries) as dsn:
        yield dsn


@pytest.fixture
def postgres_db(postgres_dsn: str) -> Iterator[str]:
    """The connection string of a new, empty database on the session's server, made from
    template0 for this test alone and dropped after it."""
    try:
        import psycopg
        from psycopg import sql
        from psycopg.conninfo import make_conninfo
    except ImportError as error:
        _unavailable(f"psycopg is not installed (pip install '.[test]'): {error}")
    name = f"scheduler_test_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(postgres_dsn, autocommit=True, connect_timeout=30) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))
    try:
        yield make_conninfo(postgres_dsn, dbname=name)
    finally:
        # FORCE: a connection the test left open must not keep the database alive.
        with psycopg.connect(postgres_dsn, autocommit=True, connect_timeout=30) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
