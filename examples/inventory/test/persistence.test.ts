/**
 * Items survive the server: POST an item, `kill -9` the server (no shutdown, no
 * flush), start it again on the same data directory, and the item is listed.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as MainProcess from "./mainProcess.ts"

/** A fresh temporary directory, removed when the scope closes. */
const temporaryDirectory = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "specter-inventory-kill-"))),
  (directory) => Effect.sync(() => rmSync(directory, { recursive: true, force: true }))
)

const request = (port: number, path: string, init?: RequestInit) =>
  Effect.promise(async () => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, init)
    return { status: response.status, body: await response.json() }
  })

describe("persistence", () => {
  it.live("an item POSTed before kill -9 is listed after a restart on the same data directory", () =>
    Effect.gen(function*() {
      const directory = yield* temporaryDirectory
      const first = yield* MainProcess.start({ SPECTER_DATA_DIR: directory })
      const posted = yield* request(first.port, "/api/items", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{"name":"lamp","quantity":"3","tags":["desk"]}'
      })
      assert.strictEqual(posted.status, 201)
      first.child.kill("SIGKILL")
      assert.strictEqual((yield* first.exited).signal, "SIGKILL")

      const second = yield* MainProcess.start({ SPECTER_DATA_DIR: directory })
      const listed = yield* request(second.port, "/api/items")
      assert.deepStrictEqual(listed.body.items, [posted.body])
      second.child.kill("SIGTERM")
      yield* second.exited
    }).pipe(Effect.scoped), 20_000)
})
