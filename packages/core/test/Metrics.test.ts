/**
 * The core runtime's metrics (issue 11), one family per test: the bus, queues and
 * persistence. Each test reads a metric registry of its own (`Metric.MetricRegistry`
 * provided with a fresh `Map`), so the counts are exactly this test's.
 */
import { TestSpecter } from "@specter-runtime/testing"
import { assert, describe, it } from "@effect/vitest"
import { Bus, Persistence, QueueService, Store } from "@specter-runtime/core"
import { Deferred, Effect, Fiber, Layer, Metric, Schema } from "effect"
import { TestClock } from "effect/testing"
import { KeyValueStore } from "effect/persistence"

/** The state of the series `id` whose attributes include `attributes`, from the current registry. */
const series = (id: string, attributes: Record<string, string> = {}) =>
  Effect.map(Metric.snapshot, (all) =>
    all.find((m) => m.id === id && Object.entries(attributes).every(([k, v]) => m.attributes?.[k] === v))?.state as any)

const isolated = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.provideService(effect, Metric.MetricRegistry, new Map())

describe("Metrics", () => {
  it.effect("bus metrics: delivered, failed and dropped per event", () =>
    Effect.gen(function*() {
      const Tick = Bus.event<number>("metrics:tick", { capacity: 2 })
      const bus = yield* Bus.make
      // A subscriber that never reads: of 5 messages it holds 2, so 3 are dropped.
      yield* bus.subscribe(Tick)
      for (let n = 1; n <= 5; n++) yield* bus.emit(Tick, n)
      // A listener that fails on the first message of its event, and goes on.
      const Boom = Bus.event<number>("metrics:boom")
      const seen = yield* Deferred.make<void>()
      yield* Bus.listen(Boom, (n) => n === 1 ? Effect.fail("boom") : Deferred.succeed(seen, undefined)).pipe(
        Effect.provideService(Bus.Bus, bus)
      )
      yield* bus.emit(Boom, 1)
      yield* bus.emit(Boom, 2)
      yield* Deferred.await(seen)
      assert.strictEqual((yield* series("specter_bus_delivered_total", { event: "metrics:tick" })).count, 5)
      assert.strictEqual((yield* series("specter_bus_dropped_total", { event: "metrics:tick" })).count, 3)
      assert.strictEqual((yield* series("specter_bus_listener_failures_total", { event: "metrics:boom" })).count, 1)
    }).pipe(Effect.scoped, isolated, Effect.provide(TestSpecter.layer)))

  it.effect("queue metrics: depth, running, outcomes and duration", () =>
    Effect.gen(function*() {
      const Job = Schema.Struct({ ms: Schema.Number, fail: Schema.Boolean })
      const queue = yield* QueueService.make("metered", {
        item: Job,
        workers: 1,
        handle: (job) => Effect.andThen(Effect.sleep(job.ms), job.fail ? Effect.fail("no") : Effect.void)
      })
      const first = yield* queue.enqueue({ ms: 100, fail: false })
      yield* queue.enqueue({ ms: 30, fail: true })
      yield* Effect.yieldNow
      yield* Effect.yieldNow
      assert.strictEqual((yield* series("specter_queue_jobs_running", { queue: "metered" })).value, 1)
      assert.strictEqual((yield* series("specter_queue_jobs_queued", { queue: "metered" })).value, 1)
      const waiting = yield* Effect.forkChild(queue.await(first))
      yield* TestClock.adjust("200 millis")
      yield* Fiber.join(waiting)
      yield* Effect.yieldNow
      yield* Effect.yieldNow
      const completed = yield* series("specter_queue_job_duration_ms", { queue: "metered", outcome: "completed" })
      const failed = yield* series("specter_queue_job_duration_ms", { queue: "metered", outcome: "failed" })
      assert.deepStrictEqual([completed.count, completed.sum, failed.count, failed.sum], [1, 100, 1, 30])
      assert.strictEqual((yield* series("specter_queue_jobs_finished_total", { queue: "metered", outcome: "failed" })).count, 1)
      assert.strictEqual((yield* series("specter_queue_jobs_running", { queue: "metered" })).value, 0)
    }).pipe(Effect.scoped, isolated, Effect.provide(TestSpecter.layer)))

  it.effect("persistence metrics: commits, writes per commit and commit latency", () =>
    Effect.gen(function*() {
      const Items = Schema.Struct({ items: Schema.Array(Schema.String) })
      const store = yield* Store.make("metered", { items: [] as ReadonlyArray<string> }, { persist: { schema: Items } })
      yield* store.set({ items: ["a"] })
      yield* store.set({ items: ["a", "b"] })
      const ok = yield* series("specter_persistence_commits_total", { outcome: "ok" })
      assert.strictEqual(ok.count, 2)
      const perCommit = yield* series("specter_persistence_writes_per_commit")
      assert.deepStrictEqual([perCommit.count, perCommit.sum], [2, 2])
      assert.strictEqual((yield* series("specter_persistence_commit_duration_ms")).count, 2)
      assert.isUndefined(yield* series("specter_persistence_commits_total", { outcome: "failed" }))
    }).pipe(Effect.scoped, isolated, Effect.provide(Layer.merge(TestSpecter.layer, Persistence.layerMemory))))

  it.effect("persistence metrics: a failed commit is counted as failed", () =>
    Effect.gen(function*() {
      const failing = KeyValueStore.makeStringOnly({
        get: () => Effect.sync(() => undefined),
        set: (key) => Effect.fail(new KeyValueStore.KeyValueStoreError({ method: "set", key, message: "disk full" })),
        remove: () => Effect.void,
        clear: Effect.void,
        size: Effect.succeed(0),
        keys: Effect.succeed([])
      })
      const Items = Schema.Struct({ items: Schema.Array(Schema.String) })
      const store = yield* Store.make("failing", { items: [] as ReadonlyArray<string> }, { persist: { schema: Items } }).pipe(
        Effect.provideService(KeyValueStore.KeyValueStore, failing)
      )
      yield* Effect.exit(store.set({ items: ["a"] }))
      assert.strictEqual((yield* series("specter_persistence_commits_total", { outcome: "failed" })).count, 1)
    }).pipe(Effect.scoped, isolated, Effect.provide(TestSpecter.layer)))
})

