/**
 * The socket server's guards against hostile and broken peers (issues 10 and
 * 13), on a real server and real `ws` clients: the upgrade checks (Origin,
 * `Upgrade`, `authorize`, `maxConnections`), binary frames, the topic-join
 * hook, the heartbeat (on the TestClock), the rate limit. The server runs in the
 * test's scope, so the heartbeat follows the TestClock and nothing else waits
 * on it.
 */
import { assert, describe, it } from "@effect/vitest"
import { SocketServer } from "@specter-runtime/server"
import { NodeHttpServerRequest } from "@effect/platform-node"
import { Effect } from "effect"
import { TestClock } from "effect/testing"
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"
import * as Harness from "./socketHarness.ts"

setFlagsFromString("--expose-gc")
const gc = runInNewContext("gc") as () => void
/** A full collection after the current job (a WeakRef made in it keeps its target until then). */
const collect = Effect.promise(() => new Promise<void>((resolve) => setTimeout(() => (gc(), resolve()), 10)))

const emit = (event: string, payload: unknown, id: number | string) => ({ type: "emit", event, payload, id })
/** A client of a server with this rate limit that has just spent its whole burst on acked emits. */
const spentBurst = (limit: { readonly maxFramesPerSecond: number; readonly frameBurst: number }) =>
  Effect.gen(function*() {
    const { port } = yield* Harness.start(limit)
    const peer = yield* Harness.connect(port)
    for (let i = 0; i < limit.frameBurst; i++) peer.send(emit("echo", i, i))
    for (let i = 0; i < limit.frameBurst; i++) yield* peer.next(ackOf(i))
    return peer
  })
/** Resumes on the event loop's next turn (its check phase), after the I/O callbacks of this one. */
const nextTurn = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))
const ackOf = (id: number | string) => (f: any) => f.type === "ack" && f.id === id

