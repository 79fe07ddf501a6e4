/**
 * Fuzz: at least 50,000 hostile frames from several connections (malformed,
 * oversized, binary, invalid UTF-8, unknown, prototype-polluting, deeply nested,
 * huge names) while healthy clients keep emitting; every healthy emit is acked,
 * the server stays up, and once everyone has gone no session and no topic
 * member is left. The rate limit is lifted here so that every frame reaches the
 * parser (the limit has its own tests).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import WebSocket from "ws"
import * as Harness from "./socketHarness.ts"

const MAX_PAYLOAD = 64 * 1024
const TOPICS = Array.from({ length: 20 }, (_, i) => `t-${i}`)

/** One hostile frame: text (sent as a text frame, even when its bytes are not UTF-8) or binary. */
type Hostile = { readonly data: string | Buffer; readonly binary: boolean }
const text = (data: string | Buffer): Hostile => ({ data, binary: false })
const binary = (data: Buffer): Hostile => ({ data, binary: true })

const kinds: ReadonlyArray<(i: number) => Hostile> = [
  () => text("{not json"),
  () => text(""),
  () => text("null"),
  (i) => text(String(i)),
  () => text("[1,2,3]"),
  () => text(`"just a string"`),
  () => text(`{"type":"nope","id":1}`),
  () => text(`{"type":"emit"}`),
  () => text(`{"type":"emit","event":""}`),
  (i) => text(`{"type":"emit","event":123,"id":${i}}`),
  (i) => text(JSON.stringify({ type: "emit", event: "e".repeat(300), id: i })),
  (i) => text(JSON.stringify({ type: "emit", event: `unknown-${i}`, id: i })),
  () => text(`{"type":"emit","event":"echo","id":{"nested":true}}`),
  () => text(`{"type":"emit","event":"echo","id":1e999}`),
  (i) => text(JSON.stringify({ type: "topic", action: "join", topic: TOPICS[i % TOPICS.length] })),
  () => text(JSON.stringify({ type: "topic", action: "explode", topic: "t-0" })),
  () => text(JSON.stringify({ type: "topic", action: "join", topic: "x".repeat(1000) })),
  () => text(JSON.stringify({ type: "hello", route: "/".repeat(3000) })),
  () => text(`{"__proto__":{"type":"emit","polluted":true},"type":"emit","event":"echo"}`),
  () => text(`{"constructor":{"prototype":{"polluted":true}},"type":"hello"}`),
  () => text("[".repeat(5000) + "]".repeat(5000)),
  () => text(`{"type":"emit","event":"echo","payload":"\\ud800\\udfff\\ud800"}`),
  (i) => text(JSON.stringify({ type: "emit", event: "publish", payload: { topic: TOPICS[i % TOPICS.length], payload: i } })),
  () => text(JSON.stringify({ type: "emit", event: "echo", payload: "p".repeat(MAX_PAYLOAD / 2) })),
  () => binary(Buffer.from([0x7b, 0x22, 0xe2, 0x82])),
  (i) => binary(Buffer.from(Array.from({ length: 64 }, (_, k) => (i * 31 + k * 7) % 256))),
  // These two make the server close the connection (1007, 1009): the fuzzer reconnects.
  () => text(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])),
  () => text("x".repeat(MAX_PAYLOAD + 1))
]

/** Sends `total` hostile frames over one connection at a time, reconnecting when the server closes it. */
const hostile = (port: number, total: number, seed: number) =>
  Effect.gen(function*() {
    let sent = 0
    let reconnects = 0
    let peer = yield* Harness.connect(port)
    while (sent < total) {
      if (peer.ws.readyState !== WebSocket.OPEN) {
        peer.ws.terminate()
        peer = yield* Harness.connect(port)
        reconnects++
      }
      for (let k = 0; k < 100 && sent < total && peer.ws.readyState === WebSocket.OPEN; k++, sent++) {
        const frame = kinds[(sent + seed * 5) % kinds.length]!(sent)
        peer.ws.send(frame.data, { binary: frame.binary })
      }
      yield* Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))
    }
    return { sent, reconnects }
  })

describe("socket fuzz", () => {
  it.live("50,000 hostile frames from several connections: the server stays up, every healthy client is acked, no session or topic is left behind", () =>
    Effect.gen(function*() {
      const { port, sockets } = yield* Harness.start({ maxFramesPerSecond: 1e9, frameBurst: 1e9, maxPayloadBytes: MAX_PAYLOAD })
      const healthy = yield* Effect.all(Array.from({ length: 5 }, () => Harness.connect(port)))
      for (const peer of healthy) {
        peer.send({ type: "topic", action: "join", topic: "room", id: "join" })
        yield* peer.next((f) => f.type === "ack" && f.id === "join")
      }
      let fuzzing = true
      const acked: Array<number> = []
      const loop = (peer: Harness.Peer, n: number) =>
        Effect.gen(function*() {
          for (let i = 0; i < 100_000 && fuzzing; i++) {
            const id = `${n}-${i}`
            peer.send({ type: "emit", event: "echo", payload: { n, i }, id })
            const ack = yield* peer.next((f) => f.type === "ack" && f.id === id)
            assert.deepStrictEqual(ack, { type: "ack", id, ok: true, payload: { n, i } })
            acked[n] = i + 1
          }
        })
      const [runs] = yield* Effect.all([
        Effect.ensuring(
          Effect.all(Array.from({ length: 5 }, (_, seed) => hostile(port, 10_000, seed)), { concurrency: "unbounded" }),
          Effect.sync(() => void (fuzzing = false))
        ),
        Effect.all(healthy.map(loop), { concurrency: "unbounded" })
      ], { concurrency: "unbounded" })
      const sent = runs.reduce((total, run) => total + run.sent, 0)
      assert.isAtLeast(sent, 50_000)
      assert.isAbove(runs.reduce((total, run) => total + run.reconnects, 0), 0, "the closing frames were sent too")
      assert.isTrue(acked.every((n) => n > 0) && acked.length === 5, `healthy acks: ${acked.join(",")}`)
      assert.isUndefined(({} as { polluted?: unknown }).polluted, "Object.prototype is untouched")
      // The server is up: a new client is answered.
      const late = yield* Harness.connect(port)
      late.send({ type: "emit", event: "echo", payload: "late", id: 1 })
      assert.strictEqual((yield* late.next((f) => f.type === "ack" && f.id === 1)).payload, "late")
      late.ws.terminate()
      for (const peer of healthy) peer.ws.close()
      for (let i = 0; i < 200 && sockets.sessions().length > 0; i++) yield* Effect.sleep("10 millis")
      assert.deepStrictEqual(sockets.sessions(), [], "no session left behind")
      for (const topic of ["room", ...TOPICS]) assert.strictEqual(yield* sockets.publish(topic, "x", null), 0, `topic ${topic} is empty`)
    }).pipe(Effect.scoped), 60_000)
})
