/**
 * The bad-input cases of issue 4, as data: each sets up a workspace, gives the inputs of one
 * mistake, and says which input the single error must name and what it must tell the user to do.
 *
 * Shared by __tests__/e2e/bad-input.test.ts and scripts/troubleshooting-table.mjs (which
 * transpiles this file next to the harness), so this module must not import Jest.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { writeElf, writeFile, writeScript, type Workspace } from '../harness/fixtures.js'

export interface BadInputRun {
  /** Inputs on top of the suite's (`mirror`, `upload: false`); undefined removes one. */
  inputs: Record<string, string | undefined>
  env?: Record<string, string | undefined>
}

export interface BadInputCase {
  /** What the user did wrong, as a row title. */
  name: string
  /** The input the error must name, in backticks. */
  input: string
  /** What the message must say (the problem and what to do about it). */
  says: RegExp
  /** Prepares `ws` (a workspace holding an x86-64 ELF at ws.relBinary) and gives the run. */
  setup(ws: Workspace): BadInputRun
}

/** Makes the action process believe it runs on Windows, before dist/index.js loads. */
export const WINDOWS_NODE_OPTIONS =
  "--import=data:text/javascript,Object.defineProperty(process,'platform',{value:'win32'})"

const json = (ws: Workspace, name: string, text: string): string => {
  writeFile(path.join(ws.dir, name), text)
  return name
}

