/**
 * Watcher: the acceptance checks of specter-behaviour.md §7 and weaknesses 25–27 of
 * §20, on the Stream shape (a watcher is a Stream; one run of it is one watch).
 * Timing runs on `TestClock`. Sources, bus events, `latest` and files are in
 * WatcherSources.test.ts.
 *
 * Checks the Stream shape makes impossible to violate, so they have no test:
 * - WAT-01 (both poll and stream, or neither): there is one constructor per source
 *   (`poll`, `stream`, `files`), each taking exactly that source.
 * - WAT-16, first half (start twice spawns one loop): there is no `start`; each run
 *   of the Stream is one watch with one loop ("each run is its own watch" is tested).
 *
 * Checks re-expressed for the new shape (the handle and its `subscribe`, `stop` and
 * `join` are gone; a subscriber is a consumer of the Stream, or of `Stream.share`):
 * - WAT-08 a failing subscriber: a failing consumer of a shared watch.
 * - WAT-12, 13, 20, 22 stop: closing the consumer's scope, or interrupting it.
 * - WAT-16, second half (stop twice): closing the consumer's scope twice.
 * - WAT-17 unsubscribe: closing one consumer's scope of a shared watch.
 * - WAT-21 stop from inside a subscriber (weakness 27): the consumer ends its own
 *   watch from its element step (`Stream.takeUntil`).
 *
 * 28 tests before, 35 now: the 28 checks are kept (re-expressed as above), and
 * 7 are added: dedupe across restarts (WAT-06b), a source with values restarts
 * after the first delay (WAT-14d, weakness 25), a defect and an interruption of
 * the source (WAT-25d, WAT-25e), `Stream.take(3)`, two consumers through
 * `Stream.share`, each run its own watch.
 */
import { assert, describe, it } from "@effect/vitest"
import { Cause, Clock, Duration, Effect, Exit, Fiber, Option, Schedule, Scope, Stream, SubscriptionRef } from "effect"
import { TestClock } from "effect/testing"
import * as Watcher from "../src/Watcher.ts"
import { collect, failingPoll, isDone, Logs, recordEvents, script, settle, TestLayer } from "./watcherHelpers.ts"

const uptimeMs = <A>(health: SubscriptionRef.SubscriptionRef<Watcher.Health<A>>) =>
  Effect.flatMap(SubscriptionRef.get(health), (h) => Effect.map(Watcher.uptime(h), Duration.toMillis))

