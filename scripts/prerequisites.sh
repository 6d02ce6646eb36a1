#!/usr/bin/env bash
# Installs what Dispatch needs on a Debian machine, when it is missing:
#   dotnet        the .NET 10 SDK (checked only: install it from Microsoft's packages if it is absent)
#   redis-server  Debian's redis-server (installed with apt when we run as root)
#   chromium      Debian's Chromium, for the browser tests (apt, as root)
#   fonts         fonts-wqy-microhei, so Chinese renders in the browser and its screenshots (apt, as root)
#   npm           Node.js and npm, which the build uses to install the pages' libraries (apt, as root)
# Usage: scripts/prerequisites.sh redis-server [chromium fonts npm ...]
set -euo pipefail

missing=()
for need in "$@"; do
  case "$need" in
    redis-server) command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || missing+=(redis-server) ;;
    chromium) [ -x /usr/bin/chromium ] || missing+=(chromium) ;;
    fonts) [ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || missing+=(fonts-wqy-microhei) ;;
    npm) command -v npm >/dev/null 2>&1 || missing+=(nodejs npm) ;;
    *) echo "prerequisites: unknown prerequisite '$need'" >&2; exit 2 ;;
  esac
done

if ! command -v dotnet >/dev/null 2>&1; then
  echo "Dispatch needs the .NET 10 SDK (dotnet); install it and run this again." >&2
  exit 1
fi

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing ${missing[*]} with apt-get ..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian starts the packaged service; Dispatch runs its own redis-server, so stop the system one.
  if command -v systemctl >/dev/null 2>&1; then systemctl disable --now redis-server >/dev/null 2>&1 || true; fi
  echo "Installed ${missing[*]}."
else
  echo "Missing: ${missing[*]}. Install it as root, e.g.: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