export const BAD_INPUT_CASES: BadInputCase[] = [
  {
    name: 'no binary given',
    input: 'binary',
    says: /is required: give the path of your compiled program/,
    setup: () => ({ inputs: { binary: '' } })
  },
  {
    name: 'binary does not exist',
    input: 'binary',
    says: /target\/release\/nope does not exist: build the program before this step/,
    setup: () => ({ inputs: { binary: 'target/release/nope' } })
  },
  {
    name: 'binary is a directory',
    input: 'binary',
    says: /is a directory: give the compiled program file inside it/,
    setup: () => ({ inputs: { binary: 'target/release' } })
  },
  {
    name: 'binary is a shell script (not ELF)',
    input: 'binary',
    says: /is not an ELF executable \(it is a script\): give the compiled Linux program/,
    setup: ws => {
      writeScript(path.join(ws.dir, 'run.sh'))
      return { inputs: { binary: 'run.sh' } }
    }
  },
  {
    name: 'binary is a 32-bit ELF',
    input: 'binary',
    says: /is a 32-bit ELF program: Nanos runs 64-bit programs only; build for x86_64/,
    setup: ws => {
      writeElf(path.join(ws.dir, 'prover32'), { cls: 32, machine: 3 })
      return { inputs: { binary: 'prover32' } }
    }
  },
  {
    name: 'arm64 binary with `arch: amd64`',
    input: 'arch',
    says: /is amd64, but \S+ is an arm64 program: remove `arch`.* or build for amd64/,
    setup: ws => {
      writeElf(path.join(ws.dir, 'prover_arm'), { machine: 'aarch64' })
      return { inputs: { binary: 'prover_arm', arch: 'amd64' } }
    }
  },
  {
    name: 'arm64 binary with `arch: amd64`, `profile: nanos`',
    input: 'arch',
    says: /is amd64, but \S+ is an arm64 program: remove `arch`.* or build for amd64/,
    setup: ws => {
      writeElf(path.join(ws.dir, 'prover_arm'), { machine: 'aarch64' })
      return { inputs: { binary: 'prover_arm', arch: 'amd64', profile: 'nanos' } }
    }
  },
  {
    name: '`program: ../x`',
    input: 'program',
    says: /"\.\.\/x" must be a plain file name, without \//,
    setup: ws => ({ inputs: { binary: ws.relBinary, program: '../x' } })
  },
  {
    name: '`program: a/b`',
    input: 'program',
    says: /"a\/b" must be a plain file name, without \//,
    setup: ws => ({ inputs: { binary: ws.relBinary, program: 'a/b' } })
  },
  {
    name: '`image-name: ../x`',
    input: 'image-name',
    says: /"\.\.\/x" must be a plain file name, without \//,
    setup: ws => ({ inputs: { binary: ws.relBinary, 'image-name': '../x' } })
  },
  {
    name: '`image-name: a/b`',
    input: 'image-name',
    says: /"a\/b" must be a plain file name, without \//,
    setup: ws => ({ inputs: { binary: ws.relBinary, 'image-name': 'a/b' } })
  },
  {
    name: 'base manifest with `"Program": ""`',
    input: 'manifest',
    says: /"Program" must not be empty: give a plain file name/,
    setup: ws => ({
      inputs: {
        binary: ws.relBinary,
        manifest: json(ws, 'empty-program.json', '{"Program": ""}')
      }
    })
  },
  {
    name: '`env` line without `=`',
    input: 'env',
    says: /entry 2 has no "=": write one KEY=VALUE per line/,
    setup: ws => ({
      inputs: { binary: ws.relBinary, env: 'RUST_LOG=info\nSECRET_TOKEN_VALUE_123' }
    })
  },
  {
    name: '`env` key that is not a variable name',
    input: 'env',
    says: /entry 1: "1BAD-KEY" is not a valid variable name \(letters, digits and _/,
    setup: ws => ({ inputs: { binary: ws.relBinary, env: '1BAD-KEY=value' } })
  },
  {
    name: '`mounts` line without `:`',
    input: 'mounts',
    says: /"%1 \/workspace" is not LABEL:PATH: write e\.g\. %1:\/workspace/,
    setup: ws => ({ inputs: { binary: ws.relBinary, mounts: '%1 /workspace' } })
  },
  {
    name: '`manifest` file missing',
    input: 'manifest',
    says: /nope\.json cannot be read: check the path \(relative to `working-directory`\)/,
    setup: ws => ({ inputs: { binary: ws.relBinary, manifest: 'nope.json' } })
  },
  {
    name: '`manifest` is not JSON',
    input: 'manifest',
    says: /bad\.json is not valid JSON: /,
    setup: ws => ({
      inputs: { binary: ws.relBinary, manifest: json(ws, 'bad.json', '{"Program": "x",}') }
    })
  },
  {
    name: '`manifest` is not an object',
    input: 'manifest',
    says: /array\.json: must be a JSON object, e\.g\. \{"Program"/,
    setup: ws => ({
      inputs: { binary: ws.relBinary, manifest: json(ws, 'array.json', '["my_prover"]') }
    })
  },
  {
    name: '`manifest` has an unknown key',
    input: 'manifest',
    says: /key "Runtime" is not an ops configuration key .*Remove it or fix its spelling/,
    setup: ws => ({
      inputs: {
        binary: ws.relBinary,
        manifest: json(ws, 'runtime.json', '{"Runtime": "rust"}')
      }
    })
  },
  {
    name: '`manifest` with a non-string `ManifestPassthrough` value',
    input: 'manifest',
    says: /"ManifestPassthrough\.readonly_rootfs" holds a boolean true: .*Quote it/,
    setup: ws => ({
      inputs: {
        binary: ws.relBinary,
        manifest: json(ws, 'bool.json', '{"ManifestPassthrough": {"readonly_rootfs": true}}')
      }
    })
  },
  {
    name: '`ops-version` is not a version',
    input: 'ops-version',
    says: /"1\.46" is not a version: write a release number such as 0\.1\.46, or latest/,
    setup: ws => ({ inputs: { binary: ws.relBinary, 'ops-version': '1.46' } })
  },
  {
    name: '`nanos-version` is not a version',
    input: 'nanos-version',
    says: /"newest" is not a version: write a release number such as 0\.1\.46, or latest/,
    setup: ws => ({ inputs: { binary: ws.relBinary, 'nanos-version': 'newest' } })
  },
  {
    name: '`mirror` is not a URL',
    input: 'mirror',
    says: /"storage\.example\.com" is not a URL: write e\.g\. https:\/\/storage\.googleapis\.com/,
    setup: ws => ({ inputs: { binary: ws.relBinary, mirror: 'storage.example.com' } })
  },
  {
    name: '`mirror` is not http(s)',
    input: 'mirror',
    says: /"ftp:\/\/mirror\.example\.com" must be an http\(s\) URL/,
    setup: ws => ({ inputs: { binary: ws.relBinary, mirror: 'ftp://mirror.example.com' } })
  },
  {
    name: '`retention-days` out of range',
    input: 'retention-days',
    says: /"91" is out of range: give a whole number from 0 to 90/,
    setup: ws => ({ inputs: { binary: ws.relBinary, 'retention-days': '91' } })
  },
  {
    name: '`compression-level` out of range',
    input: 'compression-level',
    says: /"10" is out of range: give a whole number from 0 to 9/,
    setup: ws => ({ inputs: { binary: ws.relBinary, 'compression-level': '10' } })
  },
  {
    name: 'a boolean input that is not a boolean',
    input: 'summary',
    says: /"yes" is not a boolean: write true or false/,
    setup: ws => ({ inputs: { binary: ws.relBinary, summary: 'yes' } })
  },
  {
    name: '`artifact-name` with a forbidden character (`upload` at its default)',
    input: 'artifact-name',
    says: /"prover:v1" cannot be an artifact name: it may not contain any of/,
    setup: ws => ({
      inputs: { binary: ws.relBinary, 'artifact-name': 'prover:v1', upload: undefined }
    })
  },
  {
    name: 'image name with a forbidden artifact character (`upload` at its default)',
    input: 'artifact-name',
    says: /"prover:v1" cannot be an artifact name.* It defaults to the image name; set it explicitly/,
    setup: ws => ({
      inputs: { binary: ws.relBinary, 'image-name': 'prover:v1', upload: undefined }
    })
  },
  {
    name: 'Windows runner',
    input: 'runs-on',
    says: /Windows runners are not supported: .*Use runs-on: ubuntu-latest/,
    setup: ws => ({
      inputs: { binary: ws.relBinary },
      env: { NODE_OPTIONS: WINDOWS_NODE_OPTIONS }
    })
  },
  {
    name: '`output-dir` cannot be written (below a regular file)',
    input: 'output-dir',
    says: /blocker\/images cannot be written \(ENOTDIR\): choose a writable folder/,
    setup: ws => {
      fs.writeFileSync(path.join(ws.dir, 'blocker'), 'a file, not a folder\n')
      return { inputs: { binary: ws.relBinary, 'output-dir': 'blocker/images' } }
    }
  },
  {
    name: '`program` starting with "-" (ops would read it as an option)',
    input: 'program',
    says: /"--help" must not start with "-"/,
    setup: ws => ({ inputs: { binary: ws.relBinary, program: '--help' } })
  },
  {
    name: 'a `dirs` entry that is a symbolic link',
    input: 'dirs',
    says: /nvidia is a symbolic link: ops would put the link into the image, not the files behind it/,
    setup: ws => {
      writeFile(path.join(ws.dir, 'vendor/nvidia/libcuda.so'), 'cuda')
      fs.symlinkSync('vendor/nvidia', path.join(ws.dir, 'nvidia'))
      return { inputs: { binary: ws.relBinary, dirs: 'nvidia' } }
    }
  },
  {
    name: "image written over the binary (`output-dir` is the binary's folder)",
    input: 'output-dir',
    says: /the image \(or its manifest\) would be written to .*target\/release\/my_prover, over one of your input files/,
    setup: ws => ({ inputs: { binary: ws.relBinary, 'output-dir': 'target/release' } })
  },
  {
    name: 'Ops older than 0.1.42 with `profile: gevulot`',
    input: 'ops-version',
    says: /0\.1\.41 builds images whose workspace mount Gevulot nodes do not attach.* Use 0\.1\.42 or later/,
    setup: ws => ({ inputs: { binary: ws.relBinary, 'ops-version': '0.1.41' } })
  },
  {
    name: '`test-timeout` that is not a positive number',
    input: 'test-timeout',
    says: /"0" is not a positive number of seconds/,
    setup: ws => ({ inputs: { binary: ws.relBinary, test: 'true', 'test-timeout': '0' } })
  },
  {
    name: '`test-workspace` that does not exist',
    input: 'test-workspace',
    says: /task is not a directory: give the folder whose contents the program finds in \/workspace/,
    setup: ws => ({ inputs: { binary: ws.relBinary, test: 'true', 'test-workspace': 'task' } })
  },
  {
    name: '`test-expect` that is not a regular expression',
    input: 'test-expect',
    says: /is not a valid regular expression/,
    setup: ws => ({ inputs: { binary: ws.relBinary, test: 'true', 'test-expect': 'proof (' } })
  },
  {
    name: '`test-exit-code` out of range',
    input: 'test-exit-code',
    says: /"256" is out of range: give a whole number from 0 to 255/,
    setup: ws => ({ inputs: { binary: ws.relBinary, test: 'true', 'test-exit-code': '256' } })
  },
  {
    name: 'an unknown `accel`',
    input: 'accel',
    says: /"fast" is not an accelerator: use auto/,
    setup: ws => ({ inputs: { binary: ws.relBinary, test: 'true', accel: 'fast' } })
  },
  {
    name: '`accel: kvm` where KVM cannot be opened',
    input: 'accel',
    says: /is kvm, but .*kvm cannot be opened for reading and writing by this user/,
    setup: ws => ({
      inputs: { binary: ws.relBinary, test: 'true', accel: 'kvm' },
      env: { NANOS_IMAGE_ACTION_KVM_DEVICE: path.join(ws.dir, 'no-kvm') }
    })
  },
  {
    name: '`accel: kvm` for an image of another architecture than the runner',
    input: 'accel',
    says: /is kvm, but the image is arm64 and this runner is amd64: KVM runs only the runner's own architecture/,
    setup: ws => {
      writeElf(path.join(ws.dir, 'prover_arm'), { machine: 'aarch64' })
      return { inputs: { binary: 'prover_arm', profile: 'nanos', test: 'true', accel: 'kvm' } }
    }
  },
  {
    name: 'a dynamically linked arm64 program on an x86-64 runner',
    input: 'binary',
    says: /is a dynamically linked arm64 program, and this runner is amd64: ops finds a dynamic program's libraries by running it on the build runner .* Link it statically .* or build the image on a runner of the program's architecture \(runs-on: ubuntu-24.04-arm\)/,
    setup: ws => {
      writeElf(path.join(ws.dir, 'prover_arm'), {
        machine: 'aarch64',
        type: 'dyn',
        linkage: { interpreter: '/lib/ld-linux-aarch64.so.1', needed: 1, pie: true }
      })
      return { inputs: { binary: 'prover_arm', profile: 'nanos' } }
    }
  },
  {
    name: 'a shared library as `binary`',
    input: 'binary',
    says: /libprover\.so is a shared library \(an ELF of type ET_DYN with no interpreter and no PIE flag\), not a program: .* Give the executable that uses the library/,
    setup: ws => {
      writeElf(path.join(ws.dir, 'libprover.so'), { type: 'dyn', linkage: { needed: 1 } })
      return { inputs: { binary: 'libprover.so' } }
    }
  },
  {
    name: '`expect-content-digest` that is not a digest',
    input: 'expect-content-digest',
    says: /is not a content digest: give the `content-digest` output of the build to compare with/,
    setup: ws => ({ inputs: { binary: ws.relBinary, 'expect-content-digest': 'sha256:1234' } })
  },
  {
    name: '`test: true` without QEMU, where it cannot be installed',
    input: 'test',
    says: /needs qemu-system-x86_64 for this amd64 image, which is not installed, and it cannot be installed here .*install qemu-system-x86/,
    setup: ws => {
      // A PATH holding node only: no QEMU, no apt-get, no sudo.
      const bin = path.join(ws.dir, '.bin')
      fs.mkdirSync(bin)
      fs.symlinkSync(process.execPath, path.join(bin, 'node'))
      return { inputs: { binary: ws.relBinary, test: 'true' }, env: { PATH: bin } }
    }
  },
  {
    name: '`test: true` for an arm64 image without QEMU for arm64, where it cannot be installed',
    input: 'test',
    says: /needs qemu-system-aarch64 for this arm64 image, which is not installed, and it cannot be installed here .*install qemu-system-arm/,
    setup: ws => {
      writeElf(path.join(ws.dir, 'prover_arm'), { machine: 'aarch64' })
      const bin = path.join(ws.dir, '.bin')
      fs.mkdirSync(bin)
      fs.symlinkSync(process.execPath, path.join(bin, 'node'))
      return {
        inputs: { binary: 'prover_arm', profile: 'nanos', test: 'true' },
        env: { PATH: bin }
      }
    }
  }
]