describe("Watcher", () => {
  it.effect("WAT-02 an interval of 10 ms behaves as 100 ms", () =>
    Effect.gen(function*() {
      let polls = 0
      yield* collect(Watcher.poll(Effect.sync(() => ++polls), { interval: "10 millis" }))
      yield* TestClock.adjust("1 second")
      assert.strictEqual(polls, 11) // at 0, 100, …, 1000 ms
    }).pipe(Effect.provide(TestLayer)))

  it.effect("WAT-03 poll emits the first value at once, before the interval elapsed", () =>
    Effect.gen(function*() {
      const { fiber, values } = yield* collect(Watcher.poll(Effect.succeed("first"), { interval: "1 minute" }))
      yield* settle // the clock does not move
      assert.deepStrictEqual(values, ["first"])
      assert.isFalse(yield* isDone(fiber))
    }).pipe(Effect.provide(TestLayer)))

  it.effect("WAT-04 poll with an interval of 1 s emits n + 1 values over n seconds", () =>
    Effect.gen(function*() {
      let n = 0
      const { values } = yield* collect(Watcher.poll(Effect.sync(() => ++n), { interval: "1 second" }))
      yield* TestClock.adjust("5 seconds")
      assert.deepStrictEqual(values, [1, 2, 3, 4, 5, 6])
    }).pipe(Effect.provide(TestLayer)))

  it.effect("WAT-05 with dedupe, polls 1,1,2,2,1 emit 1,2,1", () =>
    Effect.gen(function*() {
      const { values } = yield* collect(Watcher.poll(script([1, 1, 2, 2, 1]), { interval: "1 second", dedupe: true }))
      yield* TestClock.adjust("4 seconds")
      assert.deepStrictEqual(values, [1, 2, 1])
    }).pipe(Effect.provide(TestLayer)))

  it.effect("WAT-06 dedupe compares transformed values: parity of 1,3,2 emits odd, even", () =>
    Effect.gen(function*() {
      const { values } = yield* collect(Watcher.poll(script([1, 3, 2]), {
        interval: "1 second",
        dedupe: true,
        transform: (n) => ({ parity: n % 2 === 0 ? "even" : "odd" }) // structural, not by reference
      }))
      yield* TestClock.adjust("2 seconds")
      assert.deepStrictEqual(values, [{ parity: "odd" }, { parity: "even" }])
    }).pipe(Effect.provide(TestLayer)))

  it.effect("WAT-06b dedupe holds across restarts: a source that completes with the same value emits it once", () =>
    Effect.gen(function*() {
      let runs = 0
      const source = Stream.suspend(() => {
        runs++
        return Stream.make("same")
      })
      const { values } = yield* collect(Watcher.stream(source, { dedupe: true, repeat: Schedule.spaced("1 second") }))
      yield* TestClock.adjust("3 seconds")
      assert.strictEqual(runs, 4)
      assert.deepStrictEqual(values, ["same"])
    }).pipe(Effect.provide(TestLayer)))

  it.effect("WAT-07 without dedupe every value is emitted and the health's lastValue tracks the last one", () =>
    Effect.gen(function*() {
      const health = yield* Watcher.health<number>()
      const { values } = yield* collect(Watcher.poll(script([1, 1, 2]), { interval: "1 second", health }))
      yield* TestClock.adjust("2 seconds")
      assert.deepStrictEqual(values, [1, 1, 2])
      assert.deepStrictEqual((yield* SubscriptionRef.get(health)).lastValue, Option.some(2))
    }).pipe(Effect.provide(TestLayer)))

  it.effect("WAT-08 a failing consumer of a shared watch is not a watcher error; the other consumer gets every value", () =>
    Effect.gen(function*() {
      const health = yield* Watcher.health<number>()
      const shared = yield* Stream.share(
        Watcher.poll(script([1, 2, 3]), { interval: "1 second", health }),
        { capacity: 16, replay: 1 }
      )
      const failing = yield* Stream.runForEach(shared, () => Effect.fail("consumer broke")).pipe(
        Effect.forkScoped({ startImmediately: true })
      )
      const other = yield* collect(shared)
      yield* TestClock.adjust("2 seconds")
      assert.deepStrictEqual(other.values, [1, 2, 3])
      assert.deepStrictEqual(yield* Fiber.await(failing), Exit.fail("consumer broke"))
      assert.strictEqual((yield* SubscriptionRef.get(health)).errorCount, 0)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("WAT-09 a failing poll is retried after 1 s, 2 s, 4 s, 8 s, each failure counted and logged", () =>
    Effect.gen(function*() {
      const { attempts, poll } = failingPoll()
      const health = yield* Watcher.health<never>()
      yield* collect(Watcher.poll(poll, { interval: "1 second", health }))
      yield* TestClock.adjust("16 seconds")
      assert.deepStrictEqual(attempts, [0, 1000, 3000, 7000, 15000])
      const { errorCount, restarts } = yield* SubscriptionRef.get(health)
      assert.deepStrictEqual({ errorCount, restarts }, { errorCount: 5, restarts: 4 })
      const warnings = (yield* Logs).filter((e) => e.level === "Warn").map((e) => e.message)
      assert.deepStrictEqual(warnings[2], "watcher 'watcher': poll failed (error #3); retrying in 4s")
      assert.strictEqual(warnings.length, 5)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("WAT-10 with maxBackoff 2 s the delays are 1, 2, 2, 2 s", () =>
    Effect.gen(function*() {
      const { attempts, poll } = failingPoll()
      yield* collect(Watcher.poll(poll, { maxBackoff: "2 seconds" }))
      yield* TestClock.adjust("7 seconds")
      assert.deepStrictEqual(attempts, [0, 1000, 3000, 5000, 7000])
    }).pipe(Effect.provide(TestLayer)))

  it.effect("WAT-09b (weakness 26) the backoff starts over after a success", () =>
    Effect.gen(function*() {
      const steps = [new Error("1"), new Error("2"), new Error("3"), "ok", new Error("4"), new Error("5"), "ok"]
      const attempts: Array<number> = []
      const poll = Effect.andThen(
        Effect.flatMap(Clock.currentTimeMillis, (now) => Effect.sync(() => attempts.push(now))),
        script(steps)
      )
      yield* collect(Watcher.poll(poll, { interval: "10 seconds" }))
      yield* TestClock.adjust("20 seconds")
      // 3 failures (1, 2, 4 s), a value, the interval, then 1 s again: not 8 s.
      assert.deepStrictEqual(attempts, [0, 1000, 3000, 7000, 17000, 18000, 20000])
    }).pipe(Effect.provide(TestLayer)))

  it.effect("WAT-09c a custom retry Schedule gives the delays, and the Stream fails with WatcherFailed when it ends", () =>
    Effect.gen(function*() {
      const { attempts, poll } = failingPoll()
      const { fiber } = yield* collect(
        Watcher.poll(poll, { name: "w", retry: Schedule.spaced("3 seconds").pipe(Schedule.upTo({ times: 2 })) })
      )
      yield* TestClock.adjust("1 minute")
      assert.deepStrictEqual(attempts, [0, 3000, 6000])
      const exit = yield* Fiber.await(fiber)
      assert.isTrue(Exit.isFailure(exit) && Cause.squash(exit.cause) instanceof Watcher.WatcherFailed)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("WAT-11 retry: false fails the Stream on the first failure, with the name and the cause; running is false", () =>
    Effect.gen(function*() {
      const { attempts, poll } = failingPoll()
      const health = yield* Watcher.health<never>()
      const error = yield* Effect.flip(Stream.runDrain(Watcher.poll(poll, { name: "w", retry: false, health })))
      assert.deepStrictEqual(attempts, [0])
      assert.strictEqual(error._tag, "WatcherFailed")
      assert.strictEqual(error.watcher, "w")
      assert.strictEqual(error.message, "watcher 'w' failed: down")
      assert.isFalse((yield* SubscriptionRef.get(health)).running)
      const errors = (yield* Logs).filter((e) => e.level === "Error").map((e) => e.message)
      assert.deepStrictEqual(errors, ["watcher 'w': poll failed; the watcher ends"])
    }).pipe(Effect.provide(TestLayer)))

  it.effect("WAT-12 closing the consumer's scope during a backoff wait ends the watch at once", () =>
    Effect.gen(function*() {
      const { attempts, poll } = failingPoll()
      const health = yield* Watcher.health<never>()
      const scope = yield* Scope.make()
      const { fiber } = yield* Scope.provide(collect(Watcher.poll(poll, { retry: Schedule.spaced("1 hour"), health })), scope)
      yield* settle
      assert.deepStrictEqual(attempts, [0])
      yield* Scope.close(scope, Exit.void) // the test clock never moves: a close that waited would hang
      assert.isTrue(yield* isDone(fiber))
      assert.isFalse((yield* SubscriptionRef.get(health)).running)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("WAT-13 closing the consumer's scope during the interval wait ends the watch at once", () =>
    Effect.gen(function*() {
      const health = yield* Watcher.health<number>()
      const scope = yield* Scope.make()
      const { fiber, values } = yield* Scope.provide(collect(Watcher.poll(Effect.succeed(1), { interval: "1 hour", health })), scope)
      yield* settle
      assert.deepStrictEqual(values, [1])
      yield* Scope.close(scope, Exit.void)
      assert.isTrue(yield* isDone(fiber))
      assert.isFalse((yield* SubscriptionRef.get(health)).running)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("WAT-14 stream mode emits every item in order, then runs the source again after the repeat delay", () =>
    Effect.gen(function*() {
      const health = yield* Watcher.health<number>()
      const { values } = yield* collect(Watcher.stream(Stream.make(1, 2, 3), { repeat: Schedule.spaced("1 second"), health }))
      yield* settle
      assert.deepStrictEqual(values, [1, 2, 3])
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(values, [1, 2, 3, 1, 2, 3])
      assert.strictEqual((yield* SubscriptionRef.get(health)).restarts, 1)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("WAT-14b (weakness 25) an empty source backs off instead of spinning", () =>
    Effect.gen(function*() {
      let runs = 0
      const empty = Stream.fromEffect(Effect.sync(() => void runs++)).pipe(Stream.drain)
      yield* collect(Watcher.stream(empty))
      yield* TestClock.adjust("10 seconds")
      assert.strictEqual(runs, 4) // at 0, 1, 3 and 7 s
      runs = 0
      yield* collect(Watcher.stream(empty, { repeat: Schedule.forever })) // no delay asked: 100 ms all the same
      yield* TestClock.adjust("1 second")
      assert.strictEqual(runs, 11)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("WAT-14c (weakness 25) repeat: false ends the Stream when the source completes, even with retry on", () =>
    Effect.gen(function*() {
      const { fiber, values } = yield* collect(Watcher.stream(Stream.make(1, 2), { repeat: false, retry: true }))
      yield* TestClock.adjust("1 minute")
      assert.deepStrictEqual(values, [1, 2])
      assert.deepStrictEqual(yield* Fiber.await(fiber), Exit.void)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("WAT-14d (weakness 25) a source that emitted and completed runs again after the first delay, not a grown one", () =>
    Effect.gen(function*() {
      const { values } = yield* collect(Watcher.stream(Stream.fromEffect(Clock.currentTimeMillis)))
      yield* TestClock.adjust("4 seconds")
      assert.deepStrictEqual(values, [0, 1000, 2000, 3000, 4000]) // an empty one waits 1, 2, 4 s (WAT-14b)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("WAT-15 an error mid-stream backs off, then the source runs afresh", () =>
    Effect.gen(function*() {
      let runs = 0
      const source = Stream.suspend(() =>
        ++runs === 1 ? Stream.concat(Stream.make(1, 2), Stream.fail("broken")) : Stream.make(3)
      )
      const health = yield* Watcher.health<number>()
      const { values } = yield* collect(Watcher.stream(source, { repeat: false, health }))
      yield* settle
      assert.deepStrictEqual(values, [1, 2])
      assert.strictEqual((yield* SubscriptionRef.get(health)).errorCount, 1)
      yield* TestClock.adjust("999 millis")
      assert.deepStrictEqual(values, [1, 2])
      yield* TestClock.adjust("1 millis")
      assert.deepStrictEqual(values, [1, 2, 3])
      assert.strictEqual(runs, 2)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("WAT-16 closing the consumer's scope twice ends the watch once (one Stopped event)", () =>
    Effect.gen(function*() {
      const seen = yield* recordEvents
      const scope = yield* Scope.make()
      yield* Scope.provide(collect(Watcher.poll(Effect.succeed(1))), scope)
      yield* settle
      yield* Scope.close(scope, Exit.void)
      yield* Scope.close(scope, Exit.void)
      yield* settle
      assert.deepStrictEqual(seen.filter((e) => e.startsWith("stopped")), ["stopped stopped"])
    }).pipe(Effect.provide(TestLayer)))

  it.effect("WAT-17 closing one consumer's scope of a shared watch unsubscribes it; closing it again does not throw", () =>
    Effect.gen(function*() {
      let n = 0
      const shared = yield* Stream.share(Watcher.poll(Effect.sync(() => ++n), { interval: "1 second" }), { capacity: 16, replay: 1 })
      const scope = yield* Scope.make()
      const leaving = yield* Scope.provide(collect(shared), scope)
      const staying = yield* collect(shared)
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(leaving.values, [1, 2])
      yield* Scope.close(scope, Exit.void)
      yield* Scope.close(scope, Exit.void)
      yield* TestClock.adjust("2 seconds")
      assert.deepStrictEqual(leaving.values, [1, 2])
      assert.deepStrictEqual(staying.values, [1, 2, 3, 4])
    }).pipe(Effect.provide(TestLayer)))

  it.effect("WAT-18 health reports name, mode, errors, restarts (after failure and completion) and a frozen uptime", () =>
    Effect.gen(function*() {
      const health = yield* Watcher.health<number>()
      const { fiber } = yield* collect(Watcher.poll(script([new Error("x"), new Error("y"), 1]), { name: "w", health }))
      yield* TestClock.adjust("3 seconds")
      const h = yield* SubscriptionRef.get(health)
      assert.deepInclude(h, { name: "w", running: true, errorCount: 2, restarts: 2 })
      assert.deepStrictEqual([h.mode, h.lastValue], [Option.some("poll"), Option.some(1)])
      assert.strictEqual((Cause.squash(Option.getOrThrow(h.lastError)) as Error).message, "y")
      assert.strictEqual(yield* uptimeMs(health), 3000)
      yield* TestClock.adjust("1 second")
      yield* Fiber.interrupt(fiber)
      yield* TestClock.adjust("5 seconds")
      assert.isFalse((yield* SubscriptionRef.get(health)).running)
      assert.strictEqual(yield* uptimeMs(health), 4000) // frozen when the watch ended
      const streamHealth = yield* Watcher.health<number>()
      yield* collect(Watcher.stream(Stream.make(1), { repeat: Schedule.spaced("1 second"), health: streamHealth }))
      yield* TestClock.adjust("2 seconds")
      const s = yield* SubscriptionRef.get(streamHealth)
      assert.deepStrictEqual([s.mode, s.restarts, s.errorCount], [Option.some("stream"), 2, 0])
    }).pipe(Effect.provide(TestLayer)))

  it.effect("WAT-19 latest is None before the first value", () =>
    Effect.gen(function*() {
      const latest = yield* Watcher.latest(Watcher.poll(Effect.as(Effect.sleep("1 second"), 1)))
      yield* settle
      assert.deepStrictEqual(yield* SubscriptionRef.get(latest), Option.none())
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(yield* SubscriptionRef.get(latest), Option.some(1))
    }).pipe(Effect.provide(TestLayer)))

  it.effect("WAT-20 (weakness 27) interrupting the consumer of a stream blocked waiting for an item returns at once", () =>
    Effect.gen(function*() {
      const seen = yield* recordEvents
      const health = yield* Watcher.health<never>()
      const { fiber } = yield* collect(Watcher.stream(Stream.never, { health }))
      yield* settle
      yield* Fiber.interrupt(fiber) // the test clock never moves: a stop that waited 5 s would hang
      assert.isFalse((yield* SubscriptionRef.get(health)).running)
      yield* settle
      assert.deepStrictEqual(seen, ["started watcher stream", "stopped stopped"])
    }).pipe(Effect.provide(TestLayer)))

  it.effect("WAT-21 (weakness 27) a consumer ends its own watch from its element step: at once, no further poll, uptime frozen", () =>
    Effect.gen(function*() {
      let n = 0
      const health = yield* Watcher.health<number>()
      const watch = Watcher.poll(Effect.sync(() => ++n), { interval: "1 second", health })
      const fiber = yield* watch.pipe(Stream.takeUntil((value) => value === 2), Stream.runCollect, Effect.forkChild)
      yield* TestClock.adjust("5 seconds")
      assert.deepStrictEqual(yield* Fiber.join(fiber), [1, 2])
      assert.strictEqual(n, 2)
      assert.isFalse((yield* SubscriptionRef.get(health)).running)
      assert.strictEqual(yield* uptimeMs(health), 1000)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("WAT-22 (weakness 27) interrupting the consumer while a poll is in flight interrupts the poll and returns at once", () =>
    Effect.gen(function*() {
      const log: Array<string> = []
      const slowPoll = Effect.sleep("1 hour").pipe(
        Effect.as(1),
        Effect.onInterrupt(() => Effect.sync(() => void log.push("poll interrupted")))
      )
      const { fiber } = yield* collect(Watcher.poll(slowPoll))
      yield* settle
      yield* Fiber.interrupt(fiber)
      assert.deepStrictEqual(log, ["poll interrupted"])
    }).pipe(Effect.provide(TestLayer)))

  it.effect("WAT-25 a throwing transform counts as a failure and is retried", () =>
    Effect.gen(function*() {
      const health = yield* Watcher.health<number>()
      const { values } = yield* collect(Watcher.poll(script([0, 1]), {
        health,
        transform: (n) => {
          if (n === 0) throw new Error("bad value")
          return n * 10
        }
      }))
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(values, [10])
      assert.strictEqual((yield* SubscriptionRef.get(health)).errorCount, 1)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("WAT-25b a transform that always throws backs off and a limited retry fails the Stream", () =>
    Effect.gen(function*() {
      const health = yield* Watcher.health<number>()
      const { fiber } = yield* collect(Watcher.poll(Effect.succeed(1), {
        health,
        retry: Schedule.recurs(2),
        transform: (): number => {
          throw new Error("bad value")
        }
      }))
      yield* settle
      assert.isFalse(yield* isDone(fiber)) // not a hot loop: every retry waits at least 100 ms
      yield* TestClock.adjust("200 millis")
      const exit = yield* Fiber.await(fiber)
      assert.isTrue(Exit.isFailure(exit) && String(Cause.squash(exit.cause)).includes("bad value"))
      assert.strictEqual((yield* SubscriptionRef.get(health)).errorCount, 3)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("WAT-25c a failure that is not JSON (a BigInt) is retried like any other, not a silent stop", () =>
    Effect.gen(function*() {
      const health = yield* Watcher.health<number>()
      const { fiber, values } = yield* collect(Watcher.poll(
        script<number>([0, 1]).pipe(Effect.flatMap((n) => (n === 0 ? Effect.fail({ id: 1n }) : Effect.succeed(n)))),
        { health }
      ))
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(values, [1])
      assert.isFalse(yield* isDone(fiber))
      assert.strictEqual((yield* SubscriptionRef.get(health)).errorCount, 1)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("WAT-25d a defect of the source counts as a failure and is retried", () =>
    Effect.gen(function*() {
      let n = 0
      const health = yield* Watcher.health<number>()
      const poll = Effect.suspend(() => (++n === 1 ? Effect.die(new Error("bug")) : Effect.succeed(n)))
      const { values } = yield* collect(Watcher.poll(poll, { health }))
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(values, [2])
      assert.strictEqual((yield* SubscriptionRef.get(health)).errorCount, 1)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("WAT-25e an interruption of the source is not a failure: not retried, not counted, the watch stops", () =>
    Effect.gen(function*() {
      const seen = yield* recordEvents
      const health = yield* Watcher.health<number>()
      const { fiber } = yield* collect(Watcher.poll(Effect.interrupt, { health }))
      yield* TestClock.adjust("1 minute")
      const exit = yield* Fiber.await(fiber)
      assert.isTrue(Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause))
      assert.strictEqual((yield* SubscriptionRef.get(health)).errorCount, 0)
      assert.deepStrictEqual(seen, ["started watcher poll", "stopped stopped"])
    }).pipe(Effect.provide(TestLayer)))

  it.effect("Stream.take(3) on a poll ends the watch after the third value; the effect ran three times", () =>
    Effect.gen(function*() {
      let polls = 0
      const seen = yield* recordEvents
      const fiber = yield* Watcher.poll(Effect.sync(() => ++polls), { interval: "1 second" }).pipe(
        Stream.take(3),
        Stream.runCollect,
        Effect.forkChild
      )
      yield* TestClock.adjust("10 seconds")
      assert.deepStrictEqual(yield* Fiber.join(fiber), [1, 2, 3])
      assert.strictEqual(polls, 3)
      assert.deepStrictEqual(seen, ["started watcher poll", "stopped stopped"])
    }).pipe(Effect.provide(TestLayer)))

  it.effect("two consumers through Stream.share get the same values from one poll", () =>
    Effect.gen(function*() {
      let polls = 0
      const shared = yield* Stream.share(
        Watcher.poll(Effect.sync(() => ++polls), { interval: "1 second" }),
        { capacity: 16, replay: 1 }
      )
      const first = yield* collect(shared)
      const second = yield* collect(shared)
      yield* TestClock.adjust("2 seconds")
      assert.deepStrictEqual(first.values, [1, 2, 3])
      assert.deepStrictEqual(second.values, [1, 2, 3])
      assert.strictEqual(polls, 3)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("each run of a watcher's Stream is its own watch: two runs poll twice", () =>
    Effect.gen(function*() {
      let polls = 0
      const watch = Watcher.poll(Effect.sync(() => ++polls), { interval: "1 second" })
      const first = yield* collect(watch)
      const second = yield* collect(watch)
      yield* TestClock.adjust("2 seconds")
      assert.strictEqual(polls, 6)
      assert.strictEqual(first.values.length + second.values.length, 6)
    }).pipe(Effect.provide(TestLayer)))
})
