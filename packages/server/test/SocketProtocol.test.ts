/**
 * The socket protocol of architecture.md against a real server and a real `ws`
 * client, and the SocketIngress checks of specter-behaviour.md §6 that make
 * sense for scoped subscriptions.
 *
 * Not ported (the design removes them): ING-05/06 (binding dispatchers to a
 * server: there is one endpoint, always bound), ING-08/09 (non-string names and
 * non-callable handlers are type errors), ING-12/13 (decorator forms and removal
 * by callback identity: each subscription is its own scope), ING-14 (the
 * default-error hook: a failing handler fails the ack instead), ING-15 (clear:
 * closing the owners' scopes removes their handlers).
 */
import { assert, describe, layer } from "@effect/vitest"
import { Controller, Field, HttpError, Outcome, SocketIngress, SocketServer } from "@specter/server"
import * as TestServer from "@specter/testing/server"
import { Effect, Exit, Layer, Scope } from "effect"

const Greeting = Field.struct({ name: Field.string({ required: true, nonEmpty: true }), times: Field.int({ default: 1 }) })
const order: Array<string> = []

const Chat = Controller.make("chat",
  Effect.gen(function*() {
    const sockets = yield* SocketServer.SocketServer
    return {
      events: {
        greet: Controller.event({
          payload: Greeting,
          handle: ({ name, times }) => Effect.succeed({ greeting: `hello ${name}`.repeat(times) })
        }),
        "whoami": Controller.event({ handle: (_, { session }) => Effect.succeed({ sid: session.sid, route: session.route }) }),
        "room:say": Controller.event({
          handle: (text) => Effect.as(sockets.publish("room", "room:said", text), "sent")
        }),
        "ordered": Controller.event({ priority: 150, handle: () => Effect.sync(() => void order.push("150")).pipe(Effect.as("late")) }),
        "forbidden": Controller.event({ handle: () => Effect.fail(HttpError.forbidden("not you")) }),
        "crash": Controller.event({ handle: () => Effect.die(new Error("secret")) }),
        "outcome": Controller.event({
          handle: (ok) => Effect.succeed(ok === true ? Outcome.success("fine") : Outcome.failure("gone", { status: 404 }))
        })
      }
    }
  }))

/** A second owner of `ordered`, at a lower priority, that fails first then recovers. */
const Early = Controller.make("early", {
  events: {
    ordered: Controller.event({ priority: 50, handle: () => Effect.sync(() => void order.push("50")).pipe(Effect.as(null)) }),
    isolated: Controller.event({ handle: () => Effect.die("first handler dies") })
  }
})
const Late = Controller.make("late", {
  events: { isolated: Controller.event({ priority: 200, handle: () => Effect.sync(() => void order.push("ran after a failure")) }) }
})

const App = TestServer.layer(Layer.mergeAll(Chat, Early, Late)).pipe(Layer.orDie)

const emit = (event: string, payload: unknown, id: number | string) => ({ type: "emit", event, payload, id })

