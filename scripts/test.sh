#!/usr/bin/env bash
# Runs every test file with Node's test runner (TypeScript through tsx). Pass files to run a subset.
set -euo pipefail
cd "$(dirname "$0")/.."
if (($#)); then files=("$@"); else mapfile -t files < <(find packages bench scripts -path '*/node_modules' -prune -o -name '*.test.ts' -print | sort); fi
exec node --import tsx --test --test-concurrency=2 --test-timeout=180000 "${files[@]}"
