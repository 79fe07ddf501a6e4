/**
 * Watcher sources and integration: `latest`, bus events, async iterables and Node
 * Readables, files, and ownership by a scope (specter-behaviour.md §7, §19 INT-02).
 * The loop's checks are in Watcher.test.ts.
 *
 * 6 tests before, 10 now. WAT-23 (the `values` Stream: the last value, then every new
 * one) is now `Watcher.latest` + `SubscriptionRef.changes`; WAT-24 (bus events) is
 * split in three (a retried failure, a completion then a final failure, a
 * completion with no restart) and the `Value` event is gone (a consumer taps the
 * Stream instead); added: `latest` logs a failure of its stream, and a watcher
 * runs without a `Bus`. INT-02 (a service owning a watcher) is re-expressed on the
 * scope a service owns: Service is being reshaped elsewhere, and its stop is
 * closing that scope.
 */
import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, Fiber, FileSystem, Layer, Option, Queue, Schedule, Scope, Stream, SubscriptionRef } from "effect"
import { TestClock } from "effect/testing"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Readable } from "node:stream"
import * as Watcher from "../src/Watcher.ts"
import { collect, Logs, recordEvents, script, settle, TestLayer, untilTrue } from "./watcherHelpers.ts"

describe("Watcher sources", () => {
  it.effect("WAT-23 latest: the last value, then every new one, through SubscriptionRef.changes", () =>
    Effect.gen(function*() {
      let n = 0
      const latest = yield* Watcher.latest(Watcher.poll(Effect.sync(() => ++n), { interval: "1 second" }))
      yield* TestClock.adjust("1 second") // 1 and 2 emitted, nobody following the ref
      const changes = yield* collect(SubscriptionRef.changes(latest))
      yield* settle
      yield* TestClock.adjust("2 seconds")
      assert.deepStrictEqual(changes.values, [Option.some(2), Option.some(3), Option.some(4)])
    }).pipe(Effect.provide(TestLayer)))

  it.effect("latest logs a failure of its stream and keeps the last value", () =>
    Effect.gen(function*() {
      const latest = yield* Watcher.latest(Stream.concat(Stream.make(1), Stream.fail("broken")))
      yield* settle
      assert.deepStrictEqual(yield* SubscriptionRef.get(latest), Option.some(1))
      const errors = (yield* Logs).filter((e) => e.level === "Error").map((e) => e.message)
      assert.deepStrictEqual(errors, ["Watcher.latest: the stream failed"])
    }).pipe(Effect.provide(TestLayer)))

  it.effect("WAT-24 bus events of a retried failure: Started, Failed (retry in 1 s), Restarted, Stopped", () =>
    Effect.gen(function*() {
      const seen = yield* recordEvents
      const scope = yield* Scope.make()
      yield* Scope.provide(collect(Watcher.poll(script([new Error("down"), 7]), { name: "w" })), scope)
      yield* TestClock.adjust("1 second")
      yield* Scope.close(scope, Exit.void)
      yield* settle
      assert.deepStrictEqual(seen, [
        "started w poll",
        "failed down #1 retry 1000",
        "restarted 1 after failure 1000",
        "stopped stopped"
      ])
    }).pipe(Effect.provide(TestLayer)))

  it.effect("WAT-24b bus events of a completion, then a failure with no retry left: Restarted after completion, Failed (no retry), Stopped failed", () =>
    Effect.gen(function*() {
      const seen = yield* recordEvents
      let runs = 0
      const source = Stream.suspend(() => (++runs === 1 ? Stream.make(1) : Stream.fail(new Error("broken"))))
      const { fiber } = yield* collect(Watcher.stream(source, { name: "s", retry: false }))
      yield* TestClock.adjust("1 second")
      yield* settle
      assert.isTrue(Exit.isFailure(yield* Fiber.await(fiber)))
      assert.deepStrictEqual(seen, [
        "started s stream",
        "restarted 1 after completion 1000",
        "failed broken #1 retry none",
        "stopped failed"
      ])
    }).pipe(Effect.provide(TestLayer)))

  it.effect("WAT-24c a source that completes with no restart left ends the Stream: Stopped completed", () =>
    Effect.gen(function*() {
      const seen = yield* recordEvents
      const values = yield* Stream.runCollect(Watcher.stream(Stream.make(1, 2), { name: "s", repeat: false }))
      yield* settle
      assert.deepStrictEqual(values, [1, 2])
      assert.deepStrictEqual(seen, ["started s stream", "stopped completed"])
    }).pipe(Effect.provide(TestLayer)))

  it.effect("a watcher needs no Bus: without one in context it runs and publishes nothing", () =>
    Effect.gen(function*() {
      const values = yield* Watcher.poll(script([new Error("down"), 1, 2])).pipe(Stream.take(2), Stream.runCollect, Effect.forkChild)
      yield* TestClock.adjust("10 seconds")
      assert.deepStrictEqual(yield* Fiber.await(values), Exit.succeed([1, 2]))
    }))

  it.effect("WAT-26 stream takes a function returning an async iterable (a generator, a Node Readable), called per run", () =>
    Effect.gen(function*() {
      let runs = 0
      const generator = yield* collect(Watcher.stream(async function*() {
        runs++
        yield "a"
        yield "b"
      }, { repeat: Schedule.spaced("1 second") }))
      const readable = yield* collect(Watcher.stream(() => Readable.from([{ n: 1 }, { n: 2 }]), { repeat: false }))
      const health = yield* Watcher.health<number>()
      const broken = yield* collect(Watcher.stream(async function*() {
        yield 1
        throw new Error("iterator broke")
      }, { name: "broken", retry: false, health }))
      yield* untilTrue(() => generator.values.length >= 2 && readable.values.length >= 2)
      yield* TestClock.adjust("1 second")
      yield* untilTrue(() => generator.values.length >= 4)
      assert.deepStrictEqual(generator.values.slice(0, 4), ["a", "b", "a", "b"])
      assert.isAtLeast(runs, 2)
      assert.deepStrictEqual(readable.values, [{ n: 1 }, { n: 2 }])
      const error = yield* Effect.flip(Fiber.join(broken.fiber))
      assert.strictEqual(error.message, "watcher 'broken' failed: the async iterable threw: iterator broke")
      const last = Option.getOrThrow((yield* SubscriptionRef.get(health)).lastError)
      assert.instanceOf(Cause.squash(last), Watcher.SourceError)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("WAT-27 files: events are debounced into one batch per quiet window", () =>
    Effect.gen(function*() {
      const events = yield* Queue.unbounded<FileSystem.WatchEvent>()
      let registered = false
      const backend = FileSystem.WatchBackend.of({
        register: () => {
          registered = true
          return Option.some(Stream.fromQueue(events))
        }
      })
      const dir = mkdtempSync(join(tmpdir(), "watcher-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      const { values } = yield* collect(
        Watcher.files(dir, { debounce: "200 millis" }).pipe(Stream.provideService(FileSystem.WatchBackend, backend))
      )
      yield* untilTrue(() => registered) // FileSystem.watch stats the path first: real I/O
      yield* settle
      yield* Queue.offerAll(events, [
        { _tag: "Update", path: "a.json" },
        { _tag: "Update", path: "a.json" },
        { _tag: "Create", path: "b.json" }
      ])
      yield* TestClock.adjust("150 millis")
      yield* Queue.offer(events, { _tag: "Update", path: "a.json" })
      yield* TestClock.adjust("150 millis")
      assert.deepStrictEqual(values, []) // still inside the window: the last event restarted it
      yield* TestClock.adjust("100 millis")
      yield* Queue.offer(events, { _tag: "Remove", path: "b.json" })
      yield* TestClock.adjust("300 millis")
      assert.deepStrictEqual(values, [
        [{ _tag: "Update", path: "a.json" }, { _tag: "Create", path: "b.json" }],
        [{ _tag: "Remove", path: "b.json" }]
      ])
    }).pipe(Effect.provide(Layer.merge(TestLayer, NodeServices.layer))))

  it.live("WAT-28 files: real changes to a file on disk arrive as one debounced batch", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "watcher-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      const file = join(dir, "state.json")
      writeFileSync(file, "0")
      const batches = yield* collect(Watcher.files(dir, { name: "state", debounce: "50 millis" }))
      yield* Effect.sleep("300 millis") // the OS watch is installed
      for (let i = 1; i <= 3; i++) writeFileSync(file, String(i))
      yield* Effect.sleep("400 millis")
      assert.strictEqual(batches.values.length, 1)
      assert.isTrue(batches.values[0]!.every((e) => e.path === "state.json"))
      const error = yield* Effect.flip(Stream.runDrain(Watcher.files(join(dir, "nope"), { name: "missing", retry: false })))
      assert.strictEqual(error._tag, "WatcherFailed")
      assert.strictEqual(error.watcher, "missing")
    }).pipe(Effect.provide(Layer.merge(TestLayer, NodeServices.layer))))

  it.effect("INT-02 the scope owning a watch (a service's scope) stops it when it closes; no value is emitted after", () =>
    Effect.gen(function*() {
      let n = 0
      const health = yield* Watcher.health<number>()
      const service = yield* Scope.make()
      const { values } = yield* Scope.provide(
        collect(Watcher.poll(Effect.sync(() => ++n), { interval: "1 second", health })),
        service
      )
      yield* TestClock.adjust("1 second")
      yield* Scope.close(service, Exit.void)
      assert.isFalse((yield* SubscriptionRef.get(health)).running)
      yield* TestClock.adjust("5 seconds")
      assert.deepStrictEqual(values, [1, 2])
      assert.strictEqual(n, 2)
    }).pipe(Effect.provide(TestLayer)))
})