describe("socket protocol", () => {
  layer(App, { excludeTestServices: true })((it) => {
    it.effect("hello is answered with ready and a session id", () =>
      Effect.gen(function*() {
        const socket = yield* TestServer.connect()
        yield* socket.send({ type: "hello", route: "/page" })
        const ready = yield* socket.next()
        assert.strictEqual(ready.type, "ready")
        assert.match(ready.sid, /^[0-9a-f-]{36}$/)
        yield* socket.send(emit("whoami", null, 1))
        assert.deepStrictEqual(yield* socket.next(), { type: "ack", id: 1, ok: true, payload: { sid: ready.sid, route: "/page" } })
      }).pipe(Effect.scoped))

    it.effect("emit with an id is acked with the handler's result, after validation and coercion", () =>
      Effect.gen(function*() {
        const socket = yield* TestServer.connect()
        yield* socket.send(emit("greet", { name: "ada", times: "2" }, 7))
        assert.deepStrictEqual(yield* socket.next(), { type: "ack", id: 7, ok: true, payload: { greeting: "hello adahello ada" } })
      }).pipe(Effect.scoped))

    it.effect("an invalid payload is acked ok:false with code validation and per-field messages", () =>
      Effect.gen(function*() {
        const socket = yield* TestServer.connect()
        yield* socket.send(emit("greet", { times: "many" }, "a"))
        const ack = yield* socket.next()
        assert.strictEqual(ack.ok, false)
        assert.strictEqual(ack.error.code, "validation")
        assert.deepStrictEqual(ack.error.fields, {
          name: "'name' is required",
          times: "'times' must be int: Cannot convert string 'many' to int"
        })
      }).pipe(Effect.scoped))

    it.effect("an HttpError becomes its code; a defect is 'internal' without details", () =>
      Effect.gen(function*() {
        const socket = yield* TestServer.connect()
        yield* socket.send(emit("forbidden", null, 1))
        assert.deepStrictEqual((yield* socket.next()).error, { code: "forbidden", message: "not you" })
        yield* socket.send(emit("crash", null, 2))
        assert.deepStrictEqual((yield* socket.next()).error, { code: "internal", message: "internal server error" })
      }).pipe(Effect.scoped))

    it.effect("a handler returning an Outcome acks its value, or its error with the code of its status", () =>
      Effect.gen(function*() {
        const socket = yield* TestServer.connect()
        yield* socket.send(emit("outcome", true, 1))
        assert.deepStrictEqual(yield* socket.next(), { type: "ack", id: 1, ok: true, payload: "fine" })
        yield* socket.send(emit("outcome", false, 2))
        assert.deepStrictEqual((yield* socket.next()).error, { code: "not_found", message: "gone" })
      }).pipe(Effect.scoped))

    it.effect("frames it cannot handle get error frames, and the connection stays up", () =>
      Effect.gen(function*() {
        const socket = yield* TestServer.connect()
        const bad = ["{not json", "[1,2]", "42", JSON.stringify({ type: "dance" }), JSON.stringify({ type: "emit" })]
        for (const frame of bad) yield* socket.send(frame)
        const errors = []
        for (const _ of bad) errors.push(yield* socket.next())
        assert.deepStrictEqual(errors.map((e) => [e.type, e.code]), [
          ["error", "bad_json"],
          ["error", "bad_frame"],
          ["error", "bad_frame"],
          ["error", "bad_frame"],
          ["error", "bad_frame"]
        ])
        yield* socket.send(emit("greet", { name: "still here" }, 9))
        assert.strictEqual((yield* socket.next()).ok, true)
      }).pipe(Effect.scoped))

    it.effect("an unknown event is a failed ack with an id, an error frame without; names like __proto__ are just unknown", () =>
      Effect.gen(function*() {
        const socket = yield* TestServer.connect()
        yield* socket.send(emit("nobody:listens", null, 3))
        assert.deepStrictEqual((yield* socket.next()).error.code, "unknown_event")
        yield* socket.send({ type: "emit", event: "__proto__" })
        const frame = yield* socket.next()
        assert.deepStrictEqual([frame.type, frame.code], ["error", "unknown_event"])
        yield* socket.send({ type: "emit", event: "constructor", id: 4 })
        assert.strictEqual((yield* socket.next()).error.code, "unknown_event")
      }).pipe(Effect.scoped))

    it.effect("a frame over the size limit closes that connection with 1009; other sessions are unaffected", () =>
      Effect.gen(function*() {
        const victim = yield* TestServer.connect()
        const bystander = yield* TestServer.connect()
        yield* victim.send(emit("greet", { name: "x".repeat(2 * 1024 * 1024) }, 1))
        assert.strictEqual(yield* victim.closed, 1009)
        yield* bystander.send(emit("greet", { name: "fine" }, 2))
        assert.strictEqual((yield* bystander.next()).ok, true)
      }).pipe(Effect.scoped))

    it.effect("topics: a session that joined gets the topic's events, and stops after leaving", () =>
      Effect.gen(function*() {
        const member = yield* TestServer.connect()
        const outsider = yield* TestServer.connect()
        yield* member.send({ type: "topic", action: "join", topic: "room" })
        yield* outsider.send(emit("room:say", "first", 1))
        assert.deepStrictEqual(yield* outsider.next(), { type: "ack", id: 1, ok: true, payload: "sent" })
        assert.deepStrictEqual(yield* member.next(), { type: "event", event: "room:said", payload: "first" })
        yield* member.send({ type: "topic", action: "leave", topic: "room" })
        yield* member.send(emit("room:say", "second", 2))
        yield* member.next((f) => f.type === "ack")
        assert.deepStrictEqual(outsider.frames.filter((f) => f.type === "event"), [])
        assert.deepStrictEqual(member.frames.filter((f) => f.type === "event").map((f) => f.payload), ["first"])
      }).pipe(Effect.scoped))

    it.effect("the server pushes to one session, and to everyone", () =>
      Effect.gen(function*() {
        const sockets = yield* SocketServer.SocketServer
        const a = yield* TestServer.connect()
        const b = yield* TestServer.connect()
        yield* a.send({ type: "hello" })
        const { sid } = yield* a.next()
        yield* b.send({ type: "hello" })
        yield* b.next()
        assert.isTrue(yield* sockets.push(sid, "direct", 1))
        assert.isFalse(yield* sockets.push("no-such-sid", "direct", 1))
        assert.deepStrictEqual(yield* a.next(), { type: "event", event: "direct", payload: 1 })
        assert.isAtLeast(yield* sockets.broadcast("all", 2), 2)
        assert.deepStrictEqual(yield* a.next(), { type: "event", event: "all", payload: 2 })
        assert.deepStrictEqual(yield* b.next(), { type: "event", event: "all", payload: 2 })
      }).pipe(Effect.scoped))

    it.effect("ING-01, ING-02 and ING-04 handlers run by priority; the ack is the last non-null result", () =>
      Effect.gen(function*() {
        order.length = 0
        const socket = yield* TestServer.connect()
        yield* socket.send(emit("ordered", null, 1))
        assert.deepStrictEqual((yield* socket.next()).payload, "late")
        assert.deepStrictEqual(order, ["50", "150"])
      }).pipe(Effect.scoped))

    it.effect("ING-03 a failing handler is logged, the later handlers still run, and the ack reports the failure", () =>
      Effect.gen(function*() {
        order.length = 0
        const socket = yield* TestServer.connect()
        yield* socket.send(emit("isolated", null, 1))
        assert.strictEqual((yield* socket.next()).error.code, "internal")
        assert.deepStrictEqual(order, ["ran after a failure"])
      }).pipe(Effect.scoped))

    it.effect("ING-07, ING-10 and ING-16 names are trimmed; closing a subscriber's scope removes it, not the others", () =>
      Effect.gen(function*() {
        const ingress = yield* SocketIngress.SocketIngress
        const scope = yield* Scope.make()
        yield* Scope.provide(ingress.subscribe("  spaced  ", { handle: () => Effect.succeed("temporary") }), scope)
        assert.strictEqual(ingress.count("spaced"), 1)
        const socket = yield* TestServer.connect()
        yield* socket.send(emit("spaced", null, 1))
        assert.strictEqual((yield* socket.next()).payload, "temporary")
        yield* Scope.close(scope, Exit.void)
        assert.strictEqual(ingress.count("spaced"), 0)
        assert.strictEqual(ingress.count("greet"), 1)
        yield* socket.send(emit("spaced", null, 2))
        assert.strictEqual((yield* socket.next()).error.code, "unknown_event")
      }).pipe(Effect.scoped))

    it.effect("a plain HTTP request to the socket endpoint answers 426", () =>
      Effect.gen(function*() {
        const url = yield* TestServer.url("/ws")
        const response = yield* Effect.promise(() => fetch(url))
        assert.strictEqual(response.status, 426)
      }))
  })
})
