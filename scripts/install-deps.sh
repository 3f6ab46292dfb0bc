#!/usr/bin/env bash
# Installs the Debian packages hashsketch needs, only those that are missing.
# As root: apt-get installs them. Otherwise: prints the exact command to run.
# Does nothing (and touches no network) when everything is there.
set -euo pipefail

packages=(
  cmake g++ make pkg-config
  libxxhash-dev catch2 libbenchmark-dev   # library, tests, benchmarks
  clang libclang-rt-14-dev                # libFuzzer targets
  redis-server libhiredis-dev             # Redis interoperability tests / example
  postgresql-15 postgresql-15-hll libpq-dev  # PostgreSQL hll interoperability tests / example
  zlib1g-dev                              # postgresql_test reads the gzip-compressed reference data
  g++-aarch64-linux-gnu qemu-user         # NEON kernels: cross-compiled, run under qemu
)
# Extra packages a caller may add: HASHSKETCH_EXTRA_PACKAGES="a b"
# shellcheck disable=SC2206
packages+=(${HASHSKETCH_EXTRA_PACKAGES:-})

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-deps: not a Debian/Ubuntu system; install the equivalents of: ${missing[*]}" >&2
  exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null ||
    { apt-get update >/dev/null && apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; }
else
  echo "install-deps: missing packages. Run:" >&2
  echo "  sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
