/**
 * Cache: the acceptance checks of specter-behaviour.md §13, in their Effect form,
 * and the weaknesses of §20 that concern it (2, 4–7). Time is the TestClock.
 *
 * How the Effect design changes some checks:
 * - The cache is keyed (Effect's `Cache`); the original's single value is the case
 *   of one key, `K` below. `get(default)` is `getOption(key)` (with
 *   `Option.getOrElse` for the default), `is_valid()` is `has(key)`,
 *   `get_or_compute(factory)` is `getOrCompute(key, compute)` (or `get(key)` with
 *   a lookup given at construction).
 * - CAC-01, CAC-03: there is no `updated_at`; "empty" is shown by `getOption`,
 *   `has` and `size`.
 * - CAC-07 (parity) is weakness 7: a negative (or zero) time to live is refused
 *   with `InvalidTimeToLive`; "never expires" is omitting it.
 * - CAC-10 (parity) is weakness 5: `null` and `undefined` are cached values.
 * - CAC-12: the event is the cache's typed `invalidated` event; its payload says
 *   which cache and key were invalidated and the wave so far, instead of `null`.
 * - CAC-15: `onInvalidate` is scoped; its unsubscribe is closing that scope.
 * - CAC-16, CAC-18: the bus delivers asynchronously, so the tests emit with
 *   `emitAndWait` (returns once the cache's listener has handled the event).
 * - CAC-17: dependencies are typed: a cache (`dependsOn: [a]`) or an event (here
 *   `b.invalidated`); both cascade within the wave.
 * - CAC-18: destroy is also what closing the cache's scope does (INT-03, where the
 *   owning service is its scope).
 * - Weakness 2: a cycle can only be declared through an event named after a cache
 *   made later (a cache can only depend on caches that exist); it is refused then.
 *
 * TestLogger is imported from its file, not from `@specter-runtime/testing`, whose index
 * pulls in all of `@specter-runtime/core`.
 */
import { TestLogger } from "@specter-runtime/testing"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Data, Deferred, Effect, Exit, Fiber, Layer, Option, Queue, Scope } from "effect"
import { TestClock } from "effect/testing"
import * as Bus from "../src/Bus.ts"
import * as Cache from "../src/Cache.ts"

const K = "k"

const TestLayer = Layer.mergeAll(Bus.layer, Cache.layer, TestLogger.layer)

const recorder = <A>() =>
  Effect.map(Queue.unbounded<A>(), (queue) => ({
    handler: (value: A) => Queue.offer(queue, value),
    take: (n: number) => Queue.takeN(queue, n),
    pending: Queue.size(queue)
  }))

/** A compute that counts its runs. */
const counted = <A>(value: A) => {
  let runs = 0
  return { compute: Effect.sync(() => (runs++, value)), runs: () => runs }
}

