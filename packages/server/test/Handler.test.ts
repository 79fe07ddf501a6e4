/**
 * Handler, the checks of specter-behaviour.md §5: a named group of socket event
 * handlers whose setup is acquiring it in a scope (or building its Layer) and
 * whose teardown is closing that scope.
 *
 * Not ported:
 * - HDL-02 (a declared method that does not exist is logged and skipped): events
 *   are handler values, not method names; a missing one is a type error.
 * - HDL-05 (teardown before setup is a no-op): there is nothing to tear down
 *   before the scope that sets it up exists.
 * - HDL-08 (after teardown `registered` is false, `socketio` null, a second
 *   teardown a no-op): a handler is set up exactly while its scope is open, and a
 *   closed scope runs its finalizers once; there are no flags to reset.
 * - HDL-09 (without an ingress, register directly on the socket server): the
 *   ingress is the only path (weakness 8), and it is required by the types.
 * HDL-07 and HDL-10 are ported as what replaces them, named "(changed)".
 */
import { assert, describe, it } from "@effect/vitest"
import { SocketIngress } from "@specter-runtime/server"
import { Context, Effect, Exit, Layer, Scope } from "effect"
import * as Handler from "../src/Handler.ts"
import { fakeSession } from "./fakeSession.ts"

const session = fakeSession("s")
const dispatch = (event: string, payload: unknown = null) =>
  SocketIngress.SocketIngress.use((ingress) => ingress.dispatch(event, payload, { session }))
const count = (event?: string) => SocketIngress.SocketIngress.use((ingress) => Effect.succeed(ingress.count(event)))

/** Builds `layer` in a new scope and returns that scope. */
const setUp = <E>(layer: Layer.Layer<never, E, SocketIngress.SocketIngress>) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    yield* Scope.provide(Layer.build(layer), scope)
    return scope
  })

const answering = (result: unknown) => ({ handle: () => Effect.succeed(result) })

