/**
 * Watcher sources and integration: values as a Stream, bus events, async iterables
 * and Node Readables, files, and ownership by a service (specter-behaviour.md §7,
 * §19 INT-02). The loop's checks are in Watcher.test.ts.
 */
import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Bus, Service, Watcher } from "@specter/core"
import { TestSpecter } from "@specter/testing"
import { Duration, Effect, Exit, Fiber, FileSystem, Layer, Option, Queue, Schedule, Scope, Stream } from "effect"
import { TestClock } from "effect/testing"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Readable } from "node:stream"

import { collect, script, settle, untilTrue } from "./watcherHelpers.ts"

describe("Watcher sources", () => {
  it.effect("WAT-23 values: the last value, then every new one, ending when the watcher stops", () =>
    Effect.gen(function*() {
      let n = 0
      const watcher = yield* Watcher.poll("w", Effect.sync(() => ++n), { interval: "1 second" })
      yield* TestClock.adjust("1 second") // 1 and 2 delivered, nobody listening
      const fiber = yield* Effect.forkChild(Stream.runCollect(watcher.values))
      yield* settle
      yield* TestClock.adjust("2 seconds")
      yield* watcher.stop
      const values = yield* Fiber.await(fiber)
      assert.deepStrictEqual(values, Exit.succeed([2, 3, 4]))
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("WAT-24 lifecycle events on the bus: Started, Value, Failed, Restarted, Stopped", () =>
    Effect.gen(function*() {
      const bus = yield* Bus.Bus
      const seen: Array<string> = []
      yield* bus.on(Watcher.Started, (e) => void seen.push(`started ${e.watcher} ${e.mode}`))
      yield* bus.on(Watcher.Value, (e) => void seen.push(`value ${String(e.value)}`))
      yield* bus.on(Watcher.Failed, (e) =>
        void seen.push(`failed ${e.error} #${e.errorCount} in ${Option.getOrThrow(Option.map(e.retryIn, Duration.toMillis))}`))
      yield* bus.on(Watcher.Restarted, (e) => void seen.push(`restarted ${e.restarts} after ${e.after}`))
      yield* bus.on(Watcher.Stopped, (e) => void seen.push(`stopped ${e.reason}`))
      const watcher = yield* Watcher.poll("w", script([new Error("down"), 7]), { publishValues: true })
      yield* TestClock.adjust("1 second")
      yield* watcher.stop
      yield* settle
      assert.deepStrictEqual(seen, [
        "started w poll",
        "failed down #1 in 1000",
        "restarted 1 after failure",
        "value 7",
        "stopped stopped"
      ])
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("WAT-26 stream takes a function returning an async iterable (a generator, a Node Readable), called per run", () =>
    Effect.gen(function*() {
      let runs = 0
      const generator = yield* Watcher.stream("gen", async function*() {
        runs++
        yield "a"
        yield "b"
      }, { repeat: Schedule.spaced("1 second") })
      const fromGenerator = yield* collect(generator)
      const readable = yield* Watcher.stream("readable", () => Readable.from([{ n: 1 }, { n: 2 }]), { repeat: false })
      const fromReadable = yield* collect(readable)
      const broken = yield* Watcher.stream("broken", async function*() {
        yield 1
        throw new Error("iterator broke")
      }, { retry: false })
      yield* untilTrue(() => fromGenerator.length >= 2 && fromReadable.length >= 2)
      yield* TestClock.adjust("1 second")
      yield* untilTrue(() => fromGenerator.length >= 4)
      assert.deepStrictEqual(fromGenerator.slice(0, 4), ["a", "b", "a", "b"])
      assert.isAtLeast(runs, 2)
      assert.deepStrictEqual(fromReadable, [{ n: 1 }, { n: 2 }])
      const error = yield* Effect.flip(broken.join)
      const last = Option.getOrThrow((yield* broken.health).lastError)
      assert.include(error.message, "iterator broke")
      assert.isTrue(last.reasons.some((r) => r._tag === "Fail" && (r.error as { _tag: string })._tag === "SourceError"))
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("WAT-27 files: events are debounced into one batch per quiet window", () =>
    Effect.gen(function*() {
      const events = yield* Queue.unbounded<FileSystem.WatchEvent>()
      let registered = false
      const backend = Layer.succeed(FileSystem.WatchBackend, {
        register: () => {
          registered = true
          return Option.some(Stream.fromQueue(events))
        }
      })
      const dir = mkdtempSync(join(tmpdir(), "watcher-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      const watcher = yield* Watcher.files("dir", dir, { debounce: "200 millis" }).pipe(Effect.provide(backend))
      const got = yield* collect(watcher)
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
      assert.deepStrictEqual(got, []) // still inside the window: the last event restarted it
      yield* TestClock.adjust("100 millis")
      yield* Queue.offer(events, { _tag: "Remove", path: "b.json" })
      yield* TestClock.adjust("300 millis")
      assert.deepStrictEqual(got, [
        [{ _tag: "Update", path: "a.json" }, { _tag: "Create", path: "b.json" }],
        [{ _tag: "Remove", path: "b.json" }]
      ])
    }).pipe(Effect.provide(Layer.merge(TestSpecter.layer, NodeServices.layer))))

  it.live("WAT-28 files: real changes to a file on disk arrive as one debounced batch", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "watcher-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      const file = join(dir, "state.json")
      writeFileSync(file, "0")
      const watcher = yield* Watcher.files("state", dir, { debounce: "50 millis" })
      const batches = yield* collect(watcher)
      yield* Effect.sleep("300 millis") // the OS watch is installed
      for (let i = 1; i <= 3; i++) writeFileSync(file, String(i))
      yield* Effect.sleep("400 millis")
      assert.strictEqual(batches.length, 1)
      assert.isTrue(batches[0]!.every((e) => e.path === "state.json"))
      const missing = yield* Watcher.files("missing", join(dir, "nope"), { retry: false })
      const error = yield* Effect.flip(missing.join)
      assert.strictEqual(error._tag, "WatcherFailed")
    }).pipe(Effect.provide(Layer.merge(TestSpecter.layer, NodeServices.layer))))

  it.effect("INT-02 a service owning a watcher stops it when it stops; no value is delivered after", () =>
    Effect.gen(function*() {
      let n = 0
      const scope = yield* Scope.make()
      const [service, watcher] = yield* Scope.provide(
        Service.start("svc", {}, (self) => self.adopt(Watcher.poll("w", Effect.sync(() => ++n), { interval: "1 second" }))),
        scope
      )
      const got = yield* collect(watcher)
      yield* TestClock.adjust("1 second")
      yield* service.stop
      assert.isFalse(yield* watcher.running)
      yield* TestClock.adjust("5 seconds")
      assert.deepStrictEqual(got, [1, 2])
      assert.strictEqual(n, 2)
    }).pipe(Effect.provide(TestSpecter.layer)))
})