describe("Cache", () => {
  it.effect("CAC-01 a new cache holds nothing: getOption is None (so the default), has is false, size 0", () =>
    Effect.gen(function*() {
      const cache = yield* Cache.make<string, string>("c")
      assert.isTrue(Option.isNone(yield* cache.getOption(K)))
      assert.strictEqual(Option.getOrElse(yield* cache.getOption(K), () => "d"), "d")
      assert.isFalse(yield* cache.has(K))
      assert.strictEqual(yield* cache.size, 0)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("CAC-02 set(k, 0) then getOption is Some(0) and has is true", () =>
    Effect.gen(function*() {
      const cache = yield* Cache.make<string, number>("c")
      yield* cache.set(K, 0)
      assert.deepStrictEqual(yield* cache.getOption(K), Option.some(0))
      assert.isTrue(yield* cache.has(K))
    }).pipe(Effect.provide(TestLayer)))

  it.effect("CAC-03 / weakness 6: with a 1 s time to live on the Clock, the value is there at 0.5 s and gone at 1 s", () =>
    Effect.gen(function*() {
      const cache = yield* Cache.make<string, string>("c", { timeToLive: "1 second" })
      yield* cache.set(K, "v")
      yield* TestClock.adjust("500 millis")
      assert.deepStrictEqual(yield* cache.getOption(K), Option.some("v"))
      yield* TestClock.adjust("500 millis")
      assert.isTrue(Option.isNone(yield* cache.getOption(K)))
      assert.strictEqual(yield* cache.size, 0, "the expiring read removed the entry")
    }).pipe(Effect.provide(TestLayer)))

  it.effect("CAC-04 the expiry boundary is inclusive: expired when exactly the time to live has passed", () =>
    Effect.gen(function*() {
      const cache = yield* Cache.make<string, string>("c", { timeToLive: "1 second" })
      const { compute, runs } = counted("v")
      yield* cache.getOrCompute(K, compute)
      yield* TestClock.adjust("999 millis")
      assert.isTrue(yield* cache.has(K))
      yield* cache.getOrCompute(K, compute)
      assert.strictEqual(runs(), 1)
      yield* TestClock.adjust("1 millis")
      assert.isFalse(yield* cache.has(K))
      yield* cache.getOrCompute(K, compute)
      assert.strictEqual(runs(), 2)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("CAC-05 has() on an expired entry is false without removing it; getOption removes it", () =>
    Effect.gen(function*() {
      const cache = yield* Cache.make<string, string>("c", { timeToLive: "1 second" })
      yield* cache.set(K, "v")
      yield* TestClock.adjust("2 seconds")
      assert.isFalse(yield* cache.has(K))
      assert.isFalse(yield* cache.has(K))
      assert.strictEqual(yield* cache.size, 1)
      assert.isTrue(Option.isNone(yield* cache.getOption(K)))
      assert.strictEqual(yield* cache.size, 0)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("CAC-06 set with a longer time to live outlives the cache's; after invalidate, the next set uses the cache's again", () =>
    Effect.gen(function*() {
      const cache = yield* Cache.make<string, string>("c", { timeToLive: "1 second" })
      yield* cache.set(K, "long", { timeToLive: "10 seconds" })
      yield* TestClock.adjust("5 seconds")
      assert.deepStrictEqual(yield* cache.getOption(K), Option.some("long"))
      assert.strictEqual(yield* cache.getOrCompute(K, Effect.succeed("computed")), "long")
      yield* cache.invalidate(K)
      yield* cache.set(K, "short")
      yield* TestClock.adjust("1 second")
      assert.isTrue(Option.isNone(yield* cache.getOption(K)))
    }).pipe(Effect.provide(TestLayer)))

  it.effect("CAC-07 (parity) / weakness 7: a negative or zero time to live is refused with InvalidTimeToLive; nothing changes", () =>
    Effect.gen(function*() {
      const cache = yield* Cache.make<string, string>("c", { timeToLive: "1 second" })
      yield* cache.set(K, "kept")
      const error = yield* Effect.flip(cache.set(K, "never", { timeToLive: -5 }))
      assert.strictEqual(error._tag, "InvalidTimeToLive")
      assert.strictEqual(
        error.message,
        "cache 'c': timeToLive must be a positive duration, got -5 (omit it for values that never expire)"
      )
      assert.deepStrictEqual(yield* cache.getOption(K), Option.some("kept"))
      assert.strictEqual((yield* Effect.flip(cache.set(K, "x", { timeToLive: 0 })))._tag, "InvalidTimeToLive")
      assert.strictEqual((yield* Effect.flip(Cache.make("d", { timeToLive: "-1 seconds" })))._tag, "InvalidTimeToLive")
      const failure = yield* Effect.flip(Cache.make("e", { failureTimeToLive: -1 }))
      assert.deepStrictEqual([failure._tag, failure.message], [
        "InvalidTimeToLive",
        "cache 'e': failureTimeToLive must be a non-negative duration, got -1"
      ])
    }).pipe(Effect.provide(TestLayer)))

  it.effect("CAC-08 getOrCompute runs the compute once while the value is valid and returns the cached value after", () =>
    Effect.gen(function*() {
      const cache = yield* Cache.make<string, string>("c", { timeToLive: "1 minute" })
      const { compute, runs } = counted("v")
      assert.strictEqual(yield* cache.getOrCompute(K, compute), "v")
      assert.strictEqual(yield* cache.getOrCompute(K, compute), "v")
      assert.strictEqual(runs(), 1)
      yield* TestClock.adjust("1 minute")
      assert.strictEqual(yield* cache.getOrCompute(K, compute), "v")
      assert.strictEqual(runs(), 2)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("CAC-09 concurrent getOrCompute calls on a missing key run the compute once and all receive its result", () =>
    Effect.gen(function*() {
      const cache = yield* Cache.make<string, number>("c")
      const release = yield* Deferred.make<void>()
      let runs = 0
      const compute = Effect.andThen(Deferred.await(release), Effect.sync(() => ++runs))
      const callers = yield* Effect.forkChild(
        Effect.all(Array.from({ length: 10 }, () => cache.getOrCompute(K, compute)), { concurrency: "unbounded" })
      )
      yield* Effect.yieldNow
      yield* Deferred.succeed(release, undefined)
      assert.deepStrictEqual(yield* Fiber.join(callers), Array.from({ length: 10 }, () => 1))
      assert.strictEqual(runs, 1)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("CAC-10 (parity) / weakness 5: null and undefined are cached values", () =>
    Effect.gen(function*() {
      const cache = yield* Cache.make<string, null | undefined>("c")
      const nulls = counted(null)
      const undefineds = counted(undefined)
      for (let i = 0; i < 3; i++) {
        assert.isNull(yield* cache.getOrCompute("a", nulls.compute))
        assert.isUndefined(yield* cache.getOrCompute("b", undefineds.compute))
      }
      assert.deepStrictEqual([nulls.runs(), undefineds.runs()], [1, 1])
      assert.deepStrictEqual(yield* cache.getOption("a"), Option.some(null))
      assert.isTrue(yield* cache.has("b"))
    }).pipe(Effect.provide(TestLayer)))

  it.effect("CAC-11 a failing compute leaves the key empty and fails the caller; the next call computes again", () =>
    Effect.gen(function*() {
      const cache = yield* Cache.make<string, string, string>("c")
      let runs = 0
      const failing = Effect.suspend(() => (++runs, Effect.fail("boom")))
      assert.strictEqual(yield* Effect.flip(cache.getOrCompute(K, failing)), "boom")
      assert.isFalse(yield* cache.has(K))
      assert.strictEqual(yield* Effect.flip(cache.getOrCompute(K, failing)), "boom")
      assert.strictEqual(runs, 2, "failures are not cached")
      assert.strictEqual(yield* cache.getOrCompute(K, Effect.succeed("ok")), "ok")
    }).pipe(Effect.provide(TestLayer)))

  it.effect("failed lookups are not cached forever: with failureTimeToLive the failure is kept that long, then retried", () =>
    Effect.gen(function*() {
      let runs = 0
      const cache = yield* Cache.make("c", {
        lookup: (_: string) => Effect.suspend(() => (++runs, Effect.fail("down"))),
        failureTimeToLive: "10 seconds"
      })
      yield* Effect.flip(cache.get(K))
      yield* Effect.flip(cache.get(K))
      assert.strictEqual(runs, 1)
      assert.isFalse(yield* cache.has(K), "a kept failure is not a value")
      yield* TestClock.adjust("10 seconds")
      yield* Effect.flip(cache.get(K))
      assert.strictEqual(runs, 2)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("CAC-12 invalidate empties the key, runs the onInvalidate handlers and publishes <name>:invalidated", () =>
    Effect.gen(function*() {
      const cache = yield* Cache.make<string, string>("c")
      assert.strictEqual(cache.invalidated.name, "c:invalidated")
      const events = yield* recorder<Cache.Invalidated<string>>()
      yield* Bus.listen(cache.invalidated, events.handler)
      const handled = yield* recorder<Cache.Invalidated<string>>()
      yield* cache.onInvalidate(handled.handler)
      yield* cache.set(K, "v")
      yield* cache.set("other", "w")
      yield* cache.invalidate(K)
      assert.isFalse(yield* cache.has(K))
      assert.isTrue(yield* cache.has("other"))
      const expected = { cache: "c", key: Option.some(K), wave: ["c"] }
      assert.deepStrictEqual(yield* handled.take(1), [expected])
      assert.deepStrictEqual(yield* events.take(1), [expected])
      yield* cache.invalidateAll
      assert.strictEqual(yield* cache.size, 0)
      assert.deepStrictEqual((yield* events.take(1))[0]!.key, Option.none())
    }).pipe(Effect.provide(TestLayer)))

  it.effect("CAC-13 invalidate on an empty key still runs the handlers and publishes the event", () =>
    Effect.gen(function*() {
      const cache = yield* Cache.make<string, string>("c")
      const events = yield* recorder<unknown>()
      yield* Bus.listen(cache.invalidated, events.handler)
      const handled = yield* recorder<unknown>()
      yield* cache.onInvalidate(handled.handler)
      yield* cache.invalidate(K)
      assert.strictEqual((yield* handled.take(1)).length, 1)
      assert.strictEqual((yield* events.take(1)).length, 1)
      // The same effect, run again, invalidates again (each run is a wave of its own).
      const all = cache.invalidateAll
      yield* all
      yield* all
      assert.strictEqual((yield* handled.take(2)).length, 2)
      assert.strictEqual((yield* events.take(2)).length, 2)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("CAC-14 a failing onInvalidate handler is logged; the other handlers and the event still happen", () =>
    Effect.gen(function*() {
      const cache = yield* Cache.make<string, string>("c")
      const events = yield* recorder<unknown>()
      yield* Bus.listen(cache.invalidated, events.handler)
      const order: Array<string> = []
      yield* cache.onInvalidate(() => Effect.sync(() => void order.push("first")))
      yield* cache.onInvalidate(() => Effect.fail("handler broke"))
      yield* cache.onInvalidate(() => Effect.die(new Error("handler died")))
      yield* cache.onInvalidate(() => Effect.sync(() => void order.push("last")))
      yield* cache.invalidate(K)
      assert.deepStrictEqual(order, ["first", "last"])
      assert.strictEqual((yield* events.take(1)).length, 1)
      const errors = (yield* TestLogger.TestLogger).at("Error")
      assert.strictEqual(errors.filter((e) => e.message === "cache 'c': an onInvalidate handler failed").length, 2)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("CAC-15 closing the handler's scope removes it, and closing it twice is harmless", () =>
    Effect.gen(function*() {
      const cache = yield* Cache.make<string, string>("c")
      let calls = 0
      const scope = yield* Scope.make()
      yield* Scope.provide(cache.onInvalidate(() => Effect.sync(() => void calls++)), scope)
      yield* cache.invalidate(K)
      yield* Scope.close(scope, Exit.void)
      yield* Scope.close(scope, Exit.void)
      yield* cache.invalidate(K)
      assert.strictEqual(calls, 1)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("CAC-16 a cache that dependsOn event x is invalidated when x is emitted on the bus", () =>
    Effect.gen(function*() {
      const X = Bus.event<{ readonly anything: boolean }>("x")
      const cache = yield* Cache.make<string, string>("c", { dependsOn: [X] })
      yield* cache.set(K, "v")
      yield* Bus.emitAndWait(X, { anything: true })
      assert.isFalse(yield* cache.has(K))
    }).pipe(Effect.provide(TestLayer)))

  it.effect("CAC-17 A <- B <- C: all three are empty as soon as A.invalidate returns", () =>
    Effect.gen(function*() {
      const a = yield* Cache.make<string, string>("a")
      const b = yield* Cache.make<string, string>("b", { dependsOn: [a] })
      const c = yield* Cache.make<string, string>("c", { dependsOn: [b.invalidated] })
      for (const cache of [a, b, c]) yield* cache.set(K, "v")
      const waves = yield* recorder<ReadonlyArray<string>>()
      yield* c.onInvalidate((event) => waves.handler(event.wave))
      yield* a.invalidate(K)
      assert.deepStrictEqual([yield* a.has(K), yield* b.has(K), yield* c.has(K)], [false, false, false])
      assert.deepStrictEqual(yield* waves.take(1), [["a", "b", "c"]])
    }).pipe(Effect.provide(TestLayer)))

  it.effect("CAC-18 after destroy, a dependency event no longer invalidates the cache or calls its handlers", () =>
    Effect.gen(function*() {
      const bus = yield* Bus.Bus
      const X = Bus.event<null>("x")
      const cache = yield* Cache.make<string, string>("c", { dependsOn: [X] })
      let calls = 0
      yield* cache.onInvalidate(() => Effect.sync(() => void calls++))
      assert.strictEqual(bus.subscribers(X), 1)
      yield* cache.destroy
      yield* cache.set(K, "v")
      yield* Bus.emitAndWait(X, null)
      assert.isTrue(yield* cache.has(K))
      assert.strictEqual(calls, 0)
      assert.strictEqual(bus.subscribers(X), 0)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("CAC-19 without a time to live, values never expire", () =>
    Effect.gen(function*() {
      const cache = yield* Cache.make<string, string>("c")
      yield* cache.set(K, "v")
      yield* TestClock.adjust("1000 days")
      assert.deepStrictEqual(yield* cache.getOption(K), Option.some("v"))
    }).pipe(Effect.provide(TestLayer)))

  it.effect("a lookup cache: get(key) looks each key up once, concurrently, and keys never wait for each other", () =>
    Effect.gen(function*() {
      const runs = new Map<number, number>()
      const gates = new Map<number, Deferred.Deferred<void>>()
      for (let i = 0; i < 5; i++) gates.set(i, yield* Deferred.make<void>())
      const cache = yield* Cache.make("squares", {
        lookup: (n: number) =>
          Effect.andThen(Deferred.await(gates.get(n)!), Effect.sync(() => (runs.set(n, (runs.get(n) ?? 0) + 1), n * n)))
      })
      const all = yield* Effect.forkChild(Effect.all(
        Array.from({ length: 50 }, (_, i) => cache.get(i % 5)),
        { concurrency: "unbounded" }
      ))
      yield* Effect.yieldNow
      yield* Deferred.succeed(gates.get(3)!, undefined) // key 3 finishes while the others still wait
      assert.strictEqual(yield* cache.get(3), 9)
      for (const gate of gates.values()) yield* Deferred.succeed(gate, undefined)
      assert.deepStrictEqual((yield* Fiber.join(all)).slice(0, 5), [0, 1, 4, 9, 16])
      assert.deepStrictEqual([...runs.values()], [1, 1, 1, 1, 1])
    }).pipe(Effect.provide(TestLayer)))

  it.effect("keys compare with Equal: an equal Data key reads, and invalidates, the same entry", () =>
    Effect.gen(function*() {
      class Id extends Data.Class<{ readonly id: number }> {}
      const cache = yield* Cache.make<Id, string>("c")
      const { compute, runs } = counted("v")
      const first = new Id({ id: 1 })
      yield* cache.getOrCompute(first, compute)
      assert.strictEqual(yield* cache.getOrCompute(new Id({ id: 1 }), compute), "v")
      assert.strictEqual(runs(), 1)
      yield* cache.invalidate(new Id({ id: 1 }))
      assert.isFalse(yield* cache.has(first))
      yield* cache.getOrCompute(first, compute)
      assert.strictEqual(runs(), 2)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("capacity: beyond it, the entries stored longest ago go first (plain and Data keys)", () =>
    Effect.gen(function*() {
      class Id extends Data.Class<{ readonly id: number }> {}
      const names = yield* Cache.make<string, number>("names", { capacity: 2 })
      const ids = yield* Cache.make<Id, number>("ids", { capacity: 2 })
      for (const [i, name] of ["a", "b", "c"].entries()) {
        yield* names.getOrCompute(name, Effect.succeed(i))
        yield* ids.set(new Id({ id: i }), i)
      }
      assert.deepStrictEqual([yield* names.has("a"), yield* names.has("b"), yield* names.has("c")], [false, true, true])
      assert.deepStrictEqual([yield* ids.has(new Id({ id: 0 })), yield* ids.has(new Id({ id: 2 }))], [false, true])
      assert.deepStrictEqual([yield* names.size, yield* ids.size], [2, 2])
      assert.strictEqual(yield* names.getOrCompute("a", Effect.succeed(9)), 9)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("invalidate or set while a computation runs: its callers get its value, later readers do not", () =>
    Effect.gen(function*() {
      const cache = yield* Cache.make<string, string>("c")
      for (const change of [cache.invalidate(K), cache.set(K, "set")]) {
        const release = yield* Deferred.make<void>()
        const caller = yield* Effect.forkChild(cache.getOrCompute(K, Effect.as(Deferred.await(release), "stale")), {
          startImmediately: true
        })
        yield* change
        yield* Deferred.succeed(release, undefined)
        assert.strictEqual(yield* Fiber.join(caller), "stale")
        assert.notStrictEqual(yield* cache.getOrCompute(K, Effect.succeed("fresh")), "stale")
        yield* cache.invalidate(K)
      }
    }).pipe(Effect.provide(TestLayer)))

  it.effect("weakness 4: no lock is held while a computation runs: set, invalidate and reads of the same cache go on", () =>
    Effect.gen(function*() {
      const cache = yield* Cache.make<string, string>("c")
      const never = yield* Deferred.make<string>()
      const slow = yield* Effect.forkChild(cache.getOrCompute("slow", Deferred.await(never)), { startImmediately: true })
      yield* cache.set("other", "v")
      assert.deepStrictEqual(yield* cache.getOption("other"), Option.some("v"))
      assert.strictEqual(yield* cache.getOrCompute("third", Effect.succeed("w")), "w")
      yield* cache.invalidate("other")
      assert.isFalse(yield* cache.has("slow"))
      yield* Deferred.succeed(never, "done")
      assert.strictEqual(yield* Fiber.join(slow), "done")
    }).pipe(Effect.provide(TestLayer)))

  it.effect("weakness 4: a compute that reads its own key, directly or through another key, is a clear defect, not a deadlock", () =>
    Effect.gen(function*() {
      const cache: Cache.Cache<string, string> = yield* Cache.make<string, string>("c")
      const nested = cache.getOrCompute("outer", Effect.map(cache.getOrCompute("inner", Effect.succeed("i")), (i) => `o+${i}`))
      assert.strictEqual(yield* nested, "o+i")
      const selfReading: Effect.Effect<string> = cache.getOrCompute("loop", Effect.suspend(() => selfReading))
      const exit = yield* Effect.exit(selfReading)
      assert.isTrue(Exit.isFailure(exit))
      assert.include(
        String(Cause.squash((exit as Exit.Failure<string, never>).cause)),
        "the computation of cache 'c' for key \"loop\" reads that same key: it would wait for itself forever"
      )
      const one: Effect.Effect<string> = cache.getOrCompute("one", Effect.suspend(() => two))
      const two: Effect.Effect<string> = cache.getOrCompute("two", Effect.suspend(() => one))
      const mutual = yield* Effect.exit(one)
      assert.include(String(Cause.squash((mutual as Exit.Failure<string, never>).cause)), "key \"one\" reads that same key")
    }).pipe(Effect.provide(TestLayer)))

  it.effect("weakness 2: a dependency cycle is refused when it is declared, naming the cycle", () =>
    Effect.gen(function*() {
      const a = yield* Cache.make("a", { dependsOn: [Bus.event<Cache.Invalidated<string>>("c:invalidated")] }) // c comes later
      const b = yield* Cache.make("b", { dependsOn: [a] })
      const error = yield* Effect.flip(Cache.make("c", { dependsOn: [b] }))
      assert.strictEqual(error._tag, "CacheCycle")
      assert.deepStrictEqual((error as Cache.CacheCycle).cycle, ["c", "a", "b", "c"])
      assert.strictEqual(error.message, "cache 'c' would close a dependency cycle: c -> a -> b -> c")
      const self = yield* Effect.flip(Cache.make("self", { dependsOn: [Bus.event<unknown>("self:invalidated")] }))
      assert.strictEqual(self._tag, "CacheCycle")
      // A refused cache is not registered: its name is free.
      yield* Cache.make("c")
    }).pipe(Effect.provide(TestLayer)))

  it.effect("weakness 2: a wave invalidates each cache once, even in a diamond", () =>
    Effect.gen(function*() {
      const a = yield* Cache.make<string, string>("a")
      const b = yield* Cache.make<string, string>("b", { dependsOn: [a] })
      const c = yield* Cache.make<string, string>("c", { dependsOn: [a] })
      const d = yield* Cache.make<string, string>("d", { dependsOn: [b, c] })
      const waves: Array<ReadonlyArray<string>> = []
      yield* d.onInvalidate((event) => Effect.sync(() => void waves.push(event.wave)))
      yield* a.invalidateAll
      assert.deepStrictEqual(waves, [["a", "b", "d"]])
    }).pipe(Effect.provide(TestLayer)))

  it.effect("weakness 2: a dependency on another cache's event is invalidated once per wave, and still by an emit from elsewhere", () =>
    Effect.gen(function*() {
      const b = yield* Cache.make<string, string>("b")
      const c = yield* Cache.make<string, string>("c", { dependsOn: [b.invalidated] })
      let waves = 0
      yield* c.onInvalidate(() => Effect.sync(() => void waves++))
      yield* b.invalidate(K)
      assert.strictEqual(waves, 1)
      // Delivered after the wave's own event: once this returns, c's listener has seen both.
      yield* Bus.emitAndWait(b.invalidated, { cache: "elsewhere", key: Option.none(), wave: [] })
      assert.strictEqual(waves, 2)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("a second cache with the same name in the same application is refused; another application may use it", () =>
    Effect.gen(function*() {
      yield* Cache.make("c")
      const error = yield* Effect.flip(Cache.make("c"))
      assert.deepStrictEqual([error._tag, error.message], ["DuplicateCache", "a cache named 'c' already exists"])
      const other = yield* Cache.make("c").pipe(Effect.provide(Layer.fresh(Cache.layer)))
      assert.strictEqual(other.name, "c")
    }).pipe(Effect.provide(TestLayer)))

  it.effect("INT-03 a cache with dependsOn made in an owner's scope: once that scope closes, the event no longer invalidates it", () =>
    Effect.gen(function*() {
      const bus = yield* Bus.Bus
      const X = Bus.event<null>("x")
      const owner = yield* Scope.make()
      const cache = yield* Scope.provide(Cache.make<string, string>("c", { dependsOn: [X] }), owner)
      yield* cache.set(K, "v")
      yield* Bus.emitAndWait(X, null)
      assert.isFalse(yield* cache.has(K))
      yield* Scope.close(owner, Exit.void)
      yield* cache.set(K, "v")
      yield* Bus.emitAndWait(X, null)
      assert.isTrue(yield* cache.has(K))
      assert.strictEqual(bus.subscribers(X), 0)
      yield* Cache.make("c") // the name is free again
    }).pipe(Effect.provide(TestLayer)))
})
