import { describe, expect, it } from '@jest/globals'
import { machineFor } from '../../src/boot/machine/index.js'

const spec = {
  image: '/t/img,1',
  kernel: '/k/kernel.img',
  workspace: '/w',
  cpus: 2,
  memory: '2G'
}

describe('the machines', () => {
  it('x86-64: q35 as a Gevulot node runs it, exit status (code << 1) | 1', () => {
    const m = machineFor('amd64')
    const args = m.args({ ...spec, accel: 'tcg' }).join(' ')
    expect(m.binary).toBe('qemu-system-x86_64')
    expect(args).toContain('-machine q35,accel=tcg -cpu max')
    expect(args).toContain('-device isa-debug-exit')
    expect(args).toContain('file=/t/img,,1,format=raw,if=none,id=hd0,readonly=on')
    expect(args).toContain('-virtfs local,path=/w,mount_tag=0,')
    expect(args).toContain('-no-reboot')
    expect(args).not.toContain('-kernel')
    expect([7, 1, 23, 0, 2].map(s => m.exitCode(s))).toEqual([3, 0, 11, undefined, undefined])
  })

  it('arm64: virt with the release kernel and semihosting, raw exit codes; KVM takes the host CPU', () => {
    const m = machineFor('arm64')
    expect(m.binary).toBe('qemu-system-aarch64')
    expect(m.package).toBe('qemu-system-arm')
    const tcg = m.args({ ...spec, accel: 'tcg' }).join(' ')
    expect(tcg).toContain('-machine virt,gic-version=2,accel=tcg -cpu max')
    expect(tcg).toContain('-semihosting')
    expect(tcg).toContain('-kernel /k/kernel.img')
    expect(tcg).toContain('-device virtio-blk-pci,drive=hd0')
    expect(tcg).toContain('-virtfs local,path=/w,mount_tag=0,')
    expect(m.args({ ...spec, accel: 'kvm' }).join(' ')).toContain(
      '-machine virt,gic-version=host,accel=kvm -cpu host'
    )
    expect([0, 3, 11, 126].map(s => m.exitCode(s))).toEqual([0, 3, 11, 126])
  })
})
