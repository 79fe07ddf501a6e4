/**
 * SocketIngress, the checks of specter-behaviour.md §6, on the ingress itself
 * (the socket end to end is in SocketProtocol.test.ts).
 *
 * Not ported:
 * - ING-05, ING-06 (a dispatcher bound per event when a server is attached):
 *   there is one endpoint, and it reads the ingress for every frame; there is
 *   nothing to bind or re-bind (weakness 34: no stale dispatchers on a server).
 * - ING-09 (a non-callable callback, an owner without add_cleanup) and the
 *   non-string case of ING-08: type errors; the owner is the calling `Scope`.
 * - ING-13 (`on` returning the callback, the decorator form): Python mechanics;
 *   `subscribe` returns a `Subscription` handle.
 * - A handler needing a service per event (the original ran callbacks with the
 *   process-wide registry): a handler's requirements are `never`, so it closes
 *   over its services; this is a type error, not a test.
 */
import { assert, describe, it } from "@effect/vitest"
import { SocketIngress } from "@specter-runtime/server"
import { TestLogger } from "@specter-runtime/testing"
import { Effect, Exit, Layer, Scope } from "effect"
import { fakeSession } from "./fakeSession.ts"

const session = fakeSession("test-session")
const context = { session }

const Ingress = Layer.merge(SocketIngress.layer, TestLogger.layer)

/** Subscribes `event` with a handler that records `name` in `calls` and returns `result`. */
const recorder = (calls: Array<string>) =>
  (event: string, name: string, options: { readonly priority?: number; readonly result?: unknown } = {}) =>
    SocketIngress.SocketIngress.use((ingress) =>
      ingress.subscribe(event, {
        priority: options.priority,
        handle: () => Effect.sync(() => calls.push(name)).pipe(Effect.as(options.result ?? null))
      }))

const dispatch = (event: string, payload: unknown = null) =>
  SocketIngress.SocketIngress.use((ingress) => ingress.dispatch(event, payload, context))

