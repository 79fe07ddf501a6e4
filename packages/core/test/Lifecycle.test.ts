/**
 * Nothing outlives its owner: starting and stopping many services with every kind
 * of owned resource leaves no fiber, timer or listener behind (weaknesses 13–16).
 */
import { TestSpecter } from "@specter/testing"
import { assert, describe, it } from "@effect/vitest"
import { Bus, Service, ServiceManager } from "@specter/core"
import { Effect, Exit, Metric, Scope } from "effect"
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
  it.effect("1,000 services with timers, fibers, listeners and children leave nothing behind when stopped", () => {
    const fibers = fiberCounter()
    return Effect.gen(function*() {
      const bus = yield* Bus.Bus
      const manager = yield* ServiceManager.ServiceManager
      const before = fibers.active()
      const scopes: Array<Scope.Closeable> = []
      let handled = 0
      for (let i = 0; i < 1_000; i++) {
        const scope = yield* Scope.make()
        scopes.push(scope)
        yield* Scope.provide(
          Service.start(`svc-${i}`, { ticks: 0 }, (self) =>
            Effect.gen(function*() {
              yield* self.interval("1 second", self.update((s) => ({ ticks: s.ticks + 1 })))
              yield* self.timeout("1 hour", Effect.void)
              yield* self.spawn(Effect.never)
              yield* self.spawnLater("10 minutes", Effect.void)
              yield* self.listen(Ping, () => Effect.sync(() => void handled++))
              yield* self.subscribe(() => Effect.void)
              yield* self.adopt(Service.start(`svc-${i}/child`, {}, (child) => child.interval("5 seconds", Effect.void)))
            })),
          scope
        )
      }
      assert.strictEqual(Object.keys(yield* manager.health).length, 2_000)
      assert.strictEqual(bus.listenerCount(Ping), 1_000)
      yield* TestClock.adjust("3 seconds")
      yield* bus.emitAndWait(Ping, 1)
      assert.strictEqual(handled, 1_000)
      assert.isAbove(fibers.active() - before, 5_000)

      for (const scope of scopes.reverse()) yield* Scope.close(scope, Exit.void)

      assert.strictEqual(fibers.active(), before)
      assert.strictEqual(bus.listenerCount(), 0)
      assert.deepStrictEqual(yield* manager.health, {})
      yield* TestClock.adjust("2 hours")
      assert.strictEqual(fibers.active(), before)
    }).pipe(
      Effect.provide(TestSpecter.layer),
      Effect.provideService(Metric.FiberRuntimeMetrics, fibers.service)
    )
  }, 60_000)
})
