/**
 * The durable queue engine on the real Redis (127.0.0.1:6379), under a key prefix
 * of its own that the test removes: a queue keeps the records of only its newest
 * `history` finished jobs, as an in-memory queue keeps only that many in its
 * history, instead of one record per job forever.
 */
import { NodeRedis } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { QueueService } from "@specter-runtime/core"
import { Effect, Layer, Schema } from "effect"
import { PersistedQueue, Redis } from "effect/persistence"
import * as durableQueue from "../src/internal/durableQueue.ts"

const prefix = `specter-test-durable-${process.pid}-${Date.now()}`

const engine = Layer.effect(QueueService.DurableQueues, durableQueue.make({ prefix: `${prefix}:`, maxAttempts: 3 })).pipe(
  Layer.provide(PersistedQueue.layer),
  Layer.provide(PersistedQueue.layerStoreRedis({ prefix: `${prefix}:queue:`, pollInterval: "50 millis" })),
  Layer.provideMerge(NodeRedis.layer({ url: "redis://127.0.0.1:6379" }))
)

/** Deletes every key under the test's prefix when the scope closes. */
const cleanUp = Effect.gen(function*() {
  const redis = yield* Redis.Redis
  yield* Effect.addFinalizer(() =>
    Effect.gen(function*() {
      const keys = yield* redis.send<ReadonlyArray<string>>("KEYS", `${prefix}:*`)
      if (keys.length > 0) yield* redis.send("DEL", ...keys)
    }).pipe(Effect.ignore)
  )
  return redis
})

describe("Durable queues", () => {
  it.live("a queue keeps the records of its newest `history` finished jobs and drops the older ones", () =>
    Effect.gen(function*() {
      const redis = yield* cleanUp
      const queue = yield* QueueService.make("pruned", { item: Schema.Number, handle: () => Effect.void, durable: true, history: 2 })
      const ids: Array<string> = []
      for (let n = 0; n < 5; n++) {
        const id = yield* queue.enqueue(n)
        assert.strictEqual((yield* queue.await(id)).state, "completed")
        ids.push(id)
      }
      assert.deepStrictEqual((yield* queue.jobs).map((job) => job.id), ids.slice(3))
      assert.strictEqual(yield* redis.send<number>("HLEN", `${prefix}:jobs:pruned`), 2)
      const gone = yield* Effect.flip(queue.await(ids[0]!))
      assert.strictEqual(gone._tag, "JobNotFound")
    }).pipe(Effect.scoped, Effect.provide(engine)), 20_000)
})