describe("SocketIngress", () => {
  it.effect("ING-01 a priority-10 handler runs before a priority-100 one subscribed earlier", () =>
    Effect.gen(function*() {
      const calls: Array<string> = []
      const subscribe = recorder(calls)
      yield* subscribe("evt", "p100")
      yield* subscribe("evt", "p10", { priority: 10 })
      yield* dispatch("evt")
      assert.deepStrictEqual(calls, ["p10", "p100"])
    }).pipe(Effect.provide(Ingress)))

  it.effect("ING-02 handlers of equal priority run in subscription order", () =>
    Effect.gen(function*() {
      const calls: Array<string> = []
      const subscribe = recorder(calls)
      for (const name of ["a", "b", "c"]) yield* subscribe("evt", name, { priority: 5 })
      yield* subscribe("evt", "default")
      yield* dispatch("evt")
      assert.deepStrictEqual(calls, ["a", "b", "c", "default"])
    }).pipe(Effect.provide(Ingress)))

  it.effect("ING-03 a failing handler is logged once and the later handlers still run; one that throws is isolated too", () =>
    Effect.gen(function*() {
      const ingress = yield* SocketIngress.SocketIngress
      const calls: Array<string> = []
      yield* ingress.subscribe("evt", { label: "dies", handle: () => Effect.die(new Error("boom")) })
      yield* ingress.subscribe("evt", {
        label: "throws",
        handle: () => {
          throw new Error("thrown, not an Effect")
        }
      })
      yield* recorder(calls)("evt", "after")
      const result = yield* dispatch("evt")
      assert.deepStrictEqual(result, { _tag: "Failed", error: { code: "internal", message: "internal server error" } })
      assert.deepStrictEqual(calls, ["after"])
      const errors = (yield* TestLogger.TestLogger).at("Error")
      assert.deepStrictEqual(errors.map((e) => e.message), [
        "socket handler 'dies' of 'evt' failed",
        "socket handler 'throws' of 'evt' failed"
      ])
      assert.include(errors[0]!.cause, "boom")
    }).pipe(Effect.provide(Ingress)))

  it.effect("ING-04 the result is the last non-null result: [A, null, B] gives B, [A, null] gives A, none gives null", () =>
    Effect.gen(function*() {
      const subscribe = recorder([])
      yield* subscribe("abc", "a", { result: "A" })
      yield* subscribe("abc", "null")
      yield* subscribe("abc", "b", { result: "B" })
      yield* subscribe("an", "a", { result: "A" })
      yield* subscribe("an", "null")
      yield* subscribe("none", "null")
      assert.deepStrictEqual(yield* dispatch("abc"), { _tag: "Ok", payload: "B" })
      assert.deepStrictEqual(yield* dispatch("an"), { _tag: "Ok", payload: "A" })
      assert.deepStrictEqual(yield* dispatch("none"), { _tag: "Ok", payload: null })
    }).pipe(Effect.provide(Ingress)))

  it.effect("ING-07 a name is trimmed: ' evt ' is stored and dispatched as 'evt'", () =>
    Effect.gen(function*() {
      const ingress = yield* SocketIngress.SocketIngress
      const subscription = yield* ingress.subscribe(" evt ", { handle: () => Effect.succeed("hit") })
      assert.strictEqual(subscription.event, "evt")
      assert.deepStrictEqual(ingress.events(), ["evt"])
      assert.deepStrictEqual(yield* dispatch("evt"), { _tag: "Ok", payload: "hit" })
    }).pipe(Effect.provide(Ingress)))

  it.effect("ING-08 an empty, blank or over-long name fails with InvalidEventName and subscribes nothing", () =>
    Effect.gen(function*() {
      const ingress = yield* SocketIngress.SocketIngress
      for (const name of ["", "   ", "x".repeat(257)]) {
        const error = yield* Effect.flip(ingress.subscribe(name, { handle: () => Effect.void }))
        assert.strictEqual(error._tag, "InvalidEventName")
        assert.match(error.message, /^an event name must have 1 to 256 characters after trimming/)
      }
      assert.strictEqual(ingress.count(), 0)
      yield* ingress.subscribe("x".repeat(256), { handle: () => Effect.void })
      assert.strictEqual(ingress.count(), 1)
    }).pipe(Effect.provide(Ingress)))

  it.effect("ING-10 closing the subscriber's scope removes its subscription, and only that one", () =>
    Effect.gen(function*() {
      const calls: Array<string> = []
      const owner = yield* Scope.make()
      yield* Scope.provide(recorder(calls)("evt", "owned"), owner)
      yield* recorder(calls)("evt", "kept")
      yield* Scope.close(owner, Exit.void)
      yield* dispatch("evt")
      assert.deepStrictEqual(calls, ["kept"])
    }).pipe(Effect.provide(Ingress)))

  it.effect("ING-11 unsubscribe says true when it removed the subscription and false after", () =>
    Effect.gen(function*() {
      const ingress = yield* SocketIngress.SocketIngress
      const subscription = yield* recorder([])("evt", "only")
      assert.isTrue(yield* subscription.unsubscribe)
      assert.isFalse(yield* subscription.unsubscribe)
      assert.strictEqual(ingress.count("evt"), 0)
      assert.deepStrictEqual(yield* dispatch("evt"), { _tag: "UnknownEvent" })
    }).pipe(Effect.provide(Ingress)))

  it.effect("ING-12 (weakness 34) a handler subscribed twice runs twice, and each handle removes only its own", () =>
    Effect.gen(function*() {
      const ingress = yield* SocketIngress.SocketIngress
      const calls: Array<string> = []
      const handler = { handle: () => Effect.sync(() => void calls.push("same")) }
      const first = yield* ingress.subscribe("evt", handler)
      yield* ingress.subscribe("evt", handler)
      yield* dispatch("evt")
      assert.deepStrictEqual(calls, ["same", "same"])
      yield* first.unsubscribe
      yield* dispatch("evt")
      assert.deepStrictEqual(calls, ["same", "same", "same"])
    }).pipe(Effect.provide(Ingress)))

  it.effect("ING-14 error handlers see failed handlers and unknown events, by priority, each isolated", () =>
    Effect.gen(function*() {
      const ingress = yield* SocketIngress.SocketIngress
      const seen: Array<string> = []
      yield* ingress.subscribeErrors({
        label: "late",
        handle: (r) => Effect.sync(() => void seen.push(`late ${r.event} ${r.error.code} ${r.handler ?? "-"} ${r.cause === undefined ? "" : "cause"}`))
      })
      yield* ingress.subscribeErrors({ label: "broken", priority: 1, handle: () => Effect.die("error handler bug") })
      yield* ingress.subscribeErrors({ label: "early", priority: 10, handle: (r) => Effect.sync(() => void seen.push(`early ${r.event}`)) })
      yield* ingress.subscribe("evt", { label: "failing", handle: () => Effect.fail("nope") })
      yield* ingress.subscribe("fine", { handle: () => Effect.succeed(1) })
      yield* dispatch("evt")
      yield* dispatch("nobody")
      yield* dispatch("fine")
      assert.deepStrictEqual(seen, [
        "early evt",
        "late evt internal failing cause",
        "early nobody",
        "late nobody unknown_event - "
      ])
      const errors = (yield* TestLogger.TestLogger).at("Error").map((e) => e.message)
      assert.deepStrictEqual(errors.filter((m) => m.startsWith("socket error handler")), [
        "socket error handler 'broken' failed",
        "socket error handler 'broken' failed"
      ])
    }).pipe(Effect.provide(Ingress)))

  it.effect("ING-15 closing the ingress's scope removes every subscription; a later dispatch calls nothing", () =>
    Effect.gen(function*() {
      const calls: Array<string> = []
      const scope = yield* Scope.make()
      const ingress = yield* Scope.provide(SocketIngress.make, scope)
      yield* ingress.subscribe("evt", { handle: () => Effect.sync(() => void calls.push("evt")) })
      yield* ingress.subscribeErrors({ handle: () => Effect.sync(() => void calls.push("error")) })
      yield* Scope.close(scope, Exit.void)
      assert.strictEqual(ingress.count(), 0)
      assert.deepStrictEqual(yield* ingress.dispatch("evt", null, context), { _tag: "UnknownEvent" })
      assert.deepStrictEqual(calls, [])
    }))

  it.effect("ING-16 a handler that unsubscribes another during a dispatch does not stop it running in that dispatch", () =>
    Effect.gen(function*() {
      const ingress = yield* SocketIngress.SocketIngress
      const calls: Array<string> = []
      let victim: SocketIngress.Subscription | undefined
      yield* ingress.subscribe("evt", {
        priority: 1,
        handle: () => Effect.andThen(Effect.sync(() => void calls.push("remover")), victim!.unsubscribe)
      })
      victim = yield* ingress.subscribe("evt", { handle: () => Effect.sync(() => void calls.push("victim")) })
      yield* dispatch("evt")
      assert.deepStrictEqual(calls, ["remover", "victim"])
      yield* dispatch("evt")
      assert.deepStrictEqual(calls, ["remover", "victim", "remover"])
    }).pipe(Effect.provide(Ingress)))

  it.effect("an event is ordered while one of its handlers asks for it", () =>
    Effect.gen(function*() {
      const ingress = yield* SocketIngress.SocketIngress
      yield* ingress.subscribe("evt", { handle: () => Effect.void })
      assert.isFalse(ingress.isOrdered("evt"))
      const ordered = yield* ingress.subscribe("evt", { ordered: true, handle: () => Effect.void })
      assert.isTrue(ingress.isOrdered("evt"))
      yield* ordered.unsubscribe
      assert.isFalse(ingress.isOrdered("evt"))
    }).pipe(Effect.provide(Ingress)))
})
