#!/usr/bin/env bash
# First contact: installs what is missing, builds the first example in Release and runs it.
# Builds that one target only, so it takes a minute rather than the whole tree's build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash tools/setup.sh
nice -n 10 cmake --preset release
nice -n 10 cmake --build --preset release --target 01_hello_task
echo "=== running build/release/examples/01_hello_task"
build/release/examples/01_hello_task
