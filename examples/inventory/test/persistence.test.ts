/**
 * Items survive the server: POST items, `kill -9` the server (no shutdown, no
 * flush), start it again on the same data directory, and the items are listed,
 * each stored in a row of its own. An inventory stored by an earlier version as
 * one whole value is migrated to rows on start.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schedule } from "effect"
import { mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DatabaseSync } from "node:sqlite"
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

/** The keys of the example's SQLite database in `directory`. */
const storedKeys = (directory: string) => {
  const db = new DatabaseSync(join(directory, "specter.db"))
  try {
    return (db.prepare("SELECT key FROM kv ORDER BY key").all() as Array<{ key: string }>).map((row) => row.key)
  } finally {
    db.close()
  }
}

/**
 * The list of items, once the inventory answers: "Listening" can come before the
 * routes are served (the inventory loads, or migrates, while the server starts).
 */
const listItems = (port: number) =>
  request(port, "/api/items").pipe(
    Effect.filterOrFail((r) => r.status === 200),
    Effect.retry({ schedule: Schedule.spaced("50 millis"), times: 200 }),
    Effect.orDie,
    Effect.map((r) => r.body.items)
  )

const postItem = (port: number, body: object) =>
  request(port, "/api/items", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })

describe("persistence", () => {
  it.live("items POSTed before kill -9 are listed after a restart, one row per item (the keyed layout)", () =>
    Effect.gen(function*() {
      const directory = yield* temporaryDirectory
      const first = yield* MainProcess.start({ SPECTER_DATA_DIR: directory })
      yield* listItems(first.port)
      const posted = yield* Effect.forEach(["a", "b", "c"], (name) => postItem(first.port, { name, quantity: 1 }))
      assert.deepStrictEqual(posted.map((p) => p.status), [201, 201, 201])
      const deleted = yield* Effect.promise(() => fetch(`http://127.0.0.1:${first.port}/api/items/${posted[1]!.body.id}`, { method: "DELETE" }))
      assert.strictEqual(deleted.status, 204)
      first.child.kill("SIGKILL")
      yield* first.exited

      assert.deepStrictEqual(storedKeys(directory), [posted[0]!, posted[2]!].map((p) => `items/${p.body.id}`).sort())
      const second = yield* MainProcess.start({ SPECTER_DATA_DIR: directory })
      assert.deepStrictEqual(yield* listItems(second.port), [posted[0]!.body, posted[2]!.body])
      second.child.kill("SIGTERM")
      yield* second.exited
    }).pipe(Effect.scoped), 60_000)

  it.live("an inventory stored whole by an earlier version is migrated to one row per item on start, with a log", () =>
    Effect.gen(function*() {
      const directory = yield* temporaryDirectory
      mkdirSync(directory, { recursive: true })
      const old = [
        { id: "i1", name: "lamp", quantity: 3, active: true, tags: ["desk"], createdAt: 1 },
        { id: "i2", name: "chair", quantity: 1, active: false, tags: [], createdAt: 2 }
      ]
      const db = new DatabaseSync(join(directory, "specter.db"))
      db.exec("CREATE TABLE kv (key TEXT PRIMARY KEY NOT NULL, value ANY NOT NULL) STRICT, WITHOUT ROWID")
      db.prepare("INSERT INTO kv (key, value) VALUES (?, ?)").run("items", JSON.stringify({ items: old }))
      db.close()

      const server = yield* MainProcess.start({ SPECTER_DATA_DIR: directory })
      assert.deepStrictEqual(yield* listItems(server.port), old)
      assert.include(server.log(), "migrated 2 entries")
      server.child.kill("SIGTERM")
      yield* server.exited
      assert.deepStrictEqual(storedKeys(directory), ["items/i1", "items/i2"])
    }).pipe(Effect.scoped), 60_000)
})
