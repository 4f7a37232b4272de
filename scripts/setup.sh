#!/usr/bin/env bash
# Create .venv and install facestyle into it. "setup.sh test" also installs the test tools and the
# cluster extra, Debian's chromium for the web studio's browser test (Playwright drives it; its own
# browser download is never used) and Debian's redis-server for the cluster tests (each test
# starts its own private server; the system service is not used).
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
# The cluster tests are part of the suite, so the test tools bring the cluster extra along.
if [[ ",$extras," == *",test,"* ]] && [[ ",$extras," != *",cluster,"* ]]; then
    extras="$extras,cluster"
fi
spec="."
[ -n "$extras" ] && spec=".[$extras]"
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e "$spec"
if [[ ",$extras," == *",test,"* ]] && ! command -v chromium >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "setup: installing chromium (Debian package) for the browser test" >&2
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
        echo "setup: chromium is missing; install it (apt-get install chromium) or the browser test is skipped" >&2
    fi
fi
if [[ ",$extras," == *",test,"* ]] && ! command -v redis-server >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "setup: installing redis-server (Debian package) for the cluster tests" >&2
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
    else
        echo "setup: redis-server is missing; install it (apt-get install redis-server) or the cluster tests are skipped" >&2
    fi
fi
