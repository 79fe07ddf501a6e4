/**
 * The shared keyed store engine on the real PostgreSQL (database `test`) and
 * Redis, under a table prefix of its own that the test drops: `destroy` ends this
 * node's subscriptions without notifying them and resets the rows to the initial
 * entries, as `Store.makeKeyed`'s `destroy` does in memory.
 */
import { NodeRedis } from "@effect/platform-node"
import { PgClient } from "@effect/sql-pg"
import { assert, describe, it } from "@effect/vitest"
import { Bus } from "@specter-runtime/core"
import { Effect, Exit, Fiber, Layer, Option, Redacted, Schema, Stream } from "effect"
import { SqlClient } from "effect/sql"
import * as sharedKeyed from "../src/internal/sharedKeyed.ts"

const prefix = `specter_test_keyed_${process.pid}_${Date.now()}`

const connections = Layer.mergeAll(
  NodeRedis.layer({ url: "redis://127.0.0.1:6379" }),
  PgClient.layer({ url: Redacted.make("postgres://root@127.0.0.1:5432/test") }),
  Bus.layer
)

/** The engine, and the table dropped when the scope closes. */
const engine = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const shared = yield* sharedKeyed.make(prefix, "node-1")
  yield* Effect.addFinalizer(() => Effect.ignore(sql`drop table if exists ${sql(`${prefix}_entries`)}`))
  return { sql, shared }
})

describe("Shared keyed stores", () => {
  it.live("destroy ends this node's subscriptions without notifying them and resets the rows to the initial entries", () =>
    Effect.gen(function*() {
      const { shared, sql } = yield* engine
      const items = yield* shared.makeKeyed<number>("counts", { initial: [["a", 1]], persist: { entry: Schema.Number } })
      yield* items.set("b", 2)
      yield* items.set("a", 10)
      const delivered: Array<{ readonly entries: ReadonlyArray<string> }> = []
      const seen = yield* Effect.forkChild(Stream.runForEach(items.changes, (change) => Effect.sync(() => delivered.push(change))))
      yield* Effect.sleep("50 millis")
      yield* items.destroy
      const exit = yield* Fiber.await(seen).pipe(Effect.timeout("2 seconds"))
      assert.isTrue(Exit.isSuccess(exit), "the stream ended")
      assert.deepStrictEqual(delivered.map((change) => [...change.entries].sort()), [["a", "b"]], "only the first element, none for the reset")
      assert.deepStrictEqual([...(yield* items.get())], [["a", 1]])
      const rows = yield* sql<{ key: string; value: string }>`select key, value from ${sql(`${prefix}_entries`)} where store = 'counts' order by key`
      assert.deepStrictEqual(rows.map((row) => [row.key, row.value]), [["a", "1"]])
      assert.deepStrictEqual(Option.getOrUndefined(yield* items.get("a")), 1)
      yield* items.set("c", 3)
      assert.deepStrictEqual((yield* Stream.runCollect(Stream.take(items.changes, 1)))[0]!.entries.slice().sort(), ["a", "c"], "the store stays usable")
    }).pipe(Effect.scoped, Effect.provide(connections)), 20_000)

  it.live("with events, every change is published on this node's bus as <name>:changed, and destroy's reset is not", () =>
    Effect.gen(function*() {
      const { shared } = yield* engine
      const bus = yield* Bus.Bus
      const items = yield* shared.makeKeyed<number>("evented", { events: true, persist: { entry: Schema.Number } })
      const published = yield* bus.subscribe(items.changed)
      const events = yield* Effect.forkChild(Stream.runCollect(Stream.take(published, 3)))
      yield* items.set("a", 1)
      yield* items.set("b", 2)
      yield* items.destroy
      yield* items.set("c", 3)
      const seen = yield* Fiber.join(events).pipe(Effect.timeout("2 seconds"))
      assert.deepStrictEqual(seen.map((change) => change.entries), [["a"], ["b"], ["c"]])
    }).pipe(Effect.scoped, Effect.provide(connections)), 20_000)
})
