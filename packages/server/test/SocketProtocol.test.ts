/**
 * The socket protocol of architecture.md against a real server and a real `ws`
 * client: envelopes, acks, errors, topics, pushes, the frame limit, and how the
 * frames of one session are scheduled (concurrently, `ordered` per event, at most
 * `maxInFlight` at once). The SocketIngress checks (ING-xx) are unit-tested in
 * SocketIngress.test.ts; INT-04 is here, end to end.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Bus, Field, HttpError, Outcome, SocketIngress, SocketServer } from "@specter-runtime/server"
import * as TestServer from "@specter-runtime/testing/server"
import { Deferred, Effect, Exit, Layer, Scope, Stream } from "effect"
import * as Handler from "../src/Handler.ts"

const Greeting = Field.struct({ name: Field.string({ required: true, nonEmpty: true }), times: Field.int({ default: 1 }) })
const order: Array<string> = []

/** Gates the tests open and close: a handler waits on its gate. */
const gates = new Map<string, Deferred.Deferred<void>>()
const gate = (key: string) => {
  let g = gates.get(key)
  if (g === undefined) gates.set(key, g = Deferred.makeUnsafe<void>())
  return g
}
const open = (key: string) => Deferred.succeed(gate(key), undefined)
const started: Array<string> = []
let running = 0
let mostAtOnce = 0

const Chat = Handler.layer("chat",
  Effect.gen(function*() {
    const sockets = yield* SocketServer.SocketServer
    return {
      greet: Handler.event({
        payload: Greeting,
        handle: ({ name, times }) => Effect.succeed({ greeting: `hello ${name}`.repeat(times) })
      }),
      whoami: Handler.event({ handle: (_, { session }) => Effect.succeed({ sid: session.sid, route: session.route }) }),
      "room:say": Handler.event({ handle: (text) => Effect.as(sockets.publish("room", "room:said", text), "sent") }),
      ordered: Handler.event({ priority: 150, handle: () => Effect.sync(() => void order.push("150")).pipe(Effect.as("late")) }),
      forbidden: Handler.event({ handle: () => Effect.fail(HttpError.forbidden("not you")) }),
      crash: Handler.event({ handle: () => Effect.die(new Error("secret")) }),
      outcome: Handler.event({ handle: (ok) => Effect.succeed(ok === true ? Outcome.success("fine") : Outcome.failure("gone", { status: 404 })) }),
      // Waits for the gate named by its payload, then answers with that name.
      slow: Handler.event({ handle: (key) => Effect.as(Deferred.await(gate(String(key))), key) }),
      quick: Handler.event({ handle: (n) => Effect.succeed(n) }),
      "one-by-one": Handler.event({
        ordered: true,
        handle: (key) =>
          Effect.gen(function*() {
            started.push(String(key))
            mostAtOnce = Math.max(mostAtOnce, ++running)
            yield* Deferred.await(gate(String(key)))
            running--
            return key
          })
      }),
      held: Handler.event({ handle: (key) => Effect.sync(() => started.push(String(key))).pipe(Effect.andThen(Deferred.await(gate("held"))), Effect.as(key)) })
    }
  }))

/** A second owner of `ordered`, at a lower priority, and two owners of `isolated`. */
const Early = Handler.layer("early", {
  ordered: { priority: 50, handle: () => Effect.sync(() => void order.push("50")).pipe(Effect.as(null)) },
  isolated: { handle: () => Effect.die("first handler dies") }
})
const Late = Handler.layer("late", {
  isolated: { priority: 200, handle: () => Effect.sync(() => void order.push("ran after a failure")) }
})

const App = TestServer.layer(Layer.mergeAll(Chat, Early, Late)).pipe(Layer.orDie)

const emit = (event: string, payload: unknown, id: number | string) => ({ type: "emit", event, payload, id })
const ackOf = (id: number | string) => (f: any) => f.type === "ack" && f.id === id

