#!/usr/bin/env bash
# Set up (once) and paint the bundled demo photo in the style of the bundled painting.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/facestyle run examples/face_04_christina_koch_nasa_2014.jpg examples/style_vangogh_selfportrait_1889.jpg \
    -o portrait.png --log portrait.costs.csv --plot portrait.costs.png "$@"
