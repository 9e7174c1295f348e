"""Load run of the deployed stack: gunicorn + PostgreSQL (pooled), production settings.

A clinic's realistic peak in a 2,000-patient clinic: patients answering check-ins through
their secure links with a few seconds between taps, and staff paging the patient list and
opening charts, plus a bare Django view doing one INSERT on the same stack in the same run
(the yardstick every kind is reported against). Requests go only to 127.0.0.1, and every run
is bounded in time and in count.

    make bench-load            # or: scripts/with-postgres.sh .venv/bin/python bench/load/run.py

A small asyncio client (httpx) rather than locust: one process, no gevent monkey-patching,
so the client takes as little as possible of the two cores the server also runs on, and
each simulated person is a plain coroutine with think times.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import hmac
import json
import os
import platform
import random
import re
import secrets
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[2]
PY = str(ROOT / ".venv" / "bin" / "python")
HOST = "clinic.example"
PASSWORD = "bench passphrase " + secrets.token_hex(4)
MAX_REQUESTS = 50_000  # a hard stop whatever the settings
CONFIGS = {
    # name: (gunicorn arguments, environment)
    "sync4": (["--workers", "4"], {"DATABASE_POOL": "false"}),
    "sync4-pool": (["--workers", "4"], {"DATABASE_POOL": "true"}),
    "sync4-pool-cold": (["--workers", "4"], {"DATABASE_POOL": "true", "GUNICORN_PRELOAD": "false"}),
    "gthread2x4-pool": (
        ["--workers", "2", "--threads", "4", "-k", "gthread"],
        {"DATABASE_POOL": "true"},
    ),
    "sync5-pool": (["--workers", "5"], {"DATABASE_POOL": "true"}),
}

SEED = """
import datetime as dt, json, random
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from ketacare.accounts.models import Clinic, Role, StaffMember, User
from ketacare.core.phases import Phase
from ketacare.measures import services
from ketacare.patients.models import CareTeamMember, Patient
rng = random.Random(1)
N, STAFF, CHECKINS, PASSWORD = %d, %d, %d, %r
clinic = Clinic.objects.create(name="Load Clinic", slug="load", mrn_prefix="LD")
staff = []
for s in range(STAFF):
    user = User.objects.create_user(email=f"s{s}@load.test", full_name=f"Staff {s}",
                                    password=PASSWORD)
    member = StaffMember.objects.create(user=user, clinic=clinic,
                                        roles=[Role.PRESCRIBER, Role.COORDINATOR])
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    staff.append({"email": user.email, "key": device.key, "member": member})
Patient.objects.bulk_create(
    Patient(clinic=clinic, mrn=f"LD-{i:06d}", given_name=f"Given{i}", family_name=f"Family{i:05d}",
            birth_date=dt.date(1950 + i %% 50, 1 + i %% 12, 1 + i %% 28),
            email=f"p{i}@load.test", phase=rng.choice(list(Phase)).value)
    for i in range(N))
patients = list(Patient.objects.filter(clinic=clinic).order_by("pk"))
now = timezone.now()
CareTeamMember.objects.bulk_create(
    CareTeamMember(patient=p, staff_member=staff[i %% STAFF]["member"], role="prescriber",
                   started_at=now)
    for i, p in enumerate(patients))
tokens = []
for p in rng.sample(patients, CHECKINS):
    checkin = services.checkin_create(patient=p, instruments_=["gad7", "phq9"],
                                      context="weekly", due_at=now)
    tokens.append(services.link_issue(checkin, now))
    checkin.status = "sent"
    checkin.save(update_fields=["status"])
print(json.dumps({"staff": [{"email": s["email"], "key": s["key"]} for s in staff],
                  "tokens": tokens, "patients": [p.pk for p in patients]}))
