/**
 * Registry: specter-behaviour.md §15 and weaknesses 9–12.
 *
 * Keys are typed values made by `Registry.key`, never bare strings, so the key
 * checks of REG-04 (trimming) and REG-05 (empty or non-string keys) apply to
 * `Registry.key`, where a key is declared.
 *
 * Not ported: REG-06 (an owner without add_cleanup: the owner is the calling
 * Scope, so it is a type error) and REG-09 (`unregister`: there is none; a
 * registration ends when its scope closes, REG-07 and REG-08).
 */
import { assert, describe, it } from "@effect/vitest"
import { Context, Deferred, Effect, Exit, Fiber, Layer, Option, Scope } from "effect"
import { TestClock } from "effect/testing"
import * as Registry from "../src/Registry.ts"

const Port = Registry.key<number>("port")
const A = Registry.key<number>("a")
const B = Registry.key<number>("b")

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
      yield* registry.provide(A, 1)
      yield* registry.provide(B, 2)
      yield* registry.provide(A, 3, { replace: true })
      assert.deepStrictEqual(yield* registry.list, ["a", "b"])
      assert.strictEqual(yield* registry.require(A), 3)
    }).pipe(Effect.scoped))

  it.effect("REG-04 a key's name is trimmed: key(' a ') and key('a') address the same registration", () =>
    Effect.gen(function*() {
      const registry = yield* Registry.make
      const padded = Registry.key<string>(" a ")
      assert.strictEqual(padded.name, "a")
      yield* registry.provide(padded, "v")
      assert.strictEqual(yield* registry.require(Registry.key<string>("a")), "v")
      assert.deepStrictEqual(yield* registry.list, ["a"])
    }).pipe(Effect.scoped))

  it.effect("REG-05 an empty, blank or non-string key name is a TypeError where the key is declared", () =>
    Effect.sync(() => {
      assert.throws(() => Registry.key(""), TypeError, "a key must be a non-empty string, got ''")
      assert.throws(() => Registry.key("   "), TypeError, "a key must be a non-empty string, got '   '")
      assert.throws(() => Registry.key(5 as unknown as string), TypeError, "a key must be a non-empty string, got number")
    }))

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
      const Missing = Registry.key<string>("missing")
      yield* registry.provide(Registry.key<object>("db"), {})
      assert.deepStrictEqual(yield* registry.resolve(Missing), Option.none())
      const error = yield* Effect.flip(registry.require(Missing))
      assert.deepStrictEqual([error._tag, error.key, error.available], ["NotProvided", "missing", ["db"]])
      assert.include(error.message, "provided: [db]")
    }).pipe(Effect.scoped))

  it.effect("REG-11 and REG-12 (weakness 11) null and other falsy values are provided values, for every operation", () =>
    Effect.gen(function*() {
      const registry = yield* Registry.make
      const N = Registry.key<null>("n")
      const Zero = Registry.key<number>("zero")
      const No = Registry.key<boolean>("no")
      const Empty = Registry.key<string>("empty")
      yield* registry.provide(N, null)
      yield* registry.provide(Zero, 0)
      yield* registry.provide(No, false)
      yield* registry.provide(Empty, "")
      assert.isTrue(yield* registry.has(N))
      assert.deepStrictEqual(yield* registry.resolve(N), Option.some(null))
      assert.deepStrictEqual(
        yield* Effect.all([registry.require(N), registry.require(Zero), registry.require(No), registry.require(Empty)]),
        [null, 0, false, ""]
      )
      assert.strictEqual(yield* registry.waitFor(N, "1 second"), null)
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
      const waiting = yield* Effect.forkChild(Effect.flip(registry.waitFor(Registry.key("k"), "1 minute")), {
        startImmediately: true
      })
      yield* registry.clear
      const error = yield* Fiber.join(waiting)
      assert.deepStrictEqual([error._tag, error.message], ["RegistryCleared", "the registry was cleared while waiting for 'k'"])
    }))

  it.effect("REG-18 clear removes every entry", () =>
    Effect.gen(function*() {
      const registry = yield* Registry.make
      yield* registry.provide(A, 1)
      yield* registry.provide(B, 2)
      yield* registry.clear
      assert.deepStrictEqual(yield* registry.list, [])
    }).pipe(Effect.scoped))

  it.effect("REG-19 a waiter can call back into the registry as it resumes", () =>
    Effect.gen(function*() {
      const registry = yield* Registry.make
      const done = yield* Deferred.make<ReadonlyArray<string>>()
      yield* Effect.forkChild(
        Effect.flatMap(registry.waitFor(A, "1 minute"), () => Effect.flatMap(registry.list, (keys) => Deferred.succeed(done, keys)))
      )
      yield* Effect.yieldNow
      yield* registry.provide(A, 1)
      assert.deepStrictEqual(yield* Deferred.await(done), ["a"])
    }).pipe(Effect.scoped))

  it.effect("weakness 9: a pending waitFor ends when its fiber is interrupted", () =>
    Effect.gen(function*() {
      const registry = yield* Registry.make
      const waiting = yield* Effect.forkChild(registry.waitFor(Registry.key("k"), "1 minute"), { startImmediately: true })
      yield* Fiber.interrupt(waiting)
      yield* registry.clear
      assert.isTrue(Exit.hasInterrupts(yield* Fiber.await(waiting)))
    }))

  it.effect("MGR-20 closing the registry's layer fails pending waiters", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(Registry.layer, scope)
      const registry = Context.get(context, Registry.Registry)
      const waiting = yield* Effect.forkChild(Effect.flip(registry.waitFor(Registry.key("late"), "1 minute")), { startImmediately: true })
      yield* Scope.close(scope, Exit.void)
      assert.strictEqual((yield* Fiber.join(waiting))._tag, "RegistryCleared")
    }))
})
