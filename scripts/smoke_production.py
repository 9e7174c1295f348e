"""Serve ketacare as docs/deploy.md deploys it, then use it: the production smoke test.

Run under scripts/with-postgres.sh (its DATABASE_URL is a superuser on a throw-away server).
It creates the owner and app roles and a database as the deploy recipe does, migrates as the
owner, grants the app role, runs `check --deploy`, `collectstatic`, serves the app with
gunicorn under production settings (no demo or test flags; behind a TLS proxy, whose headers
it sends), signs a staff member in with password and authenticator code, and fetches pages,
a static file, the API and FHIR. Any unexpected status fails loudly with the server's log.
"""

from __future__ import annotations

import hmac
import http.client
import json
import os
import re
import secrets
import socket
import struct
import subprocess
import sys
import tempfile
import time
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
HOST = "clinic.example"
PASSWORD = "a long smoke-test passphrase " + secrets.token_hex(4)

SEED = """
import datetime as dt, json
from django_otp.plugins.otp_totp.models import TOTPDevice
from ketacare.accounts.models import Clinic, Role, StaffMember, User
from ketacare.accounts.services import api_token_create
from ketacare.patients import services
clinic = Clinic.objects.create(name="Smoke Clinic", slug="smoke", mrn_prefix="SM")
user = User.objects.create_user(email="sam@smoke.test", full_name="Sam Smoke", password=%r)
member = StaffMember.objects.create(user=user, clinic=clinic, roles=[Role.PRESCRIBER])
device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
patient = services.patient_create(clinic=clinic, by=user, mrn="SM-1", given_name="Robin",
    family_name="Smoketest", birth_date=dt.date(1980, 1, 1), email="robin@smoke.test")
_, token = api_token_create(member=member, name="smoke")
print(json.dumps({"patient": patient.pk, "token": token, "key": device.key}))
"""
COUNT_READS = "from ketacare.audit.models import AccessEvent; print(AccessEvent.objects.count())"


class SmokeFailure(RuntimeError):
    pass


