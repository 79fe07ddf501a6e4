/**
 * Ownership: specter-behaviour.md §1 (`own()`), where ownership is a Scope.
 *
 * The original resolved a cleanup by trying method names (`stop`, `close`,
 * `disconnect`, `destroy`, `terminate`, `kill`). Here a resource is acquired by a
 * scoped effect that says how it is released (`Effect.acquireRelease`, or a
 * constructor like `Watcher.poll` or `Store.make`), and an owner takes it with
 * `adopt`. So there is no name to resolve and nothing can be owned without a
 * release:
 * - OWN-01 (own(null)): `adopt` takes an effect, not a value that may be null.
 * - OWN-02/03/04 (which method is called): the release is part of the acquisition.
 * - OWN-05 (no method found): a resource without a release cannot be adopted
 *   (the types ask for an effect; `Effect.acquireRelease` asks for the release).
 * What is left to prove is below.
 */
import { TestSpecter } from "@specter/testing"
import { assert, describe, it } from "@effect/vitest"
import { Store, Watcher } from "@specter/core"
import { Effect } from "effect"
import { recorder, startIn } from "./helpers.ts"

describe("ownership", () => {
  it.effect("OWN-06 adopt returns the resource itself, so calls can be chained", () =>
    Effect.gen(function*() {
      let connection: { readonly id: number } | undefined
      yield* startIn("owner", {}, (self) =>
        Effect.gen(function*() {
          connection = yield* self.adopt(Effect.acquireRelease(Effect.succeed({ id: 7 }), () => Effect.void))
        }))
      assert.deepStrictEqual(connection, { id: 7 })
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("OWN-02 and OWN-03 an owned resource is released with its own release when the owner stops, last acquired first", () =>
    Effect.gen(function*() {
      const { log, add } = recorder()
      const { self } = yield* startIn("owner", {}, (self) =>
        Effect.gen(function*() {
          yield* self.adopt(Effect.acquireRelease(add("open socket"), () => add("close socket")))
          yield* self.adopt(Effect.acquireRelease(add("open file"), () => add("destroy file")))
        }))
      yield* self.stop
      assert.deepStrictEqual(log, ["open socket", "open file", "destroy file", "close socket"])
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("OWN-04 built-in primitives bring their release: an adopted Store and Watcher end when the owner stops", () =>
    Effect.gen(function*() {
      let store: Store.Store<{ n: number }> | undefined
      let watcher: Watcher.Watcher<number, never> | undefined
      const { self } = yield* startIn("owner", {}, (self) =>
        Effect.gen(function*() {
          store = yield* self.adopt(Store.make("owned", { n: 1 }))
          watcher = yield* self.adopt(Watcher.poll("owned", Effect.succeed(1), { interval: "1 second" }))
        }))
      assert.isTrue(yield* watcher!.running)
      yield* self.stop
      assert.isFalse(yield* watcher!.running)
      // The store's subscriptions ended with its scope; the store itself is still readable.
      assert.deepStrictEqual(yield* store!.get(), { n: 1 })
    }).pipe(Effect.provide(TestSpecter.layer)))
})
