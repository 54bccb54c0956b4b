#!/usr/bin/env bash
# The main job: set up everything (idempotent), build the WebAssembly package, show the
# diagnosis of a bundled example, then build the demo page into www/dist/ (a self-contained
# static directory) and serve it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
bash scripts/build.sh
node scripts/show.mjs samples/xo-backup-log.json
node scripts/build-www.mjs
PORT=${PORT:-8080}
echo "Demo page: http://localhost:$PORT/ (Ctrl-C to stop)"
exec python3 -m http.server "$PORT" --bind 127.0.0.1 --directory www/dist
