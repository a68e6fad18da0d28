#!/usr/bin/env bash
# Runs every test file with Node's test runner (TypeScript through tsx). Pass files to run a subset.
# Without files (CI, `npm test`): every file in the embedded topology, then the server's API test
# files again in the distributed one (OPEN_SMOOTH_TEST_TOPOLOGY=distributed: 2 API + 2 worker child
# processes on PostgreSQL, Redis and S3 behind a round-robin proxy; packages/server/test/support/).
set -euo pipefail
cd "$(dirname "$0")/.."
run() {
  node --import tsx --test --test-concurrency=2 --test-timeout=180000 "$@"
}
if (($#)); then
  run "$@"
  exit
fi
mapfile -t files < <(find packages bench scripts -path '*/node_modules' -prune -o -name '*.test.ts' -print | sort)
run "${files[@]}"
# The API test files are those that start servers through the test fixture. Left out: files that
# build a topology of their own (worker leases; the distributed fault and alternating-session tests).
mapfile -t api_files < <(grep -l -E 'startTestServer|useSessionServer' packages/server/test/*.test.ts | grep -v -E '/(worker-leases|distributed-[a-z-]+)\.test\.ts$' | sort)
echo "# the server API tests again, distributed: ${#api_files[@]} files"
OPEN_SMOOTH_TEST_TOPOLOGY=distributed run "${api_files[@]}"
