/**
 * The socket server under load and abuse, on real time with real `ws` clients: a
 * client that stops reading, a flooding client (its own process, so that its
 * sending does not share the server's event loop).
 *
 * A load test: no other test file runs beside it (see vitest.workspace.ts).
 * Each test first measures the same clients without the misbehaving one, and the
 * bound is on what the misbehaving client adds to their p99 (issue 10's 100 ms for
 * the slow consumer; see the flooding test for its bound).
 */
import { assert, describe, it } from "@effect/vitest"
import { SocketServer } from "@specter-runtime/server"
import { Effect, Metric } from "effect"
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import * as Harness from "../socketHarness.ts"

const emit = (event: string, payload: unknown, id: number | string) => ({ type: "emit", event, payload, id })
const ackOf = (id: number | string) => (f: any) => f.type === "ack" && f.id === id
const floodScript = fileURLToPath(new URL("../fixtures/socketFlood.ts", import.meta.url))

/** Waits (real time, at most 2 s) until `condition` holds. */
const waitFor = (condition: () => boolean) =>
  Effect.gen(function*() {
    for (let i = 0; i < 200 && !condition(); i++) yield* Effect.sleep("10 millis")
  })

/** Opens `n` clients, `batch` at a time. */
const connectMany = (port: number, n: number, batch = 50) =>
  Effect.gen(function*() {
    const peers: Array<Harness.Peer> = []
    for (let i = 0; i < n; i += batch) {
      peers.push(...yield* Effect.all(Array.from({ length: Math.min(batch, n - i) }, () => Harness.connect(port)), { concurrency: "unbounded" }))
    }
    return peers
  })

/** Joins `topic` and waits for the ack. */
const join = (peer: Harness.Peer, topic: string) =>
  Effect.suspend(() => {
    const id = `join-${topic}-${Math.random()}`
    peer.send({ type: "topic", action: "join", topic, id })
    return peer.next(ackOf(id))
  })

/**
 * A well-behaved busy client: emits `echo`, waits for its ack, pauses 5 ms, until
 * `until()`; returns the round trips (ms). The pause keeps it under the default
 * frame rate limit (500 a second): a client that emits back to back as fast as a
 * quiet machine acks is itself a flooder, and its frames past the limit are
 * answered with `rate_limited` errors instead of acks.
 */
const closedLoop = (peer: Harness.Peer, until: () => boolean) =>
  Effect.gen(function*() {
    const rtts: Array<number> = []
    for (let i = 0; i < 100_000 && !until(); i++) {
      const sent = performance.now()
      peer.send(emit("echo", i, i))
      yield* peer.next(ackOf(i))
      rtts.push(performance.now() - sent)
      yield* Effect.sleep("5 millis")
    }
    return rtts
  })