def totp(hex_key: str, at: float) -> str:
    """RFC 6238 code (30 s, 6 digits, SHA-1), as an authenticator app computes it."""
    counter = struct.pack(">Q", int(at) // 30)
    digest = hmac.new(bytes.fromhex(hex_key), counter, "sha1").digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


def run(args: list[str], env: dict[str, str], *, timeout: int = 300) -> str:
    started = time.monotonic()
    result = subprocess.run(  # noqa: S603
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    took = time.monotonic() - started
    words = args[1:] if args[0] == PY else [Path(args[0]).name, *args[1:]]
    shown = " ".join(a if len(a) < 40 else "<script>" for a in words)
    print(f"  {shown}  [{took:.1f}s]")
    if result.returncode != 0:
        raise SmokeFailure(f"{shown} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Browser:
    """Plain HTTP through the 'proxy': https forwarded, cookies kept by hand (they are Secure)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(
        self,
        method: str,
        path: str,
        *,
        expect: int,
        form: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        via_proxy: bool = True,
    ) -> tuple[http.client.HTTPResponse, bytes]:
        all_headers = {"Host": HOST, **(headers or {})}
        if via_proxy:
            all_headers["X-Forwarded-Proto"] = "https"
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
            all_headers["Origin"] = f"https://{HOST}"
            all_headers["Referer"] = f"https://{HOST}{path}"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=all_headers)
            response = conn.getresponse()
            content = response.read()
        finally:
            conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        status = response.status
        print(f"  {method} {path} -> {status}")
        if status != expect:
            raise SmokeFailure(
                f"{method} {path}: expected {expect}, got {status}\n{content[:2000]!r}"
            )
        return response, content


def csrf_token(page: bytes) -> str:
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if not match:
        raise SmokeFailure("no CSRF token on the page")
    return match.group(1).decode()


def exercise(port: int, seed: dict[str, Any]) -> None:
    web = Browser(port)
    # Plain http straight to the app is sent to https (the proxy terminates TLS).
    response, _ = web.request("GET", "/accounts/login/", expect=301, via_proxy=False)
    if not response.headers["Location"].startswith(f"https://{HOST}/"):
        raise SmokeFailure(f"redirected to {response.headers['Location']}")
    response, page = web.request("GET", "/accounts/login/", expect=200)
    for header in ("Strict-Transport-Security", "Content-Security-Policy"):
        if not response.headers.get(header):
            raise SmokeFailure(f"the sign-in page has no {header} header")
    # Static files: hashed names from the manifest, served by WhiteNoise, compressed.
    static = re.search(rb'src="(/static/vendor/htmx\.min\.[0-9a-f]{12}\.js)"', page)
    if not static:
        raise SmokeFailure("the sign-in page does not load a hashed static file")
    response, _ = web.request(
        "GET", static.group(1).decode(), expect=200, headers={"Accept-Encoding": "gzip"}
    )
    if response.headers.get("Content-Encoding") != "gzip":
        raise SmokeFailure("static file not served compressed")
    web.request("GET", "/static/vendor/no-such-file.js", expect=404)

    # Staff sign-in: password, then the authenticator code (two-factor is on in production).
    form = {"username": "sam@smoke.test", "password": PASSWORD}
    web.request("POST", "/accounts/login/", form={**form, "csrfmiddlewaretoken": "x"}, expect=403)
    response, _ = web.request(
        "POST",
        "/accounts/login/",
        form={**form, "csrfmiddlewaretoken": csrf_token(page)},
        expect=302,
    )
    web.request("GET", "/patients/", expect=302)  # no second factor yet
    _, page = web.request("GET", "/accounts/2fa/verify/", expect=200)
    code = totp(seed["key"], time.time())
    web.request(
        "POST",
        "/accounts/2fa/verify/",
        form={"code": code, "csrfmiddlewaretoken": csrf_token(page)},
        expect=302,
    )
    _, page = web.request("GET", "/patients/", expect=200)
    if b"Smoketest" not in page:
        raise SmokeFailure("the patient list does not show the patient")
    _, page = web.request("GET", f"/patients/{seed['patient']}/", expect=200)
    if b"Robin" not in page:
        raise SmokeFailure("the chart does not show the patient")

    # The JSON API with a token, and without one.
    api = Browser(port)
    bearer = {"Authorization": f"Bearer {seed['token']}"}
    api.request("GET", "/api/v1/patients", expect=401)
    _, body = api.request("GET", "/api/v1/patients", expect=200, headers=bearer)
    if seed["patient"] not in [p["id"] for p in json.loads(body)["items"]]:
        raise SmokeFailure("the API list does not include the patient")
    _, body = api.request("GET", "/fhir/metadata", expect=200, headers=bearer)
    if json.loads(body).get("resourceType") != "CapabilityStatement":
        raise SmokeFailure("FHIR metadata is not a CapabilityStatement")


def roles_and_database(admin_url: str) -> tuple[str, str]:
    """The deploy recipe's roles: an owner that migrates, an app role that owns nothing."""
    parts = urlsplit(admin_url)
    name = f"ketacare_smoke_{os.getpid()}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        for role in ("ketacare_owner", "ketacare_app"):
            conn.execute(
                f"DO $$ BEGIN CREATE ROLE {role} LOGIN; "
                "EXCEPTION WHEN duplicate_object THEN NULL; END $$"
            )
        conn.execute(f"CREATE DATABASE {name} OWNER ketacare_owner")
    base = f"postgres://{{}}@{parts.hostname}:{parts.port}/{name}"
    return base.format("ketacare_owner"), base.format("ketacare_app")


def main() -> int:
    admin_url = os.environ.get("DATABASE_URL", "")
    if not admin_url.startswith("postgres"):
        print("run me under scripts/with-postgres.sh", file=sys.stderr)
        return 2
    started = time.monotonic()
    owner_url, app_url = roles_and_database(admin_url)
    var = Path(tempfile.mkdtemp(prefix="ketacare-smoke-"))
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("KETACARE_TESTING", "KETACARE_DEMO", "DEBUG", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="ketacare.settings",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=HOST,
        SITE_URL=f"https://{HOST}",
        BEHIND_TLS_PROXY="true",
        DATABASE_URL=app_url,
        DATABASE_POOL="true",
        KETACARE_VAR_DIR=str(var),
        STATIC_ROOT=str(var / "static"),
    )
    print("production smoke test: migrate as owner, grant, check, collectstatic, seed")
    run([str(ROOT / "scripts" / "migrate.sh")], {**env, "DATABASE_OWNER_URL": owner_url})
    run([PY, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    run([PY, "manage.py", "collectstatic", "--no-input", "-v0"], env)
    seed = json.loads(
        run([PY, "manage.py", "shell", "-c", SEED % PASSWORD], env).strip().splitlines()[-1]
    )
    reads_before = int(run([PY, "manage.py", "shell", "-c", COUNT_READS], env).split()[-1])

    port = free_port()
    log = var / "gunicorn.log"
    print(f"gunicorn on 127.0.0.1:{port}")
    with log.open("w") as log_file:
        server = subprocess.Popen(  # noqa: S603
            [
                str(ROOT / ".venv" / "bin" / "gunicorn"),
                "--config",
                str(ROOT / "scripts" / "gunicorn.conf.py"),
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "ketacare.wsgi",
            ],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError as error:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SmokeFailure(f"gunicorn did not start:\n{log.read_text()}") from error
                time.sleep(0.2)
        exercise(port, seed)
    except SmokeFailure as failure:
        print(
            f"\nFAIL: {failure}\n--- gunicorn log ---\n{log.read_text()[-6000:]}", file=sys.stderr
        )
        return 1
    finally:
        server.terminate()
        server.wait(timeout=30)
    reads_after = int(run([PY, "manage.py", "shell", "-c", COUNT_READS], env).split()[-1])
    if reads_after < reads_before + 2:
        print("FAIL: the chart and API reads left no access-log rows", file=sys.stderr)
        return 1
    if "Traceback" in log.read_text():
        print(f"FAIL: the server logged an error:\n{log.read_text()}", file=sys.stderr)
        return 1
    print(f"production smoke test passed in {time.monotonic() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
