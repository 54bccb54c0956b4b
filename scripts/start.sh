#!/usr/bin/env bash
# The main job: set up everything (idempotent), build the WebAssembly package, show the
# diagnosis of a bundled example, then serve the demo page.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
bash scripts/build.sh
node scripts/show.mjs samples/xo-backup-log.json
if [ -f www/index.html ]; then
  PORT=${PORT:-8080}
  echo "Demo page: http://localhost:$PORT/ (Ctrl-C to stop)"
  exec python3 -m http.server "$PORT" --bind 127.0.0.1 --directory www
fi
