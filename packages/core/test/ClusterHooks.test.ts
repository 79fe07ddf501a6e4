/**
 * The hooks through which cluster mode takes over (issue 12): `Service.singleton`
 * runs through a `Service.Singletons` owner when one is in context and alone
 * otherwise; a `QueueService` with `durable: true` is made by a
 * `QueueService.DurableQueues` engine when one is in context and in memory otherwise.
 * The Redis and PostgreSQL engines are tested with three real nodes in packages/cluster.
 */
import { assert, describe, it } from "@effect/vitest"
import { QueueService, Service } from "@specter-runtime/core"
import { Deferred, Effect, Layer, Ref, Schema } from "effect"
import { TestClock } from "effect/testing"

describe("cluster hooks", () => {
  it.effect("a singleton runs in its own process when no Singletons owner is in context", () =>
    Effect.gen(function*() {
      const ran = yield* Deferred.make<void>()
      yield* Layer.build(Service.singleton("watcher", Deferred.succeed(ran, undefined)))
      yield* Deferred.await(ran)
    }))

  it.effect("a singleton is handed, by name, to the Singletons owner in context", () =>
    Effect.gen(function*() {
      const registered: Array<string> = []
      const owner = Layer.succeed(Service.Singletons, Service.Singletons.of({ run: (name) => Effect.sync(() => void registered.push(name)) }))
      let ran = false
      yield* Layer.build(Service.singleton("watcher", Effect.sync(() => void (ran = true))).pipe(Layer.provide(owner)))
      assert.deepStrictEqual(registered, ["watcher"])
      assert.isFalse(ran, "the owner decides when it runs")
    }))

  it.effect("Service.cron runs at the times of its expression (alone: in this process)", () =>
    Effect.gen(function*() {
      const runs = yield* Ref.make<Array<number>>([])
      const record = Effect.flatMap(Effect.clockWith((clock) => clock.currentTimeMillis), (now) => Ref.update(runs, (all) => [...all, now]))
      yield* Layer.build(Service.cron("every-minute", "* * * * *", record))
      yield* TestClock.adjust("3 minutes")
      assert.deepStrictEqual(yield* Ref.get(runs), [60_000, 120_000, 180_000])
    }))

  it.effect("a durable queue is made by the DurableQueues engine in context, and in memory without one", () =>
    Effect.gen(function*() {
      const made: Array<{ readonly name: string; readonly workers: number }> = []
      const engine = QueueService.DurableQueues.of({
        make: (name, options) =>
          Effect.sync(() => {
            made.push({ name, workers: options.workers })
            return { name } as QueueService.QueueService<unknown>
          })
      })
      const options = { item: Schema.String, durable: true, workers: 3, handle: () => Effect.void }
      const durable = yield* QueueService.make("mail", options).pipe(Effect.provideService(QueueService.DurableQueues, engine))
      assert.deepStrictEqual(made, [{ name: "mail", workers: 3 }])
      assert.strictEqual(durable.name, "mail")
      const local = yield* QueueService.make("mail", options)
      const id = yield* local.enqueue("hello")
      assert.strictEqual((yield* local.await(id)).state, "completed")
      assert.lengthOf(made, 1)
    }))
})

