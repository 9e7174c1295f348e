"""The production configuration itself, run as a clinic runs it (not the test settings)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _production_env(tmp_path: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("KETACARE_TESTING", "KETACARE_DEMO", "DEBUG", "DATABASE_URL")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="ketacare.settings",
        SECRET_KEY="a-production-like-secret-key-for-this-test-only-0123456789-abcdefghijklmnop",
        ALLOWED_HOSTS="clinic.example",
        KETACARE_VAR_DIR=str(tmp_path),
        STATIC_ROOT=str(tmp_path / "static"),
    )
    return env


def test_collectstatic_works_with_the_production_storage(tmp_path):
    # The manifest storage rewrites every reference a file makes (CSS urls, source maps)
    # and fails on one that names a missing file; that failure made every page a 500.
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=ROOT,
        env=_production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())
    for name in ("vendor/vega.min.js", "vendor/htmx.min.js", "css/ketacare.css"):
        hashed = tmp_path / "static" / manifest["paths"][name]
        assert hashed.is_file() and hashed.with_name(hashed.name + ".gz").is_file(), name


def test_no_vendored_file_names_a_source_map_that_is_not_shipped():
    vendor = ROOT / "static" / "vendor"
    for js in vendor.glob("*.js"):
        for line in js.read_text().splitlines():
            if "sourceMappingURL=" in line:
                target = line.rsplit("sourceMappingURL=", 1)[1].strip()
                assert (vendor / target).is_file(), f"{js.name} names {target}"