/** Polls `condition` every 5 ms for up to 2 seconds (real time). */
const eventually = (condition: () => boolean) =>
  Effect.gen(function*() {
    for (let i = 0; i < 400 && !condition(); i++) yield* Effect.sleep("5 millis")
    assert.isTrue(condition(), "condition not reached within 2 seconds")
  })

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

    it.effect("a malformed emit that carries an id is answered by a failed ack with that id", () =>
      Effect.gen(function*() {
        const socket = yield* TestServer.connect()
        yield* socket.send({ type: "emit", event: "", id: 12 })
        const ack = yield* socket.next()
        assert.deepStrictEqual([ack.type, ack.id, ack.ok, ack.error.code], ["ack", 12, false, "bad_frame"])
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

    it.effect("a result JSON cannot represent is an 'internal' ack, and the session goes on", () =>
      Effect.gen(function*() {
        const ingress = yield* SocketIngress.SocketIngress
        yield* ingress.subscribe("bigint", { handle: () => Effect.succeed(1n) })
        const socket = yield* TestServer.connect()
        yield* socket.send(emit("bigint", null, 1))
        assert.deepStrictEqual((yield* socket.next()).error, { code: "internal", message: "internal server error" })
        yield* socket.send(emit("quick", 2, 2))
        assert.strictEqual((yield* socket.next()).payload, 2)
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

    it.effect("INT-04 two owners of one event run by priority (50, then 150); the ack is the last non-null result", () =>
      Effect.gen(function*() {
        order.length = 0
        const socket = yield* TestServer.connect()
        yield* socket.send(emit("ordered", null, 1))
        assert.deepStrictEqual((yield* socket.next()).payload, "late")
        assert.deepStrictEqual(order, ["50", "150"])
      }).pipe(Effect.scoped))

    it.effect("a failing handler answers the ack with its failure, and the later handlers of the event still run", () =>
      Effect.gen(function*() {
        order.length = 0
        const socket = yield* TestServer.connect()
        yield* socket.send(emit("isolated", null, 1))
        assert.strictEqual((yield* socket.next()).error.code, "internal")
        assert.deepStrictEqual(order, ["ran after a failure"])
      }).pipe(Effect.scoped))

    it.effect("a subscription answers under its trimmed name until its scope closes; the others stay", () =>
      Effect.gen(function*() {
        const ingress = yield* SocketIngress.SocketIngress
        const scope = yield* Scope.make()
        yield* Scope.provide(ingress.subscribe("  spaced  ", { handle: () => Effect.succeed("temporary") }), scope)
        const socket = yield* TestServer.connect()
        yield* socket.send(emit("spaced", null, 1))
        assert.strictEqual((yield* socket.next()).payload, "temporary")
        yield* Scope.close(scope, Exit.void)
        yield* socket.send(emit("spaced", null, 2))
        assert.strictEqual((yield* socket.next()).error.code, "unknown_event")
        yield* socket.send(emit("greet", { name: "still" }, 3))
        assert.strictEqual((yield* socket.next()).ok, true)
      }).pipe(Effect.scoped))

    it.effect("a slow emit holds up neither the session's topic frames nor the acks of its other emits", () =>
      Effect.gen(function*() {
        const sockets = yield* SocketServer.SocketServer
        const socket = yield* TestServer.connect()
        yield* socket.send(emit("slow", "slow-1", 1))
        yield* socket.send({ type: "topic", action: "join", topic: "while-slow" })
        yield* socket.send(emit("quick", "two", 2))
        assert.deepStrictEqual(yield* socket.next(ackOf(2)), { type: "ack", id: 2, ok: true, payload: "two" })
        assert.strictEqual(yield* sockets.publish("while-slow", "news", 1), 1)
        assert.deepStrictEqual(yield* socket.next((f) => f.type === "event"), { type: "event", event: "news", payload: 1 })
        assert.isFalse(socket.frames.some(ackOf(1)), "the slow emit was acked before it finished")
        yield* open("slow-1")
        assert.deepStrictEqual(yield* socket.next(ackOf(1)), { type: "ack", id: 1, ok: true, payload: "slow-1" })
      }).pipe(Effect.scoped))

    it.effect("an ordered event runs the frames of one session one at a time, in arrival order; other sessions do not wait", () =>
      Effect.gen(function*() {
        started.length = 0
        const socket = yield* TestServer.connect()
        const other = yield* TestServer.connect()
        for (const [i, key] of ["o-1", "o-2", "o-3"].entries()) yield* socket.send(emit("one-by-one", key, i + 1))
        yield* eventually(() => started.length === 1)
        yield* other.send(emit("one-by-one", "other", 9))
        yield* eventually(() => started.includes("other"))
        yield* open("other")
        yield* other.next(ackOf(9))
        yield* Effect.sleep("20 millis")
        assert.deepStrictEqual(started, ["o-1", "other"], "o-2 started before o-1 finished")
        mostAtOnce = 0
        yield* open("o-1")
        yield* open("o-2")
        yield* open("o-3")
        for (const id of [1, 2, 3]) yield* socket.next(ackOf(id))
        assert.deepStrictEqual(started, ["o-1", "other", "o-2", "o-3"])
        assert.strictEqual(mostAtOnce, 1)
      }).pipe(Effect.scoped))

    it.effect("a session has at most 32 emits running; the next frame waits until one finishes", () =>
      Effect.gen(function*() {
        started.length = 0
        const socket = yield* TestServer.connect()
        for (let i = 1; i <= 34; i++) yield* socket.send(emit("held", `h-${i}`, i))
        yield* eventually(() => started.length === 32)
        yield* Effect.sleep("30 millis")
        assert.strictEqual(started.length, 32)
        const other = yield* TestServer.connect()
        yield* other.send(emit("quick", "unaffected", 1))
        assert.strictEqual((yield* other.next(ackOf(1))).payload, "unaffected")
        yield* open("held")
        for (let i = 1; i <= 34; i++) yield* socket.next(ackOf(i))
        assert.strictEqual(started.length, 34)
      }).pipe(Effect.scoped))

    it.effect("Connected and Disconnected are published on the bus with the session id", () =>
      Effect.gen(function*() {
        const seen: Array<string> = []
        const record = (what: string) => (event: { readonly sid: string }) => Effect.sync(() => void seen.push(`${what} ${event.sid}`))
        yield* Effect.forkScoped(Stream.runForEach(yield* Bus.subscribe(SocketServer.Connected), record("connected")))
        yield* Effect.forkScoped(Stream.runForEach(yield* Bus.subscribe(SocketServer.Disconnected), record("disconnected")))
        const scope = yield* Scope.make()
        const socket = yield* Scope.provide(TestServer.connect(), scope)
        yield* socket.send({ type: "hello" })
        const { sid } = yield* socket.next()
        yield* eventually(() => seen.includes(`connected ${sid}`))
        assert.notInclude(seen, `disconnected ${sid}`)
        yield* Scope.close(scope, Exit.void)
        yield* eventually(() => seen.includes(`disconnected ${sid}`))
      }).pipe(Effect.scoped))

    it.effect("closeAll closes every connection with its code, and the sessions are gone", () =>
      Effect.gen(function*() {
        const sockets = yield* SocketServer.SocketServer
        const a = yield* TestServer.connect()
        const b = yield* TestServer.connect()
        yield* a.send({ type: "hello" })
        yield* a.next()
        yield* sockets.closeAll(4000, "maintenance")
        assert.deepStrictEqual([yield* a.closed, yield* b.closed], [4000, 4000])
        yield* eventually(() => sockets.sessions().length === 0)
      }).pipe(Effect.scoped))

    it.effect("a plain HTTP request to the socket endpoint answers 426", () =>
      Effect.gen(function*() {
        const url = yield* TestServer.url("/ws")
        const response = yield* Effect.promise(() => fetch(url))
        assert.strictEqual(response.status, 426)
      }))
  })
})