describe("socket hardening", () => {
  it.effect("an upgrade with Origin: http://evil.example is refused by default (403); same origin and localhost are let in", () =>
    Effect.gen(function*() {
      const { port } = yield* Harness.start()
      assert.strictEqual(yield* Harness.upgradeStatus(port, Harness.upgradeHeaders({ origin: "http://evil.example" })), 403)
      assert.strictEqual(yield* Harness.upgradeStatus(port, Harness.upgradeHeaders({ origin: `http://localhost:${port}` })), 101)
      assert.strictEqual(
        yield* Harness.upgradeStatus(port, Harness.upgradeHeaders({ origin: "https://app.example", host: "app.example" })),
        101
      )
      assert.strictEqual(yield* Harness.upgradeStatus(port, Harness.upgradeHeaders()), 101, "a client without Origin is not a browser")
    }).pipe(Effect.scoped))

  it.effect("allowedOrigins replaces the default: only the listed origins are let in", () =>
    Effect.gen(function*() {
      const { port } = yield* Harness.start({ allowedOrigins: ["https://app.example/"] })
      assert.strictEqual(yield* Harness.upgradeStatus(port, Harness.upgradeHeaders({ origin: "https://app.example" })), 101)
      assert.strictEqual(yield* Harness.upgradeStatus(port, Harness.upgradeHeaders({ origin: `http://localhost:${port}` })), 403)
    }).pipe(Effect.scoped))

  it.effect("Upgrade: foo to the socket route gets 426, and so does a plain GET", () =>
    Effect.gen(function*() {
      const { port } = yield* Harness.start()
      assert.strictEqual(yield* Harness.upgradeStatus(port, Harness.upgradeHeaders({ upgrade: "foo" })), 426)
      assert.strictEqual(yield* Harness.upgradeStatus(port, {}), 426)
    }).pipe(Effect.scoped))

  it.effect("a binary frame that ends inside a UTF-8 sequence, followed by a valid emit: the binary frame is refused and the emit is acked", () =>
    Effect.gen(function*() {
      const { port } = yield* Harness.start()
      const peer = yield* Harness.connect(port)
      peer.ws.send(Buffer.from([0x7b, 0x22, 0xe2, 0x82]), { binary: true }) // `{"` and half of "€"
      const refused = yield* peer.next((f) => f.type === "error")
      assert.strictEqual(refused.code, "bad_frame")
      peer.send(emit("echo", "after", 1))
      assert.deepStrictEqual(yield* peer.next(ackOf(1)), { type: "ack", id: 1, ok: true, payload: "after" })
    }).pipe(Effect.scoped))

  it.effect("a topic join can be refused by the application: ack error forbidden, and the topic's pushes never reach it", () =>
    Effect.gen(function*() {
      const { port, sockets } = yield* Harness.start({
        canJoin: (_, topic) => Effect.succeed(!topic.startsWith("private:"))
      })
      const peer = yield* Harness.connect(port)
      peer.send({ type: "topic", action: "join", topic: "private:payroll", id: "j1" })
      const refused = yield* peer.next(ackOf("j1"))
      assert.deepInclude(refused, { ok: false })
      assert.strictEqual(refused.error.code, "forbidden")
      peer.send({ type: "topic", action: "join", topic: "private:payroll" })
      assert.strictEqual((yield* peer.next((f) => f.type === "error")).code, "forbidden", "without an id: an error frame")
      peer.send({ type: "topic", action: "join", topic: "public", id: "j2" })
      assert.deepStrictEqual(yield* peer.next(ackOf("j2")), { type: "ack", id: "j2", ok: true, payload: null })
      assert.strictEqual(yield* sockets.publish("private:payroll", "salary", 1), 0)
      assert.strictEqual(yield* sockets.publish("public", "news", 1), 1)
      assert.deepStrictEqual(yield* peer.next((f) => f.type === "event"), { type: "event", event: "news", payload: 1 })
    }).pipe(Effect.scoped))

  it.effect("authorize refuses an upgrade with 401 or 403, or attaches its data to the session", () =>
    Effect.gen(function*() {
      const { port } = yield* Harness.start({
        authorize: (request) => {
          const token = request.headers["x-token"]
          if (token === undefined) return Effect.fail(new SocketServer.Refused({ status: 401, message: "a token is required" }))
          if (token !== "good") return Effect.fail(new SocketServer.Refused({ status: 403, message: "not you" }))
          return Effect.succeed({ user: "ada" })
        }
      })
      assert.strictEqual(yield* Harness.upgradeStatus(port, Harness.upgradeHeaders()), 401)
      assert.strictEqual(yield* Harness.upgradeStatus(port, Harness.upgradeHeaders({ "x-token": "bad" })), 403)
      const peer = yield* Harness.connect(port, { headers: { "x-token": "good" } })
      peer.send(emit("whoami", null, 1))
      assert.deepStrictEqual((yield* peer.next(ackOf(1))).payload, { user: "ada" })
    }).pipe(Effect.scoped))

  it.effect("maxConnections: the connection past the cap is answered 503", () =>
    Effect.gen(function*() {
      const { port } = yield* Harness.start({ maxConnections: 2 })
      yield* Harness.connect(port)
      yield* Harness.connect(port)
      assert.strictEqual(yield* Harness.upgradeStatus(port, Harness.upgradeHeaders()), 503)
    }).pipe(Effect.scoped))

  it.effect("a peer that stops answering pings is closed; a peer that answers stays", () =>
    Effect.gen(function*() {
      const { port, sockets } = yield* Harness.start({ pingIntervalMs: 10_000, missedPongs: 2 })
      const silent = yield* Harness.connect(port, { autoPong: false })
      const healthy = yield* Harness.connect(port)
      let pings = 0
      healthy.ws.on("ping", () => void pings++)
      for (let beat = 1; beat <= 3; beat++) {
        yield* TestClock.adjust("10 seconds")
        if (beat < 3) {
          // ws pongs before it reports the ping, so the emit's ack means the server has the pong.
          // The counting listener runs first (it was added first), so the next ping event has been counted.
          if (pings < beat) yield* Effect.callback<void>((resume) => void healthy.ws.once("ping", () => resume(Effect.void)))
          healthy.send(emit("echo", beat, beat))
          yield* healthy.next(ackOf(beat))
        }
      }
      assert.strictEqual(yield* silent.closed, 1006)
      healthy.send(emit("echo", "still here", 9))
      assert.strictEqual((yield* healthy.next(ackOf(9))).payload, "still here")
      assert.strictEqual(sockets.sessions().length, 1)
    }).pipe(Effect.scoped))

  it.effect("frames above the rate limit get a rate_limited error frame, and a connection that keeps going is closed with 1008", () =>
    Effect.gen(function*() {
      const peer = yield* spentBurst({ maxFramesPerSecond: 10, frameBurst: 20 })
      peer.send(emit("echo", "over", "over"))
      assert.strictEqual((yield* peer.next((f) => f.type === "error")).code, "rate_limited")
      for (let i = 0; i < 40; i++) peer.send(emit("echo", i, `flood-${i}`))
      assert.strictEqual(yield* peer.closed, 1008)
      assert.isFalse(peer.frames.some((f) => f.type === "ack" && String(f.id).startsWith("flood")), "no frame over the limit reached a handler")
    }).pipe(Effect.scoped))

  it.effect("frames over the rate limit that arrive together get one rate_limited error between them; a later turn gets its own", () =>
    Effect.gen(function*() {
      const peer = yield* spentBurst({ maxFramesPerSecond: 1, frameBurst: 10 })
      const errors = () => peer.frames.filter((f) => f.type === "error" && f.code === "rate_limited").length
      // Sent in one go, they reach the server in one read, handled in one turn.
      for (let i = 0; i < 5; i++) peer.send(emit("echo", i, `over-${i}`))
      yield* peer.next((f) => f.type === "error")
      // The frames of one turn are written together: any other error of that turn
      // came in the same read, which is over once the event loop gets to its next turn.
      yield* nextTurn
      assert.strictEqual(errors(), 1)
      peer.send(emit("echo", "later", "later"))
      yield* peer.next((f) => f.type === "error")
      yield* nextTurn
      assert.strictEqual(errors(), 2)
      assert.isFalse(peer.frames.some((f) => f.type === "ack" && String(f.id).startsWith("over")), "no frame over the limit reached a handler")
    }).pipe(Effect.scoped))

  it.effect("an open session keeps neither its upgrade request nor the route's answer: both are released at the upgrade", () =>
    Effect.gen(function*() {
      const refs: Array<WeakRef<object>> = []
      const { port } = yield* Harness.start({
        authorize: (request) =>
          Effect.sync(() => {
            refs.push(new WeakRef(request), new WeakRef(NodeHttpServerRequest.toIncomingMessage(request)))
          })
      })
      const peer = yield* Harness.connect(port)
      peer.send(emit("echo", 1, 1))
      yield* peer.next(ackOf(1))
      yield* collect
      yield* collect
      assert.strictEqual(refs.length, 2)
      assert.isTrue(refs.every((ref) => ref.deref() === undefined), "the upgrade request is still reachable")
      peer.send(emit("echo", 2, 2))
      assert.strictEqual((yield* peer.next(ackOf(2))).payload, 2, "and the session still works")
    }).pipe(Effect.scoped))

  it.effect("a topic push is encoded only when the topic has members, and once for all of them", () =>
    Effect.gen(function*() {
      const { port, sockets } = yield* Harness.start()
      let encoded = 0
      const payload = { toJSON: () => (encoded++, "state") }
      assert.strictEqual(yield* sockets.publish("nobody", "state", payload), 0)
      assert.strictEqual(encoded, 0)
      const peers = [yield* Harness.connect(port), yield* Harness.connect(port)]
      for (const peer of peers) {
        peer.send({ type: "topic", action: "join", topic: "room", id: "j" })
        yield* peer.next(ackOf("j"))
      }
      assert.strictEqual(yield* sockets.publish("room", "state", payload), 2)
      assert.strictEqual(encoded, 1)
      for (const peer of peers) assert.strictEqual((yield* peer.next((f) => f.type === "event")).payload, "state")
    }).pipe(Effect.scoped))
})
