"""`make run`: prepare the database, then run web + Celery worker + beat until Ctrl-C.

A small supervisor instead of honcho: it owns the embedded PostgreSQL and Redis it started and
stops them on exit, and when `make` itself is killed the kernel tells us (PR_SET_PDEATHSIG) so
nothing is orphaned.
"""

import ctypes
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
ADDRESS = os.environ.get("TWP_ADDRESS", "127.0.0.1:8000")
STOP_TIMEOUT_SECONDS = 10
CELERY = [sys.executable, "-m", "celery", "-A", "twp"]


def _die_with_parent() -> None:
    """Ask Linux to send us SIGTERM when our parent (make) dies."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
    except OSError:
        pass


def _manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], check=True, cwd=BASE_DIR)


def _spawn(name: str, args: list[str]) -> tuple[str, subprocess.Popen]:
    # A session of its own, so we can stop the whole tree (runserver's reloader, Celery's
    # pool children) with one signal to the group.
    return name, subprocess.Popen(args, cwd=BASE_DIR, start_new_session=True)


def _stop(children: list[tuple[str, subprocess.Popen]]) -> None:
    for _name, process in children:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    for _name, process in children:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def main() -> int:
    _die_with_parent()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "twp.settings")
    sys.path.insert(0, str(BASE_DIR))
    from twp import embedded

    # Start (or join) the embedded servers here, so that this process owns them and stops them.
    if not os.environ.get("DATABASE_URL"):
        embedded.postgres()
    if not os.environ.get("REDIS_URL"):
        embedded.redis()

    stopping = False

    def request_stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    children: list[tuple[str, subprocess.Popen]] = []
    exit_code = 0
    try:
        _manage("migrate", "--noinput")
        _manage("load_demo")
        children = [
            _spawn("web", [sys.executable, "manage.py", "runserver", ADDRESS]),
            _spawn("worker", [*CELERY, "worker", "--loglevel", "INFO", "--concurrency", "2"]),
            _spawn("beat", [*CELERY, "beat", "--loglevel", "INFO"]),
        ]
        print(f"\nTWP is running at http://{ADDRESS}/ — press Ctrl-C to stop everything.\n", flush=True)
        while not stopping:
            for name, process in children:
                if process.poll() is not None:
                    print(f"{name} exited with {process.returncode}; stopping the others.", flush=True)
                    exit_code = process.returncode or 1
                    stopping = True
            time.sleep(0.3)
    except subprocess.CalledProcessError as error:
        exit_code = error.returncode
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        _stop(children)
        embedded.stop_started_here()
        print("TWP stopped.", flush=True)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
