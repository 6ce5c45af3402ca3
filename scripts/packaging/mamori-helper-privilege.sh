#!/bin/sh
# Gives Mamori's native helpers exactly the kernel capabilities they need, so the desktop app can start
# them while it (and Chromium) runs as the user, never as root. Only root and members of the `mamori`
# group may run the helpers: they see every program every user starts, with its command line.
#
#   mamori-helper-privilege.sh grant [--group NAME] [--add-user USER] HELPERS_DIR
#       create the group (system group) if missing; for each helper in HELPERS_DIR: owner root:GROUP,
#       mode 0750, file capabilities below; add USER to the group (effective at their next login)
#   mamori-helper-privilege.sh caps HELPER_NAME     print the capabilities HELPER_NAME gets
#
# Capabilities, measured with `setpriv --reuid nobody` on Linux 6.18 (see README, "How telemetry gets
# its privilege"):
#   mamori-proc-ebpf  cap_bpf,cap_perfmon (loading tracing programs needs both; either alone: EPERM);
#                     + cap_sys_resource on kernels before 5.11, where BPF memory counts against RLIMIT_MEMLOCK
#   mamori-proc-cn    cap_net_admin (joining the proc connector's multicast group, SO_RCVBUFFORCE)
# Used by the deb package's after-install script, and runnable by hand: `mamori status` prints the exact line.
set -eu

GROUP=mamori
ADD_USER=

die() { echo "mamori-helper-privilege: $*" >&2; exit 1; }

# True when the running kernel is older than MAJOR.MINOR.
kernel_older() {
  release=$(uname -r)
  major=$(echo "$release" | cut -d. -f1)
  minor=$(echo "$release" | cut -d. -f2 | sed 's/[^0-9].*//')
  [ "$major" -lt "$1" ] || { [ "$major" -eq "$1" ] && [ "$minor" -lt "$2" ]; }
}

caps_for() {
  case "$1" in
    mamori-proc-ebpf)
      if kernel_older 5 11; then echo cap_bpf,cap_perfmon,cap_sys_resource; else echo cap_bpf,cap_perfmon; fi ;;
    mamori-proc-cn) echo cap_net_admin ;;
    *) echo "" ;;
  esac
}

grant() {
  dir=$1
  [ "$(id -u)" -eq 0 ] || die "must run as root (sudo)"
  [ -d "$dir" ] || die "no helpers folder at $dir"
  command -v setcap >/dev/null 2>&1 || die "setcap not found: install libcap2-bin (Debian/Ubuntu) or libcap (Fedora)"
  if ! getent group "$GROUP" >/dev/null; then
    groupadd --system "$GROUP" || die "could not create the group $GROUP"
    echo "mamori: created the group $GROUP"
  fi
  found=0
  for helper in "$dir"/mamori-*; do
    [ -f "$helper" ] || continue
    found=$((found + 1))
    name=$(basename "$helper")
    # chown clears file capabilities, so it comes first.
    chown "root:$GROUP" "$helper"
    chmod 0750 "$helper"
    caps=$(caps_for "$name")
    if [ -n "$caps" ]; then
      setcap "$caps+ep" "$helper" || die "setcap $caps+ep failed on $helper (a filesystem without extended attributes?)"
      echo "mamori: $name may now use $caps (owner root:$GROUP, mode 0750)"
    else
      echo "mamori: $name needs no capabilities (owner root:$GROUP, mode 0750)"
    fi
  done
  [ "$found" -gt 0 ] || die "no helpers (mamori-*) in $dir"
  if [ -n "$ADD_USER" ]; then
    [ "$ADD_USER" != root ] || return 0
    id "$ADD_USER" >/dev/null 2>&1 || die "no user named $ADD_USER"
    usermod -a -G "$GROUP" "$ADD_USER" || die "could not add $ADD_USER to $GROUP"
    echo "mamori: $ADD_USER is in the group $GROUP from their next login (log out and back in)"
  fi
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
  grant)
    while [ $# -gt 1 ]; do
      case "$1" in
        --group) GROUP=$2; shift 2 ;;
        --add-user) ADD_USER=$2; shift 2 ;;
        *) die "unknown option $1" ;;
      esac
    done
    [ $# -eq 1 ] || die "usage: $0 grant [--group NAME] [--add-user USER] HELPERS_DIR"
    grant "$1" ;;
  caps)
    [ $# -eq 1 ] || die "usage: $0 caps HELPER_NAME"
    caps_for "$1" ;;
  *) die "usage: $0 grant [--group NAME] [--add-user USER] HELPERS_DIR | caps HELPER_NAME" ;;
esac
