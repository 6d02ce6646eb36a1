#!/usr/bin/env bash
# Runs Dispatch on this machine: a silo with its own redis-server (AOF, data in .data/redis) when one is
# installed or can be installed, else on in-memory providers. Extra arguments go to the silo, e.g.
#   ./run.sh --Redis:ConnectionString=redis.example:6379
set -euo pipefail
cd "$(dirname "$0")"
scripts/prerequisites.sh redis-server || echo "Going on without redis-server: state will live in memory only." >&2
exec dotnet run --project services/Dispatch.Silo -c Release -- "$@"
