#!/usr/bin/env bash
# Installs the Debian packages that building and testing actors needs. Idempotent: a package
# that is already installed is skipped, and nothing is downloaded when all of them are.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config
  libcaf-dev libboost-dev libssl-dev nlohmann-json3-dev doctest-dev
  iproute2 python3
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if ((EUID != 0)); then sudo="sudo"; fi
echo "setup: installing ${missing[*]}"
$sudo apt-get update -q -o DPkg::Lock::Timeout=300
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends \
  -o DPkg::Lock::Timeout=300 "${missing[@]}"
