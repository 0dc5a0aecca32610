/**
 * The x86-64 machine, as a Gevulot node starts it (nanos-boot.md): q35, `-cpu max`, the raw
 * image read-only behind virtio-scsi, `isa-debug-exit` for the exit status, the workspace as a
 * 9p share with `mount_tag=0`, the serial console on stdout, and `-no-reboot` so that a reset
 * ends the run instead of looping. With `debug_exit`, Nanos writes the code to the debug-exit
 * port and QEMU exits with `(code << 1) | 1`; an even status (0: a reset or an ACPI power-off)
 * carries no code.
 */
import { qemuOption, workspaceShare, type Machine, type MachineSpec } from './shared.js'

export const x86_64: Machine = {
  arch: 'amd64',
  binary: 'qemu-system-x86_64',
  package: 'qemu-system-x86',
  args: (m: MachineSpec) => [
    ...['-machine', `q35,accel=${m.accel}`, '-cpu', 'max'],
    ...['-smp', String(m.cpus), '-m', m.memory],
    ...['-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot'],
    ...['-device', 'isa-debug-exit', '-device', 'virtio-rng-pci'],
    ...['-drive', `file=${qemuOption(m.image)},format=raw,if=none,id=hd0,readonly=on`],
    ...['-device', 'virtio-scsi-pci,id=scsi0', '-device', 'scsi-hd,bus=scsi0.0,drive=hd0'],
    ...workspaceShare(m.workspace),
    ...['-serial', 'stdio']
  ],
  exitCode: status => (status % 2 === 1 ? (status - 1) / 2 : undefined)
}
