#!/usr/bin/env bash
# Rebuilds what is older than its sources, so `npm test` never runs against a
# stale addon, stale generated names or a stale CLI. Quiet when everything is current.
set -euo pipefail
cd "$(dirname "$0")/.."
addon=build/Release/ferry_native.node
if [ ! -f "$addon" ] || [ ! -x build/Release/ferry-log-shim ] || [ -n "$(find native binding.gyp -newer "$addon" -print -quit)" ]; then
  npm run --silent build:native
fi
names=src/dataplane/generated/names.ts
if [ ! -f "$names" ] || [ "$addon" -nt "$names" ]; then
  npm run --silent build:names
fi
cli=dist/src/cli/main.js
if [ ! -f "$cli" ] || [ -n "$(find src bench fuzz tsconfig.json -newer "$cli" -print -quit)" ]; then
  npm run --silent build:ts
fi
