/**
 * Nothing outlives its owner: starting and stopping many services with every kind
 * of owned resource leaves no fiber, timer or listener behind (weaknesses 13–16).
 */
import { TestSpecter } from "@specter-runtime/testing"
import { assert, describe, it } from "@effect/vitest"
import { Bus, Service, ServiceManager, Store } from "@specter-runtime/core"
import { Context, Effect, Exit, Layer, Metric, Scope } from "effect"
import { TestClock } from "effect/testing"

const Ping = Bus.event<number>("ping")

/** Counts fibers as they start and end, through Effect's runtime-metrics hook. */
const fiberCounter = () => {
  let active = 0
  let started = 0
  const service: Metric.FiberRuntimeMetricsService = {
    recordFiberStart: () => {
      active++
      started++
    },
    recordFiberEnd: () => {
      active--
    }
  }
  return { service, active: () => active, started: () => started }
}

describe("lifecycle", () => {
  it.effect("1,000 services with timers, fibers, listeners, stores and child services leave nothing behind when stopped", () => {
    const fibers = fiberCounter()
    return Effect.gen(function*() {
      const bus = yield* Bus.Bus
      const manager = yield* ServiceManager.ServiceManager
      const before = fibers.active()
      const scopes: Array<Scope.Closeable> = []
      let handled = 0
      for (let i = 0; i < 1_000; i++) {
        class Child extends Context.Service<Child, {}>()(`svc-${i}/child`) {}
        class Parent extends Context.Service<Parent, {}>()(`svc-${i}`) {}
        const ChildLive = Service.layer(Child, Effect.as(Service.interval("5 seconds", Effect.void), {}))
        const ParentLive = Service.layer(Parent, Effect.gen(function*() {
          yield* Child
          const state = yield* Store.make(`svc-${i}`, { ticks: 0 })
          yield* Service.interval("1 second", state.update((s) => ({ ticks: s.ticks + 1 })))
          yield* Service.timeout("1 hour", Effect.void)
          yield* Service.spawn(Effect.never)
          yield* Bus.listen(Ping, () => Effect.sync(() => void handled++))
          yield* state.listen(() => Effect.void)
          return {}
        })).pipe(Layer.provide(ChildLive))
        const scope = yield* Scope.make()
        scopes.push(scope)
        yield* Layer.buildWithScope(ParentLive, scope)
      }
      assert.strictEqual(Object.keys(yield* manager.health).length, 2_000)
      assert.strictEqual(bus.subscribers(Ping), 1_000)
      yield* TestClock.adjust("3 seconds")
      yield* bus.emitAndWait(Ping, 1)
      assert.strictEqual(handled, 1_000)
      assert.isAbove(fibers.active() - before, 5_000)

      for (const scope of scopes.reverse()) yield* Scope.close(scope, Exit.void)

      assert.strictEqual(fibers.active(), before)
      assert.strictEqual(bus.subscribers(), 0)
      assert.deepStrictEqual(yield* manager.health, {})
      yield* TestClock.adjust("2 hours")
      assert.strictEqual(fibers.active(), before)
    }).pipe(
      Effect.provide(TestSpecter.layer),
      Effect.provideService(Metric.FiberRuntimeMetrics, fibers.service)
    )
  }, 60_000)
})
