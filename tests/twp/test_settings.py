"""Settings come from the environment and fail fast; production settings pass check --deploy."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

BASE_DIR = Path(__file__).resolve().parents[2]


def run_manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_env(**overrides):
    """A production-like environment: no .env file, DEBUG off, real servers named by URL."""
    database = settings.DATABASES["default"]
    development_only = {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {key: value for key, value in os.environ.items() if key not in development_only}
    env.update(
        ENV_FILE="/nonexistent/.env",
        DEBUG="false",
        SECRET_KEY="p" * 20 + "-a-long-and-random-production-secret-key-0123456789",
        ALLOWED_HOSTS="twp.example.org",
        DATABASE_URL=f"postgres://{database['USER']}@/{database['NAME']}",
        REDIS_URL=settings.REDIS_URL,
        PGHOST=database["HOST"],
        PGPORT=str(database["PORT"]),
    )
    env.update(overrides)
    return env


def test_default_settings_boot_and_pass_system_checks():
    call_command("check")  # raises SystemCheckError on any error
    from django.db import connection

    assert connection.vendor == "postgresql"


def test_check_deploy_reports_nothing_under_production_environment():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_missing_secret_key_with_debug_off_is_a_clear_start_up_error():
    env = production_env()
    del env["SECRET_KEY"]
    result = run_manage("check", env=env)
    assert result.returncode == 1
    assert "The environment variable SECRET_KEY is required when DEBUG is off" in result.stderr


def test_missing_allowed_hosts_with_debug_off_is_a_start_up_error():
    env = production_env()
    del env["ALLOWED_HOSTS"]
    result = run_manage("check", env=env)
    assert result.returncode == 1
    assert "ALLOWED_HOSTS is required" in result.stderr


@pytest.mark.parametrize("url", ["sqlite:///twp.db", "mysql://user@db/twp"])
def test_a_database_other_than_postgresql_is_refused(url):
    result = run_manage("check", env=production_env(DATABASE_URL=url))
    assert result.returncode == 1
    assert "TWP runs on PostgreSQL only" in result.stderr
