/**
 * The README's code is real code: each ```ts block is one of the files here, which
 * the type-check covers, and the runnable ones run to completion.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { execFile } from "node:child_process"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url))
const readme = readFileSync(here("../../README.md"), "utf8")
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1])

describe("README", () => {
  it("every ts block of the README is a snippet file, verbatim", () => {
    const files = ["app.ts", "service.ts", "bus.ts", "registry.ts"].map((f) => readFileSync(here(f), "utf8"))
    assert.deepStrictEqual(blocks, files)
  })

  for (const file of ["service.ts", "bus.ts", "registry.ts"]) {
    it.live(`${file} runs to completion`, () =>
      Effect.gen(function*() {
        const result = yield* Effect.callback<{ code: number | null; output: string }>((resume) => {
          execFile(process.execPath, [here(file)], { timeout: 20_000 }, (error, stdout, stderr) =>
            resume(Effect.succeed({ code: error === null ? 0 : (error as { code?: number }).code ?? 1, output: stdout + stderr })))
        })
        assert.strictEqual(result.code, 0, result.output)
      }), 30_000)
  }
})
