/**
 * The example app under write load (issue 13, "Done when"): the server runs as its
 * own process (`src/main.ts`, SQLite at `synchronous=FULL`); this process is the
 * load. 200 socket clients each add items as fast as they can (the next `items:add`
 * leaves when the previous one is acked), `/health` is asked every 50 ms the whole
 * time, and halfway through one more client (in a process of its own) floods the
 * server with 20,000 emits without waiting for acks.
 *
 * The bounds are the issue's own: `/health` under 200 ms throughout, and the
 * writers' ack p99 while the flood runs at most 100 ms above their p99 before it
 * (200 closed-loop writers keep the server saturated, so their own latency is what
 * the disk's commit rate makes it; what the test bounds is what the flooder adds).
 * A load test: no other test file runs beside it (see vitest.workspace.ts).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { spawn } from "node:child_process"
import { createRequire } from "node:module"
import WebSocket from "ws"
import * as MainProcess from "../mainProcess.ts"

const WRITERS = 200
const RUN_MS = 5_000
/** Acks of the first `WARM_UP_MS` are left out of the figures. */
const WARM_UP_MS = 500
/** When the flood starts, and how many emits it sends without waiting. */
const FLOOD_AFTER_MS = 2_500
const FLOOD = 20_000
const PROBE_EVERY_MS = 50

const open = (url: string) =>
  new Promise<WebSocket>((resolve, reject) => {
    const socket = new WebSocket(url)
    socket.once("open", () => resolve(socket))
    socket.once("error", reject)
  })

const percentile = (values: ReadonlyArray<number>, p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
}

/** An ack: when its emit was sent (`performance.now()`) and how long the ack took (ms). */
interface Ack {
  readonly sentAt: number
  readonly ms: number
}

/** One client adding items until `until` (a `performance.now()`), one in flight; resolves with its acks. */
const writer = (socket: WebSocket, index: number, until: number) =>
  new Promise<Array<Ack>>((resolve) => {
    const latencies: Array<Ack> = []
    let sentAt = 0
    let id = 0
    const send = () => {
      id++
      sentAt = performance.now()
      socket.send(JSON.stringify({ type: "emit", event: "items:add", id, payload: { name: `w${index}-${id}`, quantity: 1 } }))
    }
    socket.on("message", (data) => {
      const frame = JSON.parse(String(data))
      if (frame.type !== "ack" || frame.id !== id) return
      latencies.push({ sentAt, ms: performance.now() - sentAt })
      if (performance.now() < until) send()
      else resolve(latencies)
    })
    socket.once("close", () => resolve(latencies))
    send()
  })

/** Asks `/health` every `PROBE_EVERY_MS` until `until`; resolves with each answer's status and time (ms). */
const probeHealth = async (port: number, until: number) => {
  const probes: Array<{ readonly status: number; readonly ms: number }> = []
  while (performance.now() < until) {
    const start = performance.now()
    const response = await fetch(`http://127.0.0.1:${port}/health`)
    await response.arrayBuffer()
    probes.push({ status: response.status, ms: performance.now() - start })
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, PROBE_EVERY_MS - (performance.now() - start))))
  }
  return probes
}

/**
 * A process of its own (so its sending costs this process nothing) that connects
 * and sends `FLOOD` emits as fast as its socket takes them, never reading an ack.
 */
const flooder = (url: string) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const script = `
        const WebSocket = require(${JSON.stringify(createRequire(import.meta.url).resolve("ws"))})
        const socket = new WebSocket(${JSON.stringify(url)})
        socket.on("open", () => {
          for (let i = 0; i < ${FLOOD}; i++) {
            socket.send(JSON.stringify({ type: "emit", event: "items:add", id: i, payload: { name: "flood " + i, quantity: 1 } }))
          }
        })`
      return spawn(process.execPath, ["-e", script], { stdio: "ignore" })
    }),
    (child) => Effect.sync(() => child.kill("SIGKILL"))
  )

describe("load", () => {
  it.live("200 clients writing items as fast as they can shows /health under 200 ms throughout, and a flooding client does not raise the other clients' ack p99 above 100 ms", () =>
    Effect.gen(function*() {
      const server = yield* MainProcess.start()
      const { port } = server
      const url = `ws://127.0.0.1:${port}/ws`
      const sockets = yield* Effect.acquireRelease(
        Effect.promise(() => Promise.all(Array.from({ length: WRITERS }, () => open(url)))),
        (sockets) => Effect.sync(() => sockets.forEach((s) => s.terminate()))
      )
      const start = performance.now()
      const until = start + RUN_MS
      const running = Effect.promise(() => Promise.all([Promise.all(sockets.map((s, i) => writer(s, i, until))), probeHealth(port, until)]))
      const flooding = Effect.delay(flooder(url), `${FLOOD_AFTER_MS} millis`)
      const [[latencies, probes]] = yield* Effect.all([running, flooding], { concurrency: 2 })

      const acks = latencies.flat()
      const between = (from: number, to: number) => acks.filter((a) => a.sentAt >= start + from && a.sentAt < start + to).map((a) => a.ms)
      const before = percentile(between(WARM_UP_MS, FLOOD_AFTER_MS), 99)
      const during = percentile(between(FLOOD_AFTER_MS, RUN_MS), 99)
      const slowestProbe = Math.max(...probes.map((p) => p.ms))
      const figures = `${acks.length} acks in ${RUN_MS} ms, ack p50 ${percentile(acks.map((a) => a.ms), 50).toFixed(1)} ms, ` +
        `p99 ${before.toFixed(1)} ms before the flood and ${during.toFixed(1)} ms during it; ` +
        `${probes.length} health probes, slowest ${slowestProbe.toFixed(1)} ms`
      console.log(figures)
      assert.isBelow(slowestProbe, 200, `/health under 200 ms throughout (${figures})`)
      assert.isBelow(during, before + 100, `the flooder raises the other clients' ack p99 by less than 100 ms (${figures})`)
      assert.isTrue(probes.every((p) => p.status === 200), `every /health answered 200 (${figures})`)
      assert.isAtLeast(probes.length, (RUN_MS / PROBE_EVERY_MS) / 4, `/health was asked throughout (${figures})`)
      assert.isTrue(latencies.every((l) => l.length > 0), `every writer was acked at least once (${figures})`)
      server.child.kill("SIGTERM")
      yield* server.exited
    }).pipe(Effect.scoped), 60_000)
})
