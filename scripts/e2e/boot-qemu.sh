#!/usr/bin/env bash
# Boot an x86-64 Nanos image in QEMU without KVM (TCG), the way a Gevulot node attaches the
# workspace: a virtio-9p share with mount_tag=0, which Nanos mounts at /workspace for an image
# built with Mounts {"%1": "/workspace"} by ops 0.1.42 or later (.github/workflows/e2e.yml).
# Usage: boot-qemu.sh IMAGE WORKSPACE_DIR LOG_FILE
#   BOOT_TIMEOUT (seconds, default 180) guards against an image that never powers off.
# Exit status: 0 when the VM powered off by itself and the program exited 0, 1 otherwise.
set -euo pipefail

[ $# -eq 3 ] || { echo "usage: $0 IMAGE WORKSPACE_DIR LOG_FILE" >&2; exit 2; }
image=$1 workspace=$2 log=$3
mkdir -p "$workspace"

# Boot a copy: QEMU opens the drive read-write.
disk=$(mktemp --suffix=.img)
trap 'rm -f "$disk"' EXIT
cp -- "$image" "$disk"

set +e
timeout --kill-after=10 "${BOOT_TIMEOUT:-180}" \
  qemu-system-x86_64 \
  -machine q35 -accel tcg -cpu max -smp 1 -m 512 \
  -nographic -no-reboot -nic none \
  -device isa-debug-exit \
  -drive "if=virtio,format=raw,file=$disk" \
  -virtfs "local,path=$workspace,mount_tag=0,security_model=none,id=ws0" \
  </dev/null 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
echo # the serial console may end without a newline

# With isa-debug-exit, QEMU exits with (code << 1) | 1 when Nanos powers off with `code`;
# 0 means the VM shut down or reset without it (-no-reboot).
case $status in
  1) echo "QEMU: the program exited 0." ;;
  0) echo "QEMU exited 0: the VM powered off without reporting an exit code." ;;
  124 | 137)
    echo "::error title=boot::the VM did not power off within ${BOOT_TIMEOUT:-180} s"
    exit 1
    ;;
  *)
    if [ $((status % 2)) -eq 1 ]; then
      echo "::error title=boot::the program exited $(((status - 1) / 2))"
    else
      echo "::error title=boot::QEMU failed with exit status $status"
    fi
    exit 1
    ;;
esac
