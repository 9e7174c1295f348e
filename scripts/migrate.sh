#!/usr/bin/env bash
# Apply migrations as the owner role, then give the app role its privileges on every table
# (new tables included). Reads DATABASE_OWNER_URL (the owner) and DATABASE_URL (the app role)
# from the environment; see docs/deploy.md, "PostgreSQL roles". Run after every upgrade.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
: "${DATABASE_OWNER_URL:?set DATABASE_OWNER_URL to the owner role's URL}"
: "${DATABASE_URL:?set DATABASE_URL to the application role's URL}"
app_role=$("$PY" -c 'import os, urllib.parse as u; print(u.urlsplit(os.environ["DATABASE_URL"]).username or "")')
[ -n "$app_role" ] || { echo "DATABASE_URL names no role" >&2; exit 1; }
DATABASE_URL="$DATABASE_OWNER_URL" "$PY" manage.py migrate --no-input
DATABASE_URL="$DATABASE_OWNER_URL" "$PY" manage.py grant_app_role "$app_role"
