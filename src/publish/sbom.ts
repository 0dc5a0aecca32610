/**
 * A CycloneDX 1.6 JSON SBOM of the image, beside it as `<image>.cdx.json`, made with
 * `@cyclonedx/cyclonedx-library` (the OWASP project's own models and serializer, so that the
 * document follows the specification without our own JSON) and package URLs made with
 * `packageurl-js` (the purl project's own encoder). Its components: the program; each runner
 * library as its Debian/Ubuntu package (`pkg:deb/<distro>/<name>@<version>?arch=...`) holding
 * the files ops copied; the Nanos kernel and its klibs (`pkg:github/nanovms/nanos@<version>`);
 * every other file with its hash. Ops is in `metadata.tools`. The library is loaded only here.
 */
import { randomUUID } from 'node:crypto'
import { writeAtomically } from '../files.js'
import type * as CdxEnums from '@cyclonedx/cyclonedx-library/Enums'
import type * as CdxModels from '@cyclonedx/cyclonedx-library/Models'
import type { ContentFile, ImageContents } from '../image/contents.js'
import type { ImageReport } from './report.js'

/** Where the SBOM goes: `<image>.cdx.json`. */
export function sbomPath(imagePath: string): string {
  return `${imagePath}.cdx.json`
}

const PROPERTY = 'nanos-image-action'

export async function writeSbom(report: ImageReport, contents: ImageContents): Promise<string> {
  // The parts, not the package's index: the index also loads the validators' resources, which
  // need __dirname, absent in the action's ESM bundle.
  const [Enums, Models, Serialize, Spec, { PackageURL }] = await Promise.all([
    import('@cyclonedx/cyclonedx-library/Enums'),
    import('@cyclonedx/cyclonedx-library/Models'),
    import('@cyclonedx/cyclonedx-library/Serialize'),
    import('@cyclonedx/cyclonedx-library/Spec'),
    import('packageurl-js')
  ])
  const sha256 = (hex: string): [CdxEnums.HashAlgorithm, string][] => [
    [Enums.HashAlgorithm['SHA-256'], hex]
  ]
  const prop = (name: string, value: string) => new Models.Property(`${PROPERTY}:${name}`, value)
  const fileComponent = (f: ContentFile, type = Enums.ComponentType.File, name = f.path) =>
    new Models.Component(type, name, {
      bomRef: `${f.filesystem}:${f.path}`,
      hashes: new Models.HashDictionary(sha256(f.sha256)),
      properties: new Models.PropertyRepository([
        prop('path', f.path),
        prop('filesystem', f.filesystem),
        prop('origin', f.origin),
        ...(f.source ? [prop('source', f.source)] : [])
      ])
    })

  const bom = new Models.Bom({ serialNumber: `urn:uuid:${randomUUID()}` })
  bom.metadata.timestamp = new Date()
  bom.metadata.component = new Models.Component(Enums.ComponentType.Application, report.imageName, {
    bomRef: 'image',
    description: `Nanos unikernel image (${report.arch}) of ${contents.program ?? 'a program'}`,
    hashes: new Models.HashDictionary([
      [Enums.HashAlgorithm['SHA-256'], report.facts.sha256],
      [Enums.HashAlgorithm.BLAKE3, report.facts.blake3]
    ]),
    properties: new Models.PropertyRepository([prop('content-digest', contents.contentDigest)])
  })
  bom.metadata.tools.components.add(
    new Models.Component(Enums.ComponentType.Application, 'ops', {
      group: 'nanovms',
      version: report.opsVersion,
      purl: new PackageURL(
        'github',
        'nanovms',
        'ops',
        report.opsVersion,
        undefined,
        undefined
      ).toString()
    })
  )
  bom.metadata.tools.components.add(
    new Models.Component(Enums.ComponentType.Application, 'nanos-image-action', {
      description: 'GitHub Action that built the image'
    })
  )

  const nanosPurl = (subpath?: string): string =>
    new PackageURL('github', 'nanovms', 'nanos', report.nanosVersion, undefined, subpath).toString()
  const packages = new Map<string, CdxModels.Component>()
  for (const f of contents.files) {
    if (f.origin === 'program') {
      bom.components.add(
        fileComponent(f, Enums.ComponentType.Application, f.path.replace(/^\//, ''))
      )
    } else if (f.origin === 'kernel' && f.path === '/kernel') {
      const kernel = fileComponent(f, Enums.ComponentType.OperatingSystem, 'nanos')
      kernel.group = 'nanovms'
      kernel.version = report.nanosVersion
      kernel.purl = nanosPurl()
      bom.components.add(kernel)
    } else if (f.origin === 'klib') {
      const name = f.path.replace(/^\/klib\//, '')
      const klib = fileComponent(f, Enums.ComponentType.Library, name)
      klib.group = 'nanovms'
      klib.version = report.nanosVersion
      klib.purl = nanosPurl(`klibs/${name}`)
      bom.components.add(klib)
    } else if (f.origin === 'library' && f.package && contents.distro) {
      const { name, version, arch } = f.package
      const key = `${name}:${arch}`
      let pkg = packages.get(key)
      if (!pkg) {
        const distro = contents.distro.version
          ? `${contents.distro.id}-${contents.distro.version}`
          : undefined
        pkg = new Models.Component(Enums.ComponentType.Library, name, {
          bomRef: `deb:${key}`,
          version,
          purl: new PackageURL(
            'deb',
            contents.distro.id,
            name,
            version,
            { arch, ...(distro ? { distro } : {}) },
            undefined
          ).toString(),
          properties: new Models.PropertyRepository([prop('origin', 'library')])
        })
        packages.set(key, pkg)
        bom.components.add(pkg)
      }
      pkg.components.add(fileComponent(f))
    } else {
      bom.components.add(fileComponent(f))
    }
  }

  const serializer = new Serialize.JsonSerializer(
    new Serialize.JSON.Normalize.Factory(Spec.Spec1dot6)
  )
  const file = sbomPath(report.imagePath)
  await writeAtomically(file, `${serializer.serialize(bom, { sortLists: true, space: 2 })}\n`)
  return file
}