describe("socket server under load", () => {
  it.live("a client that stops reading is closed while 100 others keep receiving pushes within 100 ms", () =>
    Effect.gen(function*() {
      const { port, sockets } = yield* Harness.start({ maxBufferedBytes: 256 * 1024 })
      const closedBefore = yield* Metric.value(SocketServer.slowConsumersClosed)
      const slow = yield* Harness.connect(port)
      slow.send({ type: "hello" })
      const { sid } = yield* slow.next((f) => f.type === "ready")
      yield* join(slow, "bulk")
      const others = yield* connectMany(port, 100)
      yield* Effect.forEach(others, (peer) => join(peer, "ticks"), { concurrency: "unbounded", discard: true })
      const latencies: Array<number> = []
      for (const peer of others) {
        peer.ws.on("message", (data) => {
          const frame = JSON.parse(String(data))
          if (frame.event === "tick") latencies.push(Date.now() - frame.payload)
        })
      }
      const bulk = "x".repeat(64 * 1024)
      let ticks = 0
      const tick = Effect.suspend(() => sockets.publish("ticks", "tick", Date.now())).pipe(Effect.andThen(Effect.sync(() => void ticks++)))
      // Without the slow client: 50 pushes.
      for (let i = 0; i < 50; i++) yield* Effect.andThen(tick, Effect.sleep("10 millis"))
      yield* waitFor(() => latencies.length === ticks * others.length)
      const before = Harness.quantile(latencies, 0.99)
      latencies.length = 0
      ticks = 0
      // The slow client gets 64 KiB a round and reads none of it.
      slow.ws.pause()
      const slowIsConnected = () => sockets.sessions().some((s) => s.sid === sid)
      for (let round = 0; round < 1000 && slowIsConnected(); round++) {
        yield* sockets.publish("bulk", "bulk", bulk)
        yield* Effect.andThen(tick, Effect.sleep("10 millis"))
      }
      assert.isFalse(slowIsConnected(), "the client that stopped reading is still connected")
      for (let i = 0; i < 10; i++) yield* Effect.andThen(tick, Effect.sleep("10 millis"))
      yield* waitFor(() => latencies.length === ticks * others.length)
      assert.strictEqual(latencies.length, ticks * others.length, "every push reached every other client")
      const p99 = Harness.quantile(latencies, 0.99)
      assert.isBelow(p99, 100 + before, `p99 push latency ${p99} ms (${before} ms without the slow client)`)
      assert.strictEqual((yield* Metric.value(SocketServer.slowConsumersClosed)).count - closedBefore.count, 1)
    }).pipe(Effect.scoped), 30_000)

  // Issue 13's own check (200 writers and a flooder against the example app, p99 raised
  // under 100 ms) is examples/inventory/test/load/items.test.ts, and passes. Against
  // ten light clients on an idle server (p90 1.5–2.2 ms, p99 3–10 ms without the
  // flooder, on a 2-core machine with the flooder's process on the other core):
  // - until each connection started at most `maxInFlight` emits per turn, one read
  //   of the flooder ran up to a thousand handlers at once: the flood raised the
  //   others' p90 by 14–21 ms and their p99 by 37–80 ms;
  // - now it raises the p90 by 4–5 ms and the p99 by up to 18 ms. What is left is
  //   `ws` parsing one 64 KiB read of the flood (a thousand frames) at a time.
  // The p90 bound fails the old scheduling; both leave room for a busier machine.
  it.live("a flooding client is closed and does not stall the other clients' acks (p90 raised under 10 ms, p99 under 60 ms)", () =>
    Effect.gen(function*() {
      const { port } = yield* Harness.start()
      const others = yield* connectMany(port, 10)
      // Without the flooder: 1.5 s of the same closed loops.
      const quiet = performance.now() + 1500
      const baseline = (yield* Effect.all(others.map((peer) => closedLoop(peer, () => performance.now() > quiet)), { concurrency: "unbounded" })).flat()
      const before = Harness.quantile(baseline, 0.99)
      const typical = Harness.quantile(baseline, 0.9)
      let flooding = true
      // 50,000 emits as fast as the socket takes them, from another process; closed for its rate, it comes straight back.
      const flood = Effect.callback<{ readonly sent: number; readonly closes: ReadonlyArray<number> }>((resume) => {
        const child = spawn(process.execPath, [floodScript, String(port), "50000"], { stdio: ["ignore", "pipe", "inherit"] })
        let out = ""
        child.stdout.on("data", (chunk) => void (out += String(chunk)))
        child.once("exit", () => resume(Effect.sync(() => JSON.parse(out))))
        return Effect.sync(() => child.kill("SIGKILL"))
      })
      const [result, rtts] = yield* Effect.all([
        Effect.ensuring(flood, Effect.sync(() => void (flooding = false))),
        Effect.all(others.map((peer) => closedLoop(peer, () => !flooding)), { concurrency: "unbounded" })
      ], { concurrency: "unbounded" })
      assert.strictEqual(result.sent, 50_000)
      assert.isAbove(result.closes.filter((code) => code === 1008).length, 0, "the persistent flooder was closed")
      const all = rtts.flat()
      assert.isAbove(all.length, 100, "the other clients kept getting acks")
      const p90 = Harness.quantile(all, 0.9)
      const p99 = Harness.quantile(all, 0.99)
      assert.isBelow(p90, 10 + typical, `others' ack p90 ${p90.toFixed(1)} ms (${typical.toFixed(1)} ms without the flooder)`)
      assert.isBelow(p99, 60 + before, `others' ack p99 ${p99.toFixed(1)} ms (${before.toFixed(1)} ms without the flooder)`)
    }).pipe(Effect.scoped), 30_000)
})