"""

ITEMS = [f"gad7.{i}" for i in range(1, 8)] + [f"phq9.{i}" for i in range(1, 10)]


def totp(hex_key: str, at: float) -> str:
    counter = struct.pack(">Q", int(at) // 30)
    digest = hmac.new(bytes.fromhex(hex_key), counter, "sha1").digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


@dataclass
class Results:
    deadline: float
    samples: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    count: int = 0
    limit: int = MAX_REQUESTS
    pace: float = 1.0  # think times are multiplied by this (0: back to back)

    @property
    def open(self) -> bool:
        return time.monotonic() < self.deadline and self.count < min(self.limit, MAX_REQUESTS)


class Abandon(Exception):
    """The connection failed; this person gives up (recorded as an error of its kind)."""


class Person:
    """One browser: its own connection and cookies (kept by hand: they are Secure)."""

    def __init__(self, port: int, results: Results) -> None:
        self.client = httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}",
            # As the documented nginx talks to gunicorn: HTTP/1.0-style, one request per
            # connection (no upstream keep-alive).
            headers={"Host": HOST, "X-Forwarded-Proto": "https", "Connection": "close"},
            timeout=60,
        )
        self.cookies: dict[str, str] = {}
        self.results = results

    async def request(
        self, kind: str | None, method: str, path: str, expect: int | None, **kw: Any
    ) -> httpx.Response:
        headers = kw.pop("headers", {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "POST":
            headers.update(Origin=f"https://{HOST}", Referer=f"https://{HOST}{path}")
        started = time.perf_counter()
        try:
            response = await self.client.request(method, path, headers=headers, **kw)
        except httpx.TransportError as error:
            if kind is None:
                raise
            self.results.count += 1
            self.results.errors.setdefault(kind, []).append(f"{method} {path}: {error!r}")
            raise Abandon from error
        took = time.perf_counter() - started
        self.client.cookies.clear()
        for value in response.headers.get_list("set-cookie"):
            for name, morsel in SimpleCookie(value).items():
                self.cookies[name] = morsel.value
        if kind is not None:
            self.results.count += 1
            self.results.samples.setdefault(kind, []).append(took)
            if response.status_code != expect:
                self.results.errors.setdefault(kind, []).append(
                    f"{method} {path} -> {response.status_code}"
                )
        elif expect is not None and response.status_code != expect:
            raise RuntimeError(f"{method} {path} -> {response.status_code}: {response.text[:500]}")
        return response

    async def close(self) -> None:
        await self.client.aclose()


def csrf(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if not match:
        raise RuntimeError("no CSRF token")
    return match.group(1)


async def think(rng: random.Random, low: float, high: float, results: Results) -> bool:
    pause = rng.uniform(low, high) * results.pace
    await asyncio.sleep(min(pause, max(0.0, results.deadline - time.monotonic())))
    return results.open


async def patient(port: int, tokens: list[str], results: Results, rng: random.Random) -> None:
    """Opens the link, taps one answer every 2-5 s, submits; then the next patient."""
    while results.open and tokens:
        token = tokens.pop()
        person = Person(port, results)
        try:
            page = await person.request("checkin_open", "GET", f"/c/{token}/", 200)
            form = {"csrfmiddlewaretoken": csrf(page.text)}
            for name in ITEMS:
                if not await think(rng, 2, 5, results):
                    return
                value = "0" if name == "phq9.9" and rng.random() > 0.05 else str(rng.randint(0, 3))
                form[name] = value
                await person.request(
                    "checkin_tap",
                    "POST",
                    f"/c/{token}/save/",
                    200,
                    data={
                        "csrfmiddlewaretoken": form["csrfmiddlewaretoken"],
                        "name": name,
                        name: value,
                    },
                    headers={"HX-Request": "true"},
                )
            if not await think(rng, 2, 5, results):
                return
            await person.request("checkin_submit", "POST", f"/c/{token}/", 200, data=form)
        finally:
            await person.close()


async def staff(
    port: int, who: dict[str, str], patients: list[int], results: Results, rng: random.Random
) -> None:
    """Signs in (password + TOTP), then pages the list, searches and opens charts."""
    person = Person(port, results)
    try:
        page = await person.request(None, "GET", "/accounts/login/", 200)
        await person.request(
            None,
            "POST",
            "/accounts/login/",
            302,
            data={
                "username": who["email"],
                "password": PASSWORD,
                "csrfmiddlewaretoken": csrf(page.text),
            },
        )
        for attempt in range(2):
            # A code is accepted once per 30 s step (replay protection): on a second sign-in
            # within the same step, wait for the next code as a person would.
            page = await person.request(None, "GET", "/accounts/2fa/verify/", 200)
            response = await person.request(
                None,
                "POST",
                "/accounts/2fa/verify/",
                302 if attempt else None,
                data={
                    "code": totp(who["key"], time.time()),
                    "csrfmiddlewaretoken": csrf(page.text),
                },
            )
            if response.status_code == 302:
                break
            await asyncio.sleep(31 - time.time() % 30)
        while await think(rng, 2, 6, results):
            roll = rng.random()
            if roll < 0.35:
                page_no = rng.randint(1, len(patients) // 25)
                await person.request("staff_list", "GET", f"/patients/?page={page_no}", 200)
            elif roll < 0.5:
                query = f"Family{rng.randint(0, len(patients) - 1):05d}"[:-1]
                await person.request("staff_search", "GET", f"/patients/?q={query}", 200)
            elif roll < 0.9:
                await person.request(
                    "staff_chart", "GET", f"/patients/{rng.choice(patients)}/", 200
                )
            else:
                await person.request("staff_worklist", "GET", "/checkins/", 200)
    finally:
        await person.close()


async def bare(port: int, results: Results, interval: float = 0.5) -> None:
    """The yardstick: one request every 0.5 s to a view that does one INSERT."""
    person = Person(port, results)
    try:
        while results.open:
            await person.request("bare_insert", "GET", "/bench/insert/", 200)
            await asyncio.sleep(interval)
    finally:
        await person.close()


async def warm_up(port: int, token: str, workers: int) -> None:
    """Each worker compiles templates and opens its connections on its first requests."""
    results = Results(deadline=time.monotonic() + 120)
    person = Person(port, results)
    try:
        for _ in range(6 * workers):
            await person.request(None, "GET", "/bench/insert/", 200)
            await person.request(None, "GET", "/accounts/login/", 200)
            await person.request(None, "GET", f"/c/{token}/", 200)
    finally:
        await person.close()


async def serial(port: int, seed: dict[str, Any], tokens: list[str]) -> Results:
    """Each kind alone, back to back, one at a time: the service time with no queue."""
    results = Results(deadline=time.monotonic() + 120, pace=0)
    rng = random.Random(1)
    for _ in range(4):
        await patient(port, [tokens.pop()], results, rng)
    results.limit = results.count + 60
    await staff(port, seed["staff"][-1], seed["patients"], results, rng)
    results.limit = results.count + 30
    await bare(port, results, interval=0)
    return results


async def load(port: int, seed: dict[str, Any], tokens: list[str], args: Any) -> Results:
    await warm_up(port, tokens.pop(), workers=5)
    results = Results(deadline=time.monotonic() + args.duration)
    rng = random.Random(args.seed)

    async def later(delay: float, coro: Any) -> None:
        await asyncio.sleep(delay)
        with contextlib.suppress(Abandon):
            await coro

    tasks = [later(0, bare(port, results))]
    tasks += [
        later(rng.uniform(0, 5), staff(port, who, seed["patients"], results, random.Random(i)))
        for i, who in enumerate(seed["staff"][: args.staff])
    ]
    tasks += [
        later(rng.uniform(0, 10), patient(port, tokens, results, random.Random(100 + i)))
        for i in range(args.patients)
    ]
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=args.duration + 60)
    return results


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def summarise(results: Results, duration: float) -> dict[str, dict[str, float]]:
    table = {}
    for kind, values in sorted(results.samples.items()):
        table[kind] = {
            "count": len(values),
            "errors": len(results.errors.get(kind, [])),
            "per_s": len(values) / duration,
            "p50": percentile(values, 50) * 1000,
            "p95": percentile(values, 95) * 1000,
            "p99": percentile(values, 99) * 1000,
            "mean": statistics.fmean(values) * 1000,
        }
    base = table.get("bare_insert", {}).get("p50")
    for row in table.values():
        row["x_bare_p50"] = row["p50"] / base if base else float("nan")
    return table


def markdown(name: str, table: dict[str, dict[str, float]], duration: float | None) -> str:
    if duration:
        total = sum(r["count"] for r in table.values()) / duration
        name = f"{name} — {total:.1f} requests/s over {duration:.0f} s"
    lines = [
        f"**{name}**",
        "",
        "| request | count | errors | per s | p50 ms | p95 ms | p99 ms | p50 × bare |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for kind, r in table.items():
        lines.append(
            f"| {kind} | {r['count']} | {r['errors']} | {r['per_s']:.2f} | {r['p50']:.1f} "
            f"| {r['p95']:.1f} | {r['p99']:.1f} | {r['x_bare_p50']:.1f} |"
        )
    return "\n".join(lines)


def machine() -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return (
        f"{cpu}, nproc {os.cpu_count()}, {mem_kb / 1024 / 1024:.0f} GiB RAM, "
        f"Python {platform.python_version()}, load average at start "
        f"{os.getloadavg()[0]:.1f}"
    )


def run(args: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(  # noqa: S603
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"{args[1:3]} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(config: str, env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], int]:
    gunicorn_args, config_env = CONFIGS[config]
    port = free_port()
    with log.open("w") as log_file:
        server = subprocess.Popen(  # noqa: S603
            [
                str(ROOT / ".venv" / "bin" / "gunicorn"),
                "--config",
                str(ROOT / "scripts" / "gunicorn.conf.py"),
                "--bind",
                f"127.0.0.1:{port}",
                "--access-logfile",
                "/dev/null",
                *gunicorn_args,
                "ketacare.wsgi",
            ],
            cwd=ROOT,
            env={**env, **config_env},
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server, port
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start:\n{log.read_text()}") from None
            time.sleep(0.2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--configs", default="sync4,gthread2x4-pool")
    parser.add_argument("--duration", type=float, default=90, help="seconds per configuration")
    parser.add_argument("--patients", type=int, default=30, help="patients answering at once")
    parser.add_argument("--staff", type=int, default=8, help="staff paging at once")
    parser.add_argument("--clinic-size", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench-load.json")
    args = parser.parse_args()
    configs = args.configs.split(",")
    for config in configs:
        if config not in CONFIGS:
            parser.error(f"unknown configuration {config}; known: {', '.join(CONFIGS)}")
    admin_url = os.environ.get("DATABASE_URL", "")
    if not admin_url.startswith("postgres"):
        print("run me under scripts/with-postgres.sh (see make bench-load)", file=sys.stderr)
        return 2
    if args.duration > 600 or args.patients > 200 or args.staff > 50:
        parser.error("bounded: at most 600 s, 200 patients and 50 staff")

    parts = urlsplit(admin_url)
    name = "ketacare_load"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    var = Path(tempfile.mkdtemp(prefix="ketacare-load-"))
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("KETACARE_TESTING", "KETACARE_DEMO", "DEBUG")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="load_settings",
        PYTHONPATH=os.pathsep.join([str(ROOT / "bench" / "load"), str(ROOT)]),
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=HOST,
        SITE_URL=f"https://{HOST}",
        BEHIND_TLS_PROXY="true",
        DATABASE_URL=parts._replace(path=f"/{name}").geturl(),
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        KETACARE_VAR_DIR=str(var),
        STATIC_ROOT=str(var / "static"),
        AXES_ENABLED="false",  # one client address for everyone; lockout is not measured here
    )
    print(f"machine: {machine()}")
    started = time.monotonic()
    run([PY, "manage.py", "migrate", "--no-input", "-v0"], env)
    run([PY, "manage.py", "collectstatic", "--no-input", "-v0"], env)
    checkins = (args.patients * 3 + 6) * len(configs)
    seed = json.loads(
        run(
            [
                PY,
                "manage.py",
                "shell",
                "-c",
                SEED % (args.clinic_size, args.staff + 1, checkins, PASSWORD),
            ],
            env,
        )
        .strip()
        .splitlines()[-1]
    )
    print(
        f"seeded {args.clinic_size} patients, {checkins} check-ins in "
        f"{time.monotonic() - started:.0f}s"
    )
    report: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "args": {k: str(v) for k, v in vars(args).items()},
        "runs": {},
    }
    per_config = len(seed["tokens"]) // len(configs)
    for i, config in enumerate(configs):
        tokens = seed["tokens"][i * per_config : (i + 1) * per_config]
        log = var / f"gunicorn-{config}.log"
        server, port = serve(config, env, log)
        try:
            alone = asyncio.run(serial(port, seed, tokens))
            results = asyncio.run(load(port, seed, tokens, args))
        finally:
            server.terminate()
            server.wait(timeout=60)
        table = summarise(results, args.duration)
        alone_table = summarise(alone, 1.0)
        report["runs"][config] = {
            "table": table,
            "errors": results.errors,
            "alone": alone_table,
            "alone_errors": alone.errors,
        }
        print()
        print(markdown(config, table, args.duration))
        print()
        print(markdown(f"{config}, one request at a time (service time)", alone_table, None))
        for kind, errors in results.errors.items():
            print(f"  errors in {kind}: {errors[:5]}")
        if "Traceback" in log.read_text():
            print(f"  server errors logged in {log}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    print(f"\nwritten: {args.out}")
    return 1 if any(r["errors"] for r in report["runs"].values()) else 0


if __name__ == "__main__":
    sys.exit(main())
