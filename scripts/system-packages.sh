#!/usr/bin/env bash
# The Debian packages the tests need beside Python, installed when missing: Chromium and a font for the browser
# tests (Playwright's own browser download is not reachable), and PostgreSQL, whose server the topology tests
# start as a throwaway cluster on loopback. The README's test command and .ci/run call this.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium fonts-liberation)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql postgresql-contrib)
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing Debian packages: ${missing[*]}" >&2
$sudo apt-get update -qq
# Debian's package may start its own cluster on port 5432; the tests start theirs on a free port regardless.
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
