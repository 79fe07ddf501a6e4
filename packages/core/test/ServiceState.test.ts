/**
 * Service state, subscriptions, health and emit: the acceptance checks of
 * specter-behaviour.md §2 about them (the lifecycle ones, and the checks the
 * design makes impossible to violate, are in Service.test.ts).
 */
import { TestLogger, TestSpecter } from "@specter/testing"
import { assert, describe, it } from "@effect/vitest"
import { Bus, Service } from "@specter/core"
import { Effect, Exit, Scope } from "effect"
import { TestClock } from "effect/testing"
import { startIn } from "./helpers.ts"

const Ping = Bus.event<string>("ping")

describe("Service state", () => {
  it.effect("SVC-26 setState merges shallowly: other keys stay, nested objects are replaced", () =>
    Effect.gen(function*() {
      const { self } = yield* startIn("svc", { a: 0, b: "keep", nested: { x: 1, y: 2 } as { x?: number; y?: number } })
      yield* self.setState({ a: 1, nested: { x: 9 } })
      assert.deepStrictEqual(yield* self.get, { a: 1, b: "keep", nested: { x: 9 } })
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("SVC-27 every subscriber sees every change, in order", () =>
    Effect.gen(function*() {
      const seen: Array<Array<number>> = [[], []]
      const { self } = yield* startIn("svc", { n: 0 })
      yield* self.subscribe((s) => Effect.sync(() => void seen[0]!.push(s.n)))
      yield* self.subscribe((s) => Effect.sync(() => void seen[1]!.push(s.n)))
      for (let n = 1; n <= 3; n++) yield* self.setState({ n })
      yield* Effect.yieldNow
      assert.deepStrictEqual(seen, [[1, 2, 3], [1, 2, 3]])
    }).pipe(Effect.provide(TestSpecter.layer), Effect.scoped))

  it.effect("SVC-28 a failing subscriber is logged and the other subscribers still run", () =>
    Effect.gen(function*() {
      const seen: Array<number> = []
      const { self } = yield* startIn("svc", { n: 0 })
      yield* self.subscribe(() => Effect.die("subscriber broke"))
      yield* self.subscribe((s) => Effect.sync(() => void seen.push(s.n)))
      yield* self.setState({ n: 1 })
      yield* self.setState({ n: 2 })
      yield* Effect.yieldNow
      assert.deepStrictEqual(seen, [1, 2])
      assert.strictEqual((yield* TestLogger.TestLogger).at("Error").length, 2)
    }).pipe(Effect.provide(TestSpecter.layer), Effect.scoped))

  it.effect("SVC-29 subscribe with immediate sees the current state at once; without, only changes", () =>
    Effect.gen(function*() {
      const immediate: Array<number> = []
      const later: Array<number> = []
      const { self } = yield* startIn("svc", { n: 7 })
      yield* self.subscribe((s) => Effect.sync(() => void immediate.push(s.n)), { immediate: true })
      yield* self.subscribe((s) => Effect.sync(() => void later.push(s.n)))
      yield* Effect.yieldNow
      assert.deepStrictEqual([immediate, later], [[7], []])
      yield* self.setState({ n: 8 })
      yield* Effect.yieldNow
      assert.deepStrictEqual([immediate, later], [[7, 8], [8]])
    }).pipe(Effect.provide(TestSpecter.layer), Effect.scoped))

  it.effect("SVC-30 (weakness 3) the same handler subscribed twice is two subscriptions", () =>
    Effect.gen(function*() {
      let calls = 0
      const handler = () => Effect.sync(() => void calls++)
      const { self } = yield* startIn("svc", { n: 0 })
      yield* self.subscribe(handler)
      yield* self.subscribe(handler)
      yield* self.setState({ n: 1 })
      yield* Effect.yieldNow
      assert.strictEqual(calls, 2)
    }).pipe(Effect.provide(TestSpecter.layer), Effect.scoped))

  it.effect("SVC-31 and SVC-32 closing the subscriber's scope unsubscribes it", () =>
    Effect.gen(function*() {
      const seen: Array<number> = []
      const { self } = yield* startIn("svc", { n: 0 })
      const owner = yield* Scope.make()
      yield* Scope.provide(self.subscribe((s) => Effect.sync(() => void seen.push(s.n))), owner)
      yield* self.setState({ n: 1 })
      yield* Effect.yieldNow
      yield* Scope.close(owner, Exit.void)
      yield* self.setState({ n: 2 })
      yield* Effect.yieldNow
      assert.deepStrictEqual(seen, [1])
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("SVC-33 and SVC-34 subscriptions end when the service stops, even if their scope lives on", () =>
    Effect.gen(function*() {
      const seen: Array<number> = []
      const { self } = yield* startIn("svc", { n: 0 })
      yield* self.subscribe((s) => Effect.sync(() => void seen.push(s.n)), { immediate: true })
      yield* Effect.yieldNow
      yield* self.stop
      yield* self.setState({ n: 5 })
      yield* Effect.yieldNow
      assert.deepStrictEqual(seen, [0])
    }).pipe(Effect.provide(TestSpecter.layer), Effect.scoped))

  it.effect("SVC-39 health reports status, uptime, fibers, timers, listeners, children and state", () =>
    Effect.gen(function*() {
      const { self } = yield* startIn("svc", { mode: "idle" }, (self) =>
        Effect.gen(function*() {
          yield* self.spawn(Effect.never)
          yield* self.interval("1 minute", Effect.void)
          yield* self.listen(Ping, () => Effect.void)
          yield* self.adopt(Service.start("kid", {}))
        }))
      yield* TestClock.adjust("90 seconds")
      assert.deepStrictEqual(yield* self.health, {
        name: "svc",
        status: "running",
        uptimeMs: 90_000,
        fibers: 1,
        timers: 1,
        listeners: 1,
        children: 1,
        state: { mode: "idle" }
      })
      yield* self.stop
      yield* TestClock.adjust("1 hour")
      const after = yield* self.health
      assert.deepStrictEqual([after.status, after.uptimeMs, after.fibers, after.timers, after.listeners], ["stopped", 90_000, 0, 0, 0])
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("SVC-41 emit does not wait for listeners; emitAndWait returns after they handled it", () =>
    Effect.gen(function*() {
      const heard: Array<string> = []
      const { self } = yield* startIn("svc", {}, (self) => self.on(Ping, (p) => void heard.push(p)))
      yield* self.emit(Ping, "fire and forget")
      assert.deepStrictEqual(heard, [])
      yield* (yield* Bus.Bus).emitAndWait(Ping, "awaited")
      assert.deepStrictEqual(heard, ["fire and forget", "awaited"])
    }).pipe(Effect.provide(TestSpecter.layer)))
})
