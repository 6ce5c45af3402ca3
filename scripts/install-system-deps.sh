#!/usr/bin/env bash
# System packages Mamori needs on Debian/Ubuntu, to run (build tools for better-sqlite3 and the native
# helpers) and to test (Chromium for the UI tests, ClamAV and its test files for comparisons, Xvfb and
# notification tools for the desktop tests). Safe to run again.
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
  build-essential python3 make gcc pkg-config ca-certificates \
  clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev \
  chromium clamav clamav-testfiles yara libyara-dev libjansson-dev libarchive-dev libssl-dev \
  xvfb xauth dbus dbus-x11 libnotify-bin dunst util-linux nftables iproute2 >/dev/null
echo "system packages installed"
