#!/usr/bin/env bash
# Upgrade check for the move of check-ins from `measures` into their own app (`checkins`).
#
# A database made and filled by the code *before* the move (migrate, the demo clinic, a
# link issued there) is migrated by the code in this checkout. Then every check-in row, its
# delivery record, links, a patient's plan and history must still be there, read through the new models;
# the link issued before must still open; the worker must run a round; and neither migration
# may emit SQL. Exit status 0 only if all of that holds.
#
#   scripts/check-checkins-move.sh [commit-before-the-move]              # SQLite
#   scripts/with-postgres.sh scripts/check-checkins-move.sh [commit]     # PostgreSQL
set -euo pipefail
before=${1:-e0765f0}
root=$(cd "$(dirname "$0")/.." && pwd)
PY=${PYTHON:-$root/.venv/bin/python}
tmp=$(mktemp -d /tmp/ketacare-move.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/old"
git -C "$root" archive "$before" | tar -x -C "$tmp/old"
export KETACARE_DEMO=true PYTHONDONTWRITEBYTECODE=1
[ -n "${DATABASE_URL:-}" ] || export SQLITE_PATH="$tmp/db.sqlite3"

# The tables as stored, by plain SQL, so the same query reads them before and after.
cat > "$tmp/dump.py" <<'EOF'
import hashlib, json
from django.db import connection
TABLES = ["measures_checkin", "measures_checkinevent", "measures_checkinlink",
          "measures_measurementplan", "measures_historicalcheckin",
          "measures_historicalmeasurementplan"]
out = {}
with connection.cursor() as c:
    for t in TABLES:
        c.execute(f"SELECT * FROM {t} ORDER BY 1")
        rows = [repr(r) for r in c.fetchall()]
        out[t] = {"rows": len(rows), "digest": hashlib.sha256("\n".join(rows).encode()).hexdigest()}
    c.execute("SELECT id, checkin_id FROM measures_response WHERE checkin_id IS NOT NULL ORDER BY id")
    out["responses_with_checkin"] = [list(r) for r in c.fetchall()]
print(json.dumps(out))
EOF

echo "== before the move ($before): migrate, seed the demo clinic, issue a link"
(
  cd "$tmp/old"
  "$PY" -c 'import ketacare, sys; p = ketacare.__file__; sys.exit(0 if p.startswith(sys.argv[1]) else f"old code not in use: {p}")' "$tmp/old"
  "$PY" manage.py migrate --no-input -v0
  "$PY" manage.py demo_seed >/dev/null
  "$PY" manage.py shell -v0 -c '
from django.utils import timezone
from ketacare.measures import services
from ketacare.measures.models import CheckIn, CheckInStatus
from ketacare.accounts.models import User
c = CheckIn.objects.filter(status=CheckInStatus.SENT).order_by("pk").first()
services.measurement_plan_save(
    patient=c.patient, calendar_instruments=["gad7"], interval_days={"induction": 3},
    after_dose=False, by=User.objects.filter(is_staff=False).order_by("pk").first())
print(c.pk, services.link_issue(c, timezone.now()))' > "$tmp/link.txt"
  "$PY" manage.py shell -v0 -c "exec(open('$tmp/dump.py').read())" > "$tmp/before.json"
)

echo "== after the move (this checkout): no SQL, migrate, read everything back"
cd "$root"
for m in "checkins 0001" "measures 0005"; do
  sql=$("$PY" manage.py sqlmigrate $m)
  if echo "$sql" | grep -qiE '^\s*(CREATE|ALTER|DROP|INSERT|UPDATE|DELETE)\b'; then
    echo "FAIL: sqlmigrate $m emits SQL:"; echo "$sql"; exit 1
  fi
done
"$PY" manage.py migrate --no-input -v0
"$PY" manage.py shell -v0 -c "exec(open('$tmp/dump.py').read())" > "$tmp/after.json"
"$PY" manage.py worker --once >/dev/null
"$PY" manage.py shell -v0 -c "
import json
from django.test import Client
from django.urls import reverse
from ketacare.checkins.models import CheckIn, CheckInEvent, CheckInLink, MeasurementPlan
from ketacare.checkins.services import checkin_for_token
from ketacare.measures.models import Response

before = json.load(open('$tmp/before.json'))
after = json.load(open('$tmp/after.json'))
problems = []
if before != after:
    problems.append('the stored rows changed: %s / %s' % (before, after))
counts = {
    'measures_checkin': CheckIn.objects.count(),
    'measures_checkinevent': CheckInEvent.objects.count(),
    'measures_checkinlink': CheckInLink.objects.count(),
    'measures_measurementplan': MeasurementPlan.objects.count(),
    'measures_historicalcheckin': CheckIn.history.count(),
    'measures_historicalmeasurementplan': MeasurementPlan.history.count(),
}
for table, n in counts.items():
    # The worker's round may add events; every row from before must still be read.
    if n < before[table]['rows']:
        problems.append(f'{table}: {before[table][\"rows\"]} rows before, {n} through the new model')
linked = [[r.pk, r.checkin.pk] for r in Response.objects.filter(checkin__isnull=False).select_related('checkin').order_by('pk')]
if linked != before['responses_with_checkin']:
    problems.append('responses no longer reach their check-ins')
pk, token = open('$tmp/link.txt').read().split()
found, _ = checkin_for_token(token)
page = Client().get(reverse('measures:link', args=[token]))
if found is None or found.pk != int(pk) or page.status_code != 200:
    problems.append(f'the link issued before the move does not open ({page.status_code})')
print('check-ins:', counts['measures_checkin'], '· events:', counts['measures_checkinevent'],
      '· links:', counts['measures_checkinlink'], '· plans:', counts['measures_measurementplan'],
      '· history rows:', counts['measures_historicalcheckin'] + counts['measures_historicalmeasurementplan'],
      '· responses linked:', len(linked), '· old link:', page.status_code)
if problems:
    raise SystemExit('FAIL: ' + '; '.join(problems))
print('OK: every check-in kept and readable after the move')
"
