/**
 * The arm64 machine, as ops boots an arm64 image (nanos-boot.md, "arm64 images"):
 * `qemu-system-aarch64 -machine virt`, the release's kernel.img given with `-kernel` (the image's
 * boot filesystem holds the kernel, but no firmware reads it), the raw image read-only behind
 * virtio-blk, the workspace as a virtio-9p PCI share with `mount_tag=0`, the serial console on
 * stdout, `-semihosting` (without it `debug_exit` cannot end QEMU with the code) and `-no-reboot`.
 * QEMU then exits with the code as it is (exit 3 → 3, SIGSEGV → 11, a kernel fault → 126).
 * Under KVM (an arm64 runner) the guest takes the host's CPU and interrupt controller.
 */
import { qemuOption, workspaceShare, type Machine, type MachineSpec } from './shared.js'

export const arm64: Machine = {
  arch: 'arm64',
  binary: 'qemu-system-aarch64',
  package: 'qemu-system-arm',
  args: (m: MachineSpec) => [
    ...(m.accel === 'kvm'
      ? ['-machine', 'virt,gic-version=host,accel=kvm', '-cpu', 'host']
      : ['-machine', 'virt,gic-version=2,accel=tcg', '-cpu', 'max']),
    ...['-smp', String(m.cpus), '-m', m.memory],
    ...['-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot', '-semihosting'],
    ...['-kernel', m.kernel],
    ...['-drive', `file=${qemuOption(m.image)},format=raw,if=none,id=hd0,readonly=on`],
    ...['-device', 'virtio-blk-pci,drive=hd0'],
    ...workspaceShare(m.workspace),
    ...['-serial', 'stdio']
  ],
  exitCode: status => (status >= 0 && status <= 255 ? status : undefined)
}
