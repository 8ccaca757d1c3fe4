"""The project's settings plus a bench-only URL for the worker list prototype (bench/prototype.py)."""

from twp.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