describe("Handler", () => {
  it.effect("HDL-01 setup subscribes every declared event once, and teardown unsubscribes all of them", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const handler = yield* Scope.provide(Handler.make("pair", { a: answering("A"), b: answering("B") }), scope)
      assert.deepStrictEqual(handler, { name: "pair", events: ["a", "b"] })
      assert.deepStrictEqual([yield* count("a"), yield* count("b")], [1, 1])
      assert.deepStrictEqual(yield* dispatch("b"), { _tag: "Ok", payload: "B" })
      yield* Scope.close(scope, Exit.void)
      assert.strictEqual(yield* count(), 0)
    }).pipe(Effect.provide(SocketIngress.layer)))

  it.effect("HDL-03 each event has its priority; the default is 100", () =>
    Effect.gen(function*() {
      const calls: Array<string> = []
      const record = (name: string, priority?: number) => ({
        priority,
        handle: () => Effect.sync(() => void calls.push(name))
      })
      yield* Handler.make("first", { evt: record("default") })
      yield* Handler.make("second", { evt: record("101", 101) })
      yield* Handler.make("third", { evt: record("99", 99) })
      yield* dispatch("evt")
      assert.deepStrictEqual(calls, ["99", "default", "101"])
    }).pipe(Effect.provide(SocketIngress.layer)))

  it.effect("HDL-04 a handler provided twice to one application is set up once", () =>
    Effect.gen(function*() {
      let setups = 0
      const Twice = Handler.layer("twice", Effect.sync(() => (setups++, { evt: answering(1) })))
      yield* setUp(Layer.mergeAll(Twice, Twice))
      assert.deepStrictEqual([setups, yield* count("evt")], [1, 1])
    }).pipe(Effect.provide(SocketIngress.layer)))

  it.effect("HDL-06 teardown removes the subscriptions first, then runs the handler's own cleanups in reverse order", () =>
    Effect.gen(function*() {
      const ingress = yield* SocketIngress.SocketIngress
      const log: Array<string> = []
      const cleanup = (name: string) => Effect.addFinalizer(() => Effect.sync(() => void log.push(`${name} (subscribed: ${ingress.count("evt")})`)))
      const scope = yield* setUp(Handler.layer("tidy", Effect.gen(function*() {
        yield* cleanup("first")
        yield* cleanup("second")
        return { evt: answering(1) }
      })))
      yield* Scope.close(scope, Exit.void)
      assert.deepStrictEqual(log, ["second (subscribed: 0)", "first (subscribed: 0)"])
    }).pipe(Effect.provide(SocketIngress.layer)))

  it.effect("HDL-07 (changed) a setup that fails fails the Layer with its error, having removed what it had set up", () =>
    Effect.gen(function*() {
      const released: Array<string> = []
      const failing = Handler.layer("fails", Effect.gen(function*() {
        yield* Effect.addFinalizer(() => Effect.sync(() => void released.push("resource")))
        return yield* Effect.fail("no database")
      }))
      const exit = yield* Effect.exit(setUp(failing))
      assert.deepStrictEqual(exit, Exit.fail("no database"))
      assert.deepStrictEqual(released, ["resource"])
      assert.strictEqual(yield* count(), 0)
    }).pipe(Effect.provide(SocketIngress.layer)))

  it.effect("(weakness 33) an event that cannot be subscribed half-way through setup unwinds the ones before it", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Handler.make("half", { a: answering("A"), "  ": answering("blank"), c: answering("C") }))
      assert.strictEqual(error._tag, "InvalidEventName")
      assert.strictEqual(yield* count(), 0)
      assert.deepStrictEqual(yield* dispatch("a"), { _tag: "UnknownEvent" })
    }).pipe(Effect.provide(SocketIngress.layer)))

  it.effect("HDL-10 (changed) the events are built by an effect with the services they need, resolved once at setup", () =>
    Effect.gen(function*() {
      class Greeter extends Context.Service<Greeter, { readonly greet: (name: string) => string }>()("test/Greeter") {}
      let resolved = 0
      const GreeterLive = Layer.effect(Greeter, Effect.sync(() => (resolved++, Greeter.of({ greet: (name) => `hello ${name}` }))))
      const Greetings = Handler.layer("greetings", Effect.gen(function*() {
        const greeter = yield* Greeter
        return { greet: Handler.event({ handle: (name) => Effect.succeed(greeter.greet(String(name))) }) }
      }))
      yield* setUp(Greetings.pipe(Layer.provide(GreeterLive)))
      assert.deepStrictEqual(yield* dispatch("greet", "ada"), { _tag: "Ok", payload: "hello ada" })
      assert.deepStrictEqual(yield* dispatch("greet", "bob"), { _tag: "Ok", payload: "hello bob" })
      assert.strictEqual(resolved, 1)
    }).pipe(Effect.provide(SocketIngress.layer)))

  it.effect("HDL-11 setup, teardown, setup wires the events again", () =>
    Effect.gen(function*() {
      const Again = Handler.layer("again", { evt: answering("back") })
      yield* Scope.close(yield* setUp(Again), Exit.void)
      assert.deepStrictEqual(yield* dispatch("evt"), { _tag: "UnknownEvent" })
      yield* setUp(Again)
      assert.deepStrictEqual(yield* dispatch("evt"), { _tag: "Ok", payload: "back" })
      assert.strictEqual(yield* count("evt"), 1)
    }).pipe(Effect.provide(SocketIngress.layer)))

  it.effect("handlers are labelled <handler>:<event> in logs unless they have a label", () =>
    Effect.gen(function*() {
      const ingress = yield* SocketIngress.SocketIngress
      const labels: Array<string | undefined> = []
      yield* ingress.subscribeErrors({ handle: (r) => Effect.sync(() => void labels.push(r.handler)) })
      yield* Handler.make("named", { boom: { handle: () => Effect.fail("x") }, bang: { label: "mine", handle: () => Effect.fail("y") } })
      yield* dispatch("boom")
      yield* dispatch("bang")
      assert.deepStrictEqual(labels, ["named:boom", "mine"])
    }).pipe(Effect.provide(SocketIngress.layer)))
})
