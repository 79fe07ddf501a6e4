/**
 * Start-up failures a person must be able to read: `npm start` with a bad `PORT`,
 * or on a port that is taken, exits with 1 and one line that names the problem.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as MainProcess from "./mainProcess.ts"

const dataDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "specter-startup-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

describe("start-up", () => {
  it.live("PORT=abc exits with 1 and a message naming PORT", () =>
    Effect.gen(function*() {
      const result = yield* MainProcess.runToExit({ PORT: "abc", SPECTER_DATA_DIR: yield* dataDir })
      assert.strictEqual(result.code, 1)
      assert.include(result.output, "PORT must be a port number, got 'abc'")
    }).pipe(Effect.scoped), 20_000)

  it.live("a second copy on the same port exits with 1 and a message naming the port", () =>
    Effect.gen(function*() {
      const first = yield* MainProcess.start({ SPECTER_DATA_DIR: yield* dataDir })
      const result = yield* MainProcess.runToExit({ PORT: String(first.port), SPECTER_DATA_DIR: yield* dataDir })
      assert.strictEqual(result.code, 1)
      assert.include(result.output, `port ${first.port} is already in use`)
    }).pipe(Effect.scoped), 20_000)
})
