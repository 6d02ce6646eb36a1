#!/usr/bin/env bash
# Runs every test of Dispatch (unit tests; grain, ingest and API tests against real redis-server processes that
# the fixtures start on free loopback ports; browser tests in headless Chromium against the running system),
# then prints one line: "N passed, N failed". Screenshots of the pages land in .artifacts/screenshots.
set -uo pipefail
cd "$(dirname "$0")"
scripts/prerequisites.sh redis-server chromium fonts npm || exit 1
mkdir -p .data
log=.data/test.log

projects=$(find tests -name '*.Tests.csproj' | wc -l)
dotnet build Dispatch.sln -c Release -nologo -v quiet 2>&1 | tail -n 30
if [ "${PIPESTATUS[0]}" -ne 0 ]; then
  echo "The build failed."
  echo "0 passed, 1 failed"
  exit 1
fi
# House style (.editorconfig), checked by dotnet format: its whitespace pass over the files as they are (quick, no
# build), then the code-style rules. A style failure counts as one failed test.
style=0
dotnet format whitespace --folder --verify-no-changes &&
  dotnet format style Dispatch.sln --verify-no-changes -v q || style=1
[ "$style" -eq 0 ] ||
  echo "The house style check failed: run 'dotnet format whitespace --folder' and 'dotnet format style'."
dotnet test Dispatch.sln -c Release --no-build -nologo 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

summaries=$(grep -E '^(Passed|Failed)! +- Failed: ' "$log")
sum() { awk '{ s += $1 } END { print s + 0 }'; }
passed=$(printf '%s\n' "$summaries" | sed -nE 's/.*Passed: +([0-9]+).*/\1/p' | sum)
failed=$(printf '%s\n' "$summaries" | sed -nE 's/.*Failed: +([0-9]+), Passed.*/\1/p' | sum)
reported=$(printf '%s\n' "$summaries" | grep -c . || true)
if [ "$reported" -lt "$projects" ]; then
  echo "Only $reported of $projects test projects reported a result (a test host crashed or aborted)."
  failed=$((failed + projects - reported))
fi
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
failed=$((failed + style))
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
