/**
 * Ownership: specter-behaviour.md §1 (`own()`), where ownership is a Scope.
 *
 * The original resolved a cleanup by trying method names (`stop`, `close`,
 * `disconnect`, `destroy`, `terminate`, `kill`). Here a resource is acquired by a
 * scoped effect that says how it is released (`Effect.acquireRelease`, or a
 * constructor like `Store.make`), in the scope of the service that owns it (its
 * Layer's). So there is no name to resolve and nothing can be owned without a
 * release:
 * - OWN-01 (own(null)): what is owned is acquired by an effect, not a value that may be null.
 * - OWN-02/03/04 (which method is called): the release is part of the acquisition.
 * - OWN-05 (no method found): a resource without a release cannot be acquired in a
 *   scope (`Effect.acquireRelease` asks for the release).
 * What is left to prove is below.
 */
import { TestSpecter } from "@specter-runtime/testing"
import { assert, describe, it } from "@effect/vitest"
import { Store, Watcher } from "@specter-runtime/core"
import { Effect, Exit, Fiber, Ref, Scope, Stream } from "effect"
import { TestClock } from "effect/testing"
import { recorder, startIn } from "./helpers.ts"

describe("ownership", () => {
  it.effect("OWN-06 a resource acquired in a service's make is the value itself, ready to use", () =>
    Effect.gen(function*() {
      const { service } = yield* startIn("owner", Effect.acquireRelease(Effect.succeed({ id: 7 }), () => Effect.void))
      assert.deepStrictEqual(service, { id: 7 })
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("OWN-02 and OWN-03 an owned resource is released with its own release when the owner stops, last acquired first", () =>
    Effect.gen(function*() {
      const { log, add } = recorder()
      const { scope } = yield* startIn("owner", Effect.gen(function*() {
        yield* Effect.acquireRelease(add("open socket"), () => add("close socket"))
        yield* Effect.acquireRelease(add("open file"), () => add("destroy file"))
      }))
      yield* Scope.close(scope, Exit.void)
      assert.deepStrictEqual(log, ["open socket", "open file", "destroy file", "close socket"])
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("OWN-04 built-in primitives bring their release: a Store and a Watcher made in a service end when it stops", () =>
    Effect.gen(function*() {
      const polls = yield* Ref.make(0)
      const { service, scope } = yield* startIn("owner", Effect.gen(function*() {
        const store = yield* Store.make("owned", { n: 1 })
        const watch = Watcher.poll(Ref.updateAndGet(polls, (n) => n + 1), { interval: "1 second" })
        yield* Effect.forkScoped(Stream.runDrain(watch))
        return store
      }))
      yield* TestClock.adjust("2 seconds")
      assert.strictEqual(yield* Ref.get(polls), 3)
      const ended = yield* Effect.forkChild(Stream.runDrain(service.changes), { startImmediately: true })
      yield* Scope.close(scope, Exit.void)
      yield* Fiber.join(ended) // the store's streams end with its scope
      yield* TestClock.adjust("1 hour")
      assert.strictEqual(yield* Ref.get(polls), 3)
      // The store itself is still readable.
      assert.deepStrictEqual(yield* service.get(), { n: 1 })
    }).pipe(Effect.provide(TestSpecter.layer)))
})
