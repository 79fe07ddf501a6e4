/**
 * Service state, health and emit: the checks of specter-behaviour.md §2 about them.
 *
 * A service's state is whatever it chooses to expose; here, as in most services, a
 * `Store` made in its `make` (so it lives and ends with the service), whose
 * `listen` is the original's `subscribe`/`watch` and whose `set` is `set_state`.
 * The original handed every subscriber one shared copy (SVC-27's "mutating the
 * copy"): a state here is frozen and shared, so no subscriber can change what
 * another sees.
 */
import { TestLogger, TestSpecter } from "@specter-runtime/testing"
import { assert, describe, it } from "@effect/vitest"
import { Bus, Service, Store } from "@specter-runtime/core"
import { Effect, Exit, Scope } from "effect"
import { TestClock } from "effect/testing"
import { healthOf, startIn } from "./helpers.ts"

const Ping = Bus.event<string>("ping")

/** A service whose state is a Store holding `initial`. */
const stateful = <S extends object>(initial: S) =>
  Effect.map(startIn("svc", Effect.map(Store.make("svc", initial), (state) => ({ state }))), ({ service, scope }) => ({
    state: service.state,
    scope
  }))

describe("Service state", () => {
  it.effect("SVC-26 set merges shallowly: other keys stay, nested objects are replaced", () =>
    Effect.gen(function*() {
      const { state } = yield* stateful({ a: 0, b: "keep", nested: { x: 1, y: 2 } as { x?: number; y?: number } })
      yield* state.set({ a: 1, nested: { x: 9 } })
      assert.deepStrictEqual(yield* state.get(), { a: 1, b: "keep", nested: { x: 9 } })
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("SVC-27 every listener sees every change, in order, and cannot change what the others see", () =>
    Effect.gen(function*() {
      const seen: Array<Array<number>> = [[], []]
      const { state } = yield* stateful({ n: 0 })
      yield* state.listen((s) => Effect.sync(() => void seen[0]!.push(s.n)))
      yield* state.listen((s) => Effect.sync(() => void seen[1]!.push(s.n)))
      for (let n = 1; n <= 3; n++) yield* state.set({ n })
      yield* Effect.yieldNow
      assert.deepStrictEqual(seen, [[1, 2, 3], [1, 2, 3]])
      assert.throws(() => void ((Effect.runSync(state.get()) as { n: number }).n = 99))
    }).pipe(Effect.provide(TestSpecter.layer), Effect.scoped))

  it.effect("SVC-28 a failing listener is logged and the other listeners still run", () =>
    Effect.gen(function*() {
      const seen: Array<number> = []
      const { state } = yield* stateful({ n: 0 })
      yield* state.listen(() => Effect.die("listener broke"))
      yield* state.listen((s) => Effect.sync(() => void seen.push(s.n)))
      yield* state.set({ n: 1 })
      yield* state.set({ n: 2 })
      yield* Effect.yieldNow
      assert.deepStrictEqual(seen, [1, 2])
      assert.strictEqual((yield* TestLogger.TestLogger).at("Error").length, 2)
    }).pipe(Effect.provide(TestSpecter.layer), Effect.scoped))

  it.effect("SVC-29 listen with immediate sees the current state at once; without, only changes", () =>
    Effect.gen(function*() {
      const immediate: Array<number> = []
      const later: Array<number> = []
      const { state } = yield* stateful({ n: 7 })
      yield* state.listen((s) => Effect.sync(() => void immediate.push(s.n)), { immediate: true })
      yield* state.listen((s) => Effect.sync(() => void later.push(s.n)))
      yield* Effect.yieldNow
      assert.deepStrictEqual([immediate, later], [[7], []])
      yield* state.set({ n: 8 })
      yield* Effect.yieldNow
      assert.deepStrictEqual([immediate, later], [[7, 8], [8]])
    }).pipe(Effect.provide(TestSpecter.layer), Effect.scoped))

  it.effect("SVC-30 (weakness 3) the same handler listened twice is two subscriptions", () =>
    Effect.gen(function*() {
      let calls = 0
      const handler = () => Effect.sync(() => void calls++)
      const { state } = yield* stateful({ n: 0 })
      yield* state.listen(handler)
      yield* state.listen(handler)
      yield* state.set({ n: 1 })
      yield* Effect.yieldNow
      assert.strictEqual(calls, 2)
    }).pipe(Effect.provide(TestSpecter.layer), Effect.scoped))

  it.effect("SVC-31 and SVC-32 closing the listener's scope unsubscribes it", () =>
    Effect.gen(function*() {
      const seen: Array<number> = []
      const { state } = yield* stateful({ n: 0 })
      const owner = yield* Scope.make()
      yield* Scope.provide(state.listen((s) => Effect.sync(() => void seen.push(s.n))), owner)
      yield* state.set({ n: 1 })
      yield* Effect.yieldNow
      yield* Scope.close(owner, Exit.void)
      yield* state.set({ n: 2 })
      yield* Effect.yieldNow
      assert.deepStrictEqual(seen, [1])
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("SVC-33 and SVC-34 listeners end when the service stops, even if their scope lives on", () =>
    Effect.gen(function*() {
      const seen: Array<number> = []
      const { scope, state } = yield* stateful({ n: 0 })
      yield* state.listen((s) => Effect.sync(() => void seen.push(s.n)), { immediate: true })
      yield* Effect.yieldNow
      yield* Scope.close(scope, Exit.void)
      yield* state.set({ n: 5 })
      yield* Effect.yieldNow
      assert.deepStrictEqual(seen, [0])
    }).pipe(Effect.provide(TestSpecter.layer), Effect.scoped))

  it.effect("SVC-39 health reports status, uptime, fibers, timers and what its probes say; frozen after stop", () =>
    Effect.gen(function*() {
      const { scope } = yield* startIn("svc", Effect.gen(function*() {
        yield* Service.spawn(Effect.never)
        yield* Service.interval("1 minute", Effect.void)
        yield* Service.health(Effect.succeed({ mode: "idle" }))
      }))
      yield* TestClock.adjust("90 seconds")
      assert.deepStrictEqual(yield* healthOf("svc"), {
        name: "svc",
        status: "running",
        uptimeMs: 90_000,
        fibers: 1,
        timers: 1,
        listeners: 0,
        details: [{ mode: "idle" }]
      })
      yield* Scope.close(scope, Exit.void)
      assert.isUndefined(yield* healthOf("svc"))
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("health counts the bus and state listeners a service runs, until they end", () =>
    Effect.gen(function*() {
      const Ping = Bus.event<number>("ping")
      const { scope } = yield* startIn("listening", Effect.gen(function*() {
        const counts = yield* Store.make("counts", { n: 0 })
        yield* Bus.listen(Ping, () => Effect.void)
        yield* Bus.on(Ping, () => {})
        yield* Bus.once(Ping, () => Effect.void)
        yield* counts.listen(() => Effect.void)
      }))
      assert.strictEqual((yield* healthOf("listening"))?.listeners, 4)
      yield* Bus.emit(Ping, 1)
      yield* TestClock.adjust("1 millis")
      assert.strictEqual((yield* healthOf("listening"))?.listeners, 3, "the once listener ended after its event")
      yield* Scope.close(scope, Exit.void)
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("a failing health probe makes a running service report failed, with the probe's error", () =>
    Effect.gen(function*() {
      let healthy = true
      yield* startIn("db", Service.health(Effect.suspend(() => (healthy ? Effect.void : Effect.fail("connection lost")))))
      assert.strictEqual((yield* healthOf("db"))?.status, "running")
      healthy = false
      const health = yield* healthOf("db")
      assert.strictEqual(health?.status, "failed")
      assert.include(health?.error, "connection lost")
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("SVC-41 emit does not wait for listeners; emitAndWait returns after they handled it", () =>
    Effect.gen(function*() {
      const heard: Array<string> = []
      yield* startIn("svc", Bus.on(Ping, (p) => void heard.push(p)))
      yield* Bus.emit(Ping, "fire and forget")
      assert.deepStrictEqual(heard, [])
      yield* Bus.emitAndWait(Ping, "awaited")
      assert.deepStrictEqual(heard, ["fire and forget", "awaited"])
    }).pipe(Effect.provide(TestSpecter.layer)))
})
