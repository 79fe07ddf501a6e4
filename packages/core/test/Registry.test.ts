/**
 * Registry: specter-behaviour.md §15 and weaknesses 9–12.
 *
 * Not ported: REG-05's non-string keys and REG-06's owner without add_cleanup
 * (both type errors here: keys are strings or `Registry.key`s, and the owner is
 * the calling Scope).
 */
import { assert, describe, it } from "@effect/vitest"
import { Registry } from "@specter/core"
import { Context, Deferred, Effect, Exit, Fiber, Layer, Option, Scope } from "effect"
import { TestClock } from "effect/testing"

const Port = Registry.key<number>("port")

describe("Registry", () => {
  it.effect("REG-01 provide, then resolve, require, has and list see it", () =>
    Effect.gen(function*() {
      const registry = yield* Registry.make
      yield* registry.provide(Port, 1)
      assert.deepStrictEqual(yield* registry.resolve(Port), Option.some(1))
      assert.strictEqual(yield* registry.require(Port), 1)
      assert.isTrue(yield* registry.has(Port))
      assert.deepStrictEqual(yield* registry.list, ["port"])
    }).pipe(Effect.scoped))

  it.effect("REG-02 providing a taken key fails with AlreadyProvided and keeps the value", () =>
    Effect.gen(function*() {
      const registry = yield* Registry.make
      yield* registry.provide(Port, 1)
      const error = yield* Effect.flip(registry.provide(Port, 2))
      assert.strictEqual(error._tag, "AlreadyProvided")
      assert.include(error.message, "'port' is already provided")
      assert.strictEqual(yield* registry.require(Port), 1)
    }).pipe(Effect.scoped))

  it.effect("REG-03 replace overwrites and keeps the key's position", () =>
    Effect.gen(function*() {
      const registry = yield* Registry.make
      yield* registry.provide("a", 1)
      yield* registry.provide("b", 2)
      yield* registry.provide("a", 3, { replace: true })
      assert.deepStrictEqual(yield* registry.list, ["a", "b"])
      assert.strictEqual(yield* registry.require("a"), 3)
    }).pipe(Effect.scoped))

  it.effect("REG-04 and REG-05 keys are trimmed; an empty key is a defect", () =>
    Effect.gen(function*() {
      const registry = yield* Registry.make
      yield* registry.provide(" a ", "v")
      assert.strictEqual(yield* registry.require("a"), "v")
      assert.throws(() => Registry.key("   "), /non-empty/)
      const exit = yield* Effect.exit(registry.has(""))
      assert.isTrue(Exit.isFailure(exit))
    }).pipe(Effect.scoped))

  it.effect("REG-07 a registration is removed when the scope that provided it closes", () =>
    Effect.gen(function*() {
      const registry = yield* Registry.make
      const owner = yield* Scope.make()
      yield* Scope.provide(registry.provide(Port, 1), owner)
      yield* Scope.close(owner, Exit.void)
      assert.isFalse(yield* registry.has(Port))
    }))

  it.effect("REG-08 (weakness 10) when B replaced A's key, A closing does not remove B's value", () =>
    Effect.gen(function*() {
      const registry = yield* Registry.make
      const a = yield* Scope.make()
      const b = yield* Scope.make()
      yield* Scope.provide(registry.provide(Port, 1), a)
      yield* Scope.provide(registry.provide(Port, 2, { replace: true }), b)
      yield* Scope.close(a, Exit.void)
      assert.strictEqual(yield* registry.require(Port), 2)
      yield* Scope.close(b, Exit.void)
      assert.isFalse(yield* registry.has(Port))
    }))

  it.effect("REG-10 require of a missing key fails with NotProvided listing what is provided", () =>
    Effect.gen(function*() {
      const registry = yield* Registry.make
      yield* registry.provide("db", {})
      assert.deepStrictEqual(yield* registry.resolve("missing"), Option.none())
      const error = yield* Effect.flip(registry.require("missing"))
      assert.deepStrictEqual([error._tag, error.key, error.available], ["NotProvided", "missing", ["db"]])
      assert.include(error.message, "provided: [db]")
    }).pipe(Effect.scoped))

  it.effect("REG-11 and REG-12 (weakness 11) null and other falsy values are provided values, for every operation", () =>
    Effect.gen(function*() {
      const registry = yield* Registry.make
      yield* registry.provide("n", null)
      yield* registry.provide("zero", 0)
      yield* registry.provide("no", false)
      yield* registry.provide("empty", "")
      assert.isTrue(yield* registry.has("n"))
      assert.deepStrictEqual(yield* registry.resolve("n"), Option.some(null))
      assert.deepStrictEqual(
        yield* Effect.all([registry.require("n"), registry.require("zero"), registry.require("no"), registry.require("empty")]),
        [null, 0, false, ""]
      )
      assert.strictEqual(yield* registry.waitFor("n", "1 second"), null)
    }).pipe(Effect.scoped))

  it.effect("REG-13 waitFor on a provided key returns at once", () =>
    Effect.gen(function*() {
      const registry = yield* Registry.make
      yield* registry.provide(Port, 8080)
      assert.strictEqual(yield* registry.waitFor(Port, "1 millis"), 8080)
    }).pipe(Effect.scoped))

  it.effect("REG-14 and REG-15 every waiter resumes with the value when it is provided later", () =>
    Effect.gen(function*() {
      const registry = yield* Registry.make
      const waiters = yield* Effect.forkChild(
        Effect.all([registry.waitFor(Port, "1 minute"), registry.waitFor(Port, "1 minute")], { concurrency: "unbounded" })
      )
      yield* TestClock.adjust("10 seconds")
      yield* registry.provide(Port, 9)
      assert.deepStrictEqual(yield* Fiber.join(waiters), [9, 9])
    }).pipe(Effect.scoped))

  it.effect("REG-16 (weakness 9) waitFor gives up with WaitTimeout after its timeout and leaves no waiter", () =>
    Effect.gen(function*() {
      const registry = yield* Registry.make
      const waiting = yield* Effect.forkChild(Effect.flip(registry.waitFor(Port, "100 millis")))
      yield* TestClock.adjust("99 millis")
      assert.isUndefined(waiting.pollUnsafe())
      yield* TestClock.adjust("1 millis")
      const error = yield* Fiber.join(waiting)
      assert.strictEqual(error._tag, "WaitTimeout")
      assert.include(error.message, "waitFor('port') timed out after 100ms")
      // A later provide finds no stale waiter to wake.
      yield* registry.provide(Port, 1)
      assert.strictEqual(yield* registry.require(Port), 1)
    }).pipe(Effect.scoped))

  it.effect("REG-17 clear fails a pending waitFor with RegistryCleared naming the key", () =>
    Effect.gen(function*() {
      const registry = yield* Registry.make
      const waiting = yield* Effect.forkChild(Effect.flip(registry.waitFor("k", "1 minute")), { startImmediately: true })
      yield* registry.clear
      const error = yield* Fiber.join(waiting)
      assert.deepStrictEqual([error._tag, error.message], ["RegistryCleared", "the registry was cleared while waiting for 'k'"])
    }))

  it.effect("REG-18 clear removes every entry", () =>
    Effect.gen(function*() {
      const registry = yield* Registry.make
      yield* registry.provide("a", 1)
      yield* registry.provide("b", 2)
      yield* registry.clear
      assert.deepStrictEqual(yield* registry.list, [])
    }).pipe(Effect.scoped))

  it.effect("REG-19 a waiter can call back into the registry as it resumes", () =>
    Effect.gen(function*() {
      const registry = yield* Registry.make
      const done = yield* Deferred.make<ReadonlyArray<string>>()
      yield* Effect.forkChild(
        Effect.flatMap(registry.waitFor("a", "1 minute"), () => Effect.flatMap(registry.list, (keys) => Deferred.succeed(done, keys)))
      )
      yield* Effect.yieldNow
      yield* registry.provide("a", 1)
      assert.deepStrictEqual(yield* Deferred.await(done), ["a"])
    }).pipe(Effect.scoped))

  it.effect("an interrupted waitFor leaves no waiter behind", () =>
    Effect.gen(function*() {
      const registry = yield* Registry.make
      const waiting = yield* Effect.forkChild(registry.waitFor("k", "1 minute"), { startImmediately: true })
      yield* Fiber.interrupt(waiting)
      yield* registry.clear
      assert.isTrue(Exit.hasInterrupts(yield* Fiber.await(waiting)))
    }))

  it.effect("MGR-20 closing the registry's layer fails pending waiters", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(Registry.layer, scope)
      const registry = Context.get(context, Registry.Registry)
      const waiting = yield* Effect.forkChild(Effect.flip(registry.waitFor("late", "1 minute")), { startImmediately: true })
      yield* Scope.close(scope, Exit.void)
      assert.strictEqual((yield* Fiber.join(waiting))._tag, "RegistryCleared")
    }))
})
