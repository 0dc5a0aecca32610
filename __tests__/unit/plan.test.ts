import { describe, expect, it } from '@jest/globals'
import type { InputProblem } from '../../src/errors.js'
import { uploadPlan } from '../../src/plan.js'

const settings = {
  archive: false,
  compressionLevel: 1,
  retentionDays: 0,
  overwrite: false,
  uploadRequired: false
}
const plan = (artifactName: string | undefined, imageName = 'prover') => {
  const problems: InputProblem[] = []
  return { upload: uploadPlan({ ...settings, artifactName }, imageName, problems), problems }
}

describe('uploadPlan', () => {
  it('names the artifact after the image unless told otherwise', () => {
    expect(plan(undefined).upload.artifactName).toBe('prover')
    expect(plan('prover-image').upload.artifactName).toBe('prover-image')
  })

  it.each(['a:b', 'a/b', 'a\\b', 'a|b', 'a?b', 'a*b', 'a"b', 'a<b'])('rejects %p', name => {
    expect(plan(name).problems).toEqual([
      { input: 'artifact-name', message: expect.stringMatching(/cannot be an artifact name/) }
    ])
  })

  it('says so when the bad name is the image name by default', () => {
    const { problems } = plan(undefined, 'prover:v1')
    expect(problems).toEqual([
      { input: 'artifact-name', message: expect.stringMatching(/defaults to the image name/) }
    ])
    expect(plan('fine', 'prover:v1').problems).toEqual([])
  })
})
