/**
 * Watcher: the acceptance checks of specter-behaviour.md §7 and weaknesses 25–27 of
 * §20. Timing runs on `TestClock`; only the real file-system test is live.
 *
 * Checks the design makes impossible to violate, and so has no test:
 * - WAT-01 (both poll and stream, or neither): there is one constructor per source
 *   (`poll`, `stream`, `files`), each taking exactly that source.
 * - WAT-16, first half (start twice spawns one loop): a watcher is started by its
 *   constructor and there is no `start` on the handle; every constructor call is one
 *   watcher with one loop. The second half (stop twice) is tested below.
 */
import { assert, describe, it } from "@effect/vitest"
import { Bus, Watcher } from "@specter/core"
import { TestLogger, TestSpecter } from "@specter/testing"
import { Clock, Effect, Exit, Option, Schedule, Scope, Stream } from "effect"
import { TestClock } from "effect/testing"

import { collect, failingPoll, script, settle } from "./watcherHelpers.ts"

describe("Watcher", () => {
  it.effect("WAT-02 an interval of 10 ms behaves as 100 ms", () =>
    Effect.gen(function*() {
      let polls = 0
      yield* Watcher.poll("w", Effect.sync(() => ++polls), { interval: "10 millis" })
      yield* TestClock.adjust("1 second")
      assert.strictEqual(polls, 11) // at 0, 100, …, 1000 ms
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("WAT-03 poll delivers the first value at once, before the interval elapsed", () =>
    Effect.gen(function*() {
      const watcher = yield* Watcher.poll("w", Effect.succeed("first"), { interval: "1 minute" })
      const got = yield* collect(watcher)
      yield* settle
      assert.deepStrictEqual(got, ["first"])
      assert.deepStrictEqual(yield* watcher.latest, Option.some("first"))
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("WAT-04 poll with an interval of 1 s delivers n + 1 values over n seconds", () =>
    Effect.gen(function*() {
      let n = 0
      const watcher = yield* Watcher.poll("w", Effect.sync(() => ++n), { interval: "1 second" })
      const got = yield* collect(watcher)
      yield* TestClock.adjust("5 seconds")
      assert.deepStrictEqual(got, [1, 2, 3, 4, 5, 6])
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("WAT-05 with dedupe, polls 1,1,2,2,1 deliver 1,2,1", () =>
    Effect.gen(function*() {
      const watcher = yield* Watcher.poll("w", script([1, 1, 2, 2, 1]), { interval: "1 second", dedupe: true })
      const got = yield* collect(watcher)
      yield* TestClock.adjust("4 seconds")
      assert.deepStrictEqual(got, [1, 2, 1])
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("WAT-06 dedupe compares transformed values: parity of 1,3,2 delivers odd, even", () =>
    Effect.gen(function*() {
      const watcher = yield* Watcher.poll("w", script([1, 3, 2]), {
        interval: "1 second",
        dedupe: true,
        transform: (n) => ({ parity: n % 2 === 0 ? "even" : "odd" }) // structural, not by reference
      })
      const got = yield* collect(watcher)
      yield* TestClock.adjust("2 seconds")
      assert.deepStrictEqual(got, [{ parity: "odd" }, { parity: "even" }])
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("WAT-07 without dedupe every value is delivered and latest tracks the last one", () =>
    Effect.gen(function*() {
      const watcher = yield* Watcher.poll("w", script([1, 1, 2]), { interval: "1 second" })
      const got = yield* collect(watcher)
      yield* TestClock.adjust("2 seconds")
      assert.deepStrictEqual(got, [1, 1, 2])
      assert.deepStrictEqual(yield* watcher.latest, Option.some(2))
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("WAT-08 a failing subscriber is logged, is not a watcher error, and the others still get every value", () =>
    Effect.gen(function*() {
      const watcher = yield* Watcher.poll("w", script([1, 2, 3]), { interval: "1 second" })
      yield* watcher.subscribe(() => Effect.fail("subscriber broke"))
      const got = yield* collect(watcher)
      yield* TestClock.adjust("2 seconds")
      assert.deepStrictEqual(got, [1, 2, 3])
      assert.strictEqual((yield* watcher.health).errorCount, 0)
      const logs = yield* TestLogger.TestLogger
      assert.strictEqual(logs.at("Error").filter((e) => e.message.includes("subscriber failed")).length, 3)
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("WAT-09 a failing poll is retried after 1 s, 2 s, 4 s, 8 s, each failure counted", () =>
    Effect.gen(function*() {
      const { attempts, poll } = failingPoll()
      const watcher = yield* Watcher.poll("w", poll, { interval: "1 second" })
      yield* TestClock.adjust("16 seconds")
      assert.deepStrictEqual(attempts, [0, 1000, 3000, 7000, 15000])
      assert.strictEqual((yield* watcher.health).errorCount, 5)
      assert.strictEqual((yield* watcher.health).restarts, 4)
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("WAT-10 with maxBackoff 2 s the delays are 1, 2, 2, 2 s", () =>
    Effect.gen(function*() {
      const { attempts, poll } = failingPoll()
      yield* Watcher.poll("w", poll, { maxBackoff: "2 seconds" })
      yield* TestClock.adjust("7 seconds")
      assert.deepStrictEqual(attempts, [0, 1000, 3000, 5000, 7000])
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("WAT-09b (weakness 26) the backoff starts over after a success", () =>
    Effect.gen(function*() {
      const steps = [new Error("1"), new Error("2"), new Error("3"), "ok", new Error("4"), new Error("5"), "ok"]
      const attempts: Array<number> = []
      const poll = Effect.andThen(
        Effect.flatMap(Clock.currentTimeMillis, (now) => Effect.sync(() => attempts.push(now))),
        script(steps)
      )
      yield* Watcher.poll("w", poll, { interval: "10 seconds" })
      yield* TestClock.adjust("20 seconds")
      // 3 failures (1, 2, 4 s), a value, the interval, then 1 s again: not 8 s.
      assert.deepStrictEqual(attempts, [0, 1000, 3000, 7000, 17000, 18000, 20000])
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("WAT-09c a custom retry Schedule gives the delays, and the watcher ends when it ends", () =>
    Effect.gen(function*() {
      const { attempts, poll } = failingPoll()
      const watcher = yield* Watcher.poll("w", poll, { retry: Schedule.spaced("3 seconds").pipe(Schedule.upTo({ times: 2 })) })
      yield* TestClock.adjust("1 minute")
      assert.deepStrictEqual(attempts, [0, 3000, 6000])
      assert.isFalse(yield* watcher.running)
      const exit = yield* Effect.exit(watcher.join)
      assert.isTrue(Exit.isFailure(exit))
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("WAT-11 retry: false ends the watcher on the first failure; running is false without stop", () =>
    Effect.gen(function*() {
      const { attempts, poll } = failingPoll()
      const watcher = yield* Watcher.poll("w", poll, { retry: false })
      yield* TestClock.adjust("1 minute")
      assert.deepStrictEqual(attempts, [0])
      assert.isFalse(yield* watcher.running)
      const error = yield* Effect.flip(watcher.join)
      assert.strictEqual(error._tag, "WatcherFailed")
      assert.strictEqual(error.watcher, "w")
      assert.include(error.message, "down")
      assert.strictEqual((yield* watcher.health).fibers, 0)
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("WAT-12 stop during a backoff wait returns at once", () =>
    Effect.gen(function*() {
      const { attempts, poll } = failingPoll()
      const watcher = yield* Watcher.poll("w", poll, { retry: Schedule.spaced("1 hour") })
      yield* settle
      assert.deepStrictEqual(attempts, [0])
      yield* watcher.stop // the test clock never moves: a stop that waited would hang
      const health = yield* watcher.health
      assert.isFalse(health.running)
      assert.strictEqual(health.fibers, 0)
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("WAT-13 stop during the interval wait returns at once", () =>
    Effect.gen(function*() {
      const watcher = yield* Watcher.poll("w", Effect.succeed(1), { interval: "1 hour" })
      yield* settle
      yield* watcher.stop
      assert.strictEqual((yield* watcher.health).fibers, 0)
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("WAT-14 stream mode delivers every item in order, then runs the source again after the repeat delay", () =>
    Effect.gen(function*() {
      const watcher = yield* Watcher.stream("w", Stream.make(1, 2, 3), { repeat: Schedule.spaced("1 second") })
      const got = yield* collect(watcher)
      yield* settle
      assert.deepStrictEqual(got, [1, 2, 3])
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(got, [1, 2, 3, 1, 2, 3])
      assert.strictEqual((yield* watcher.health).restarts, 1)
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("WAT-14b (weakness 25) an empty source backs off instead of spinning", () =>
    Effect.gen(function*() {
      let runs = 0
      const empty = Stream.fromEffect(Effect.sync(() => void runs++)).pipe(Stream.drain)
      yield* Watcher.stream("w", empty)
      yield* TestClock.adjust("10 seconds")
      assert.strictEqual(runs, 4) // at 0, 1, 3 and 7 s
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("WAT-14c (weakness 25) repeat: false ends the watcher when the source completes, even with retry on", () =>
    Effect.gen(function*() {
      const watcher = yield* Watcher.stream("w", Stream.make(1, 2), { repeat: false, retry: true })
      const got = yield* collect(watcher)
      yield* TestClock.adjust("1 minute")
      assert.deepStrictEqual(got, [1, 2])
      assert.isFalse(yield* watcher.running)
      yield* watcher.join // completed: succeeds
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("WAT-15 an error mid-stream backs off, then the source runs afresh", () =>
    Effect.gen(function*() {
      let runs = 0
      const source = Stream.suspend(() =>
        ++runs === 1 ? Stream.concat(Stream.make(1, 2), Stream.fail("broken")) : Stream.make(3)
      )
      const watcher = yield* Watcher.stream("w", source, { repeat: false })
      const got = yield* collect(watcher)
      yield* settle
      assert.deepStrictEqual(got, [1, 2])
      assert.strictEqual((yield* watcher.health).errorCount, 1)
      yield* TestClock.adjust("999 millis")
      assert.deepStrictEqual(got, [1, 2])
      yield* TestClock.adjust("1 millis")
      assert.deepStrictEqual(got, [1, 2, 3])
      assert.strictEqual(runs, 2)
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("WAT-16 stop twice: the second stop is a no-op (one Stopped event)", () =>
    Effect.gen(function*() {
      const stopped: Array<Watcher.StopReason> = []
      yield* Bus.Bus.use((bus) => bus.on(Watcher.Stopped, (e) => void stopped.push(e.reason)))
      const watcher = yield* Watcher.poll("w", Effect.succeed(1))
      yield* watcher.stop
      yield* watcher.stop
      yield* settle
      assert.deepStrictEqual(stopped, ["stopped"])
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("WAT-17 closing the subscription's scope unsubscribes; closing it again does not throw", () =>
    Effect.gen(function*() {
      let n = 0
      const watcher = yield* Watcher.poll("w", Effect.sync(() => ++n), { interval: "1 second" })
      const scope = yield* Scope.make()
      const got = yield* Scope.provide(collect(watcher), scope)
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(got, [1, 2])
      assert.strictEqual((yield* watcher.health).subscribers, 1)
      yield* Scope.close(scope, Exit.void)
      yield* Scope.close(scope, Exit.void)
      yield* TestClock.adjust("2 seconds")
      assert.deepStrictEqual(got, [1, 2])
      assert.strictEqual((yield* watcher.health).subscribers, 0)
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("WAT-18 health reports mode, errorCount and the subscriber count", () =>
    Effect.gen(function*() {
      const watcher = yield* Watcher.poll("w", script([new Error("x"), new Error("y"), 1]))
      yield* collect(watcher)
      yield* collect(watcher)
      yield* TestClock.adjust("3 seconds")
      const health = yield* watcher.health
      assert.deepInclude(health, { name: "w", mode: "poll", running: true, errorCount: 2, restarts: 2, subscribers: 2 })
      assert.deepStrictEqual(health.lastValue, Option.some(1))
      assert.isTrue(Option.isSome(health.lastError))
      assert.strictEqual(health.uptimeMs, 3000)
      const stream = yield* Watcher.stream("s", Stream.never)
      assert.strictEqual((yield* stream.health).mode, "stream")
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("WAT-19 latest is None before the first delivery", () =>
    Effect.gen(function*() {
      const watcher = yield* Watcher.poll("w", Effect.as(Effect.sleep("1 second"), 1))
      yield* settle
      assert.deepStrictEqual(yield* watcher.latest, Option.none())
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(yield* watcher.latest, Option.some(1))
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("WAT-20 (weakness 27) stop on a stream blocked waiting for an item returns at once, not after 5 s", () =>
    Effect.gen(function*() {
      const watcher = yield* Watcher.stream("w", Stream.never)
      yield* settle
      yield* watcher.stop
      const health = yield* watcher.health
      assert.isFalse(health.running)
      assert.strictEqual(health.fibers, 0)
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("WAT-21 (weakness 27) stop from inside the watcher's own subscriber returns at once; the handler runs on; no fiber is left", () =>
    Effect.gen(function*() {
      const log: Array<string> = []
      let n = 0
      const watcher = yield* Watcher.poll("w", Effect.sync(() => ++n), { interval: "1 second" })
      const other = yield* collect(watcher)
      yield* watcher.subscribe((value) =>
        value === 2
          ? Effect.gen(function*() {
            log.push("stopping")
            yield* watcher.stop
            log.push("after stop")
          })
          : Effect.void
      )
      yield* TestClock.adjust("5 seconds")
      assert.deepStrictEqual(log, ["stopping", "after stop"])
      assert.strictEqual(n, 2)
      assert.deepStrictEqual(other.slice(0, 1), [1])
      const health = yield* watcher.health
      assert.isFalse(health.running)
      assert.strictEqual(health.fibers, 0)
      assert.strictEqual(health.uptimeMs, 1000) // frozen at stop
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("WAT-22 (weakness 27) stop from outside while a poll is in flight interrupts it and returns at once; no fiber is left", () =>
    Effect.gen(function*() {
      const log: Array<string> = []
      const slowPoll = Effect.sleep("1 hour").pipe(
        Effect.as(1),
        Effect.onInterrupt(() => Effect.sync(() => void log.push("poll interrupted")))
      )
      const watcher = yield* Watcher.poll("w", slowPoll)
      yield* collect(watcher)
      yield* settle
      assert.strictEqual((yield* watcher.health).fibers, 2) // the loop and the subscriber
      yield* watcher.stop
      assert.deepStrictEqual(log, ["poll interrupted"])
      assert.strictEqual((yield* watcher.health).fibers, 0)
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("WAT-25 a throwing transform counts as a failure and is retried", () =>
    Effect.gen(function*() {
      const watcher = yield* Watcher.poll("w", script([0, 1]), {
        transform: (n) => {
          if (n === 0) throw new Error("bad value")
          return n * 10
        }
      })
      const got = yield* collect(watcher)
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(got, [10])
      assert.strictEqual((yield* watcher.health).errorCount, 1)
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("WAT-25b a transform that always throws backs off and a limited retry ends the watcher", () =>
    Effect.gen(function*() {
      const watcher = yield* Watcher.poll("w", Effect.succeed(1), {
        retry: Schedule.recurs(2),
        transform: (): number => {
          throw new Error("bad value")
        }
      })
      yield* TestClock.adjust("1 second")
      const error = yield* Effect.flip(watcher.join)
      assert.include(error.message, "bad value")
      assert.strictEqual((yield* watcher.health).errorCount, 3)
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("WAT-25c a failure that is not JSON (a BigInt) is retried like any other, not a silent stop", () =>
    Effect.gen(function*() {
      const watcher = yield* Watcher.poll("w", script<number | Error>([0, 1]).pipe(
        Effect.flatMap((n) => (n === 0 ? Effect.fail({ id: 1n }) : Effect.succeed(n)))
      ))
      const got = yield* collect(watcher)
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(got, [1])
      assert.isTrue(yield* watcher.running)
      assert.strictEqual((yield* watcher.health).errorCount, 1)
    }).pipe(Effect.provide(TestSpecter.layer)))
})
