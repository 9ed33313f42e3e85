#!/usr/bin/env bash
# Installs every Debian package that auditsync needs to build, test, benchmark and run its demo.
# Idempotent: packages already present are skipped, so a second run does nothing.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config clang-format git
  # libraries (see STYLE.md "Dependencies")
  libcurl4-openssl-dev libsimdjson-dev nlohmann-json3-dev libsqlite3-dev libcli11-dev
  libtomlplusplus-dev libspdlog-dev libfmt-dev libssl-dev libcpp-httplib-dev libpq-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev sqlite3 openssl python3 time
  # the PostgreSQL store's tests start a throw-away server (tests/pg/pg_cluster.sh); runuser
  # (util-linux) runs it as nobody when the tests run as root
  postgresql util-linux
  # the HTML report test opens the page in headless Chromium
  chromium
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
