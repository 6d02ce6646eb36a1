#!/usr/bin/env bash
# Runs Dispatch on this machine in one process: the silo, the ingest front door (gRPC on port 5081), the API
# with the pages (http://127.0.0.1:5080/) and a simulated city feeding it, on a redis-server the process starts
# itself (AOF, data in .data/redis), installed with apt when missing (as root). Dispatch keeps its state in Redis:
# without redis-server (and without Redis:ConnectionString) it does not start, and says so.
# Everything listens on loopback. A redis-server left running by a killed run is taken over (its pid file is in
# .data/redis); one still loading its AOF is waited for, and the start says so.
# Extra arguments go to the host, e.g.
#   ./run.sh --Redis:ConnectionString=redis.example:6379 --Simulator:Enabled=false
set -euo pipefail
cd "$(dirname "$0")"
scripts/prerequisites.sh npm || exit 1
scripts/prerequisites.sh redis-server ||
  echo "redis-server could not be installed: give --Redis:ConnectionString of a Redis." >&2
exec dotnet run --project services/Dispatch.Local -c Release -- "$@"
