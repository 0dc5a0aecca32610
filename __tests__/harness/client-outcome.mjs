// The one-line outcome the client driver scripts (upload-with-client.mjs, cache-with-client.mjs)
// print for their test: `@@RESULT {"ok":true,"result":...}`, or
// `@@RESULT {"ok":false,"name":...,"message":...}` with exit code 1 when `main` throws.
export async function printOutcome(main) {
  try {
    const result = await main()
    process.stdout.write(`\n@@RESULT ${JSON.stringify({ ok: true, result })}\n`)
  } catch (err) {
    process.stdout.write(
      `\n@@RESULT ${JSON.stringify({ ok: false, name: err?.name, message: err?.message ?? String(err) })}\n`
    )
    process.exitCode = 1
  }
}
