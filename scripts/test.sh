#!/usr/bin/env bash
# Set up (once) and run the default test suite: the README's test command.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
.venv/bin/python -m pytest "$@"
