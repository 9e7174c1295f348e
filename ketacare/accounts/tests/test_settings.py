"""Settings fail loudly, and production values pass Django's deployment check."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _run(args, **env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("KETACARE_", "DJANGO_", "SECRET_KEY", "DEBUG", "DATABASE_URL"))
    }
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_refuses_to_start_without_a_secret_key_outside_demo():
    result = _run(["check"])
    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr


def test_it_refuses_nonsense_booleans():
    result = _run(["check"], KETACARE_DEMO="perhaps")
    assert result.returncode != 0
    assert "KETACARE_DEMO must be true or false" in result.stderr


def test_production_settings_pass_the_deployment_check():
    result = _run(
        ["check", "--deploy", "--fail-level", "WARNING"],
        SECRET_KEY="x" * 20 + "a-long-random-production-secret-value-1234567890",
        ALLOWED_HOSTS="clinic.example.org",
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout
