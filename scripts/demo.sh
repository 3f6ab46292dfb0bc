#!/usr/bin/env bash
# The README's first command: installs what is missing, builds Release and
# runs the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j "$(nproc)" --target quickstart
build/release/bin/quickstart
