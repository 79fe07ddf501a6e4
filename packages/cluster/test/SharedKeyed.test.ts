/**
 * The shared keyed store engine on the real PostgreSQL (database `test`) and
 * Redis, under a table prefix of its own that the test drops: `destroy` ends this
 * node's subscriptions without notifying them and resets the rows to the initial
 * entries, as `Store.makeKeyed`'s `destroy` does in memory.
 */
import { NodeRedis } from "@effect/platform-node"
import { PgClient } from "@effect/sql-pg"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Layer, Option, Redacted, Schema, Stream } from "effect"
import { SqlClient } from "effect/sql"
import * as sharedKeyed from "../src/internal/sharedKeyed.ts"

const prefix = `specter_test_keyed_${process.pid}_${Date.now()}`

const connections = Layer.merge(
  NodeRedis.layer({ url: "redis://127.0.0.1:6379" }),
  PgClient.layer({ url: Redacted.make("postgres://root@127.0.0.1:5432/test") })
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
})
