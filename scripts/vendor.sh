#!/usr/bin/env bash
# Re-fetch vendored front-end files from the npm registry (see static/vendor/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fetch() {  # package@version, file inside the package
  (cd "$tmp" && rm -rf package && npm pack --silent "$1" >/dev/null && tar xzf ./*.tgz && rm ./*.tgz)
  # The packages name source maps they do not ship with the minified file; a reference to
  # a missing file makes `collectstatic` (WhiteNoise's manifest storage) fail, so drop it.
  sed -E '/^\/\/[#@] sourceMappingURL=/d' "$tmp/package/$2" >"static/vendor/$(basename "$2")"
}
fetch htmx.org@2.0.11 dist/htmx.min.js
fetch vega@5.33.1 build/vega.min.js
fetch vega-lite@5.23.0 build/vega-lite.min.js
fetch vega-embed@6.29.0 build/vega-embed.min.js
fetch vega-interpreter@1.2.1 build/vega-interpreter.min.js
if grep -l 'sourceMappingURL=' static/vendor/*.js; then
  echo "FAIL: the files above still name a source map (see scripts/vendor.sh)" >&2; exit 1
fi
echo "vendored: $(ls static/vendor/*.js | xargs -n1 basename | tr '\n' ' ')"
