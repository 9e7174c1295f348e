#!/usr/bin/env bash
# Re-fetch vendored front-end files from the npm registry (see static/vendor/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fetch() {  # package@version, file inside the package
  (cd "$tmp" && rm -rf package && npm pack --silent "$1" >/dev/null && tar xzf ./*.tgz && rm ./*.tgz)
  cp "$tmp/package/$2" static/vendor/
}
fetch htmx.org@2.0.11 dist/htmx.min.js
fetch vega@5.33.1 build/vega.min.js
fetch vega-lite@5.23.0 build/vega-lite.min.js
fetch vega-embed@6.29.0 build/vega-embed.min.js
fetch vega-interpreter@1.2.1 build/vega-interpreter.min.js
echo "vendored: $(ls static/vendor/*.js | xargs -n1 basename | tr '\n' ' ')"
