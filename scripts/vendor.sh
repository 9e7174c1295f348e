#!/usr/bin/env bash
# Re-fetch vendored front-end files from the npm registry (see static/vendor/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent htmx.org@2.0.11 >/dev/null && tar xzf htmx.org-*.tgz)
cp "$tmp/package/dist/htmx.min.js" static/vendor/htmx.min.js
echo "vendored htmx 2.0.11"
