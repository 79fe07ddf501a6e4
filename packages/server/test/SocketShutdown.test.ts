/**
 * Shutdown of a real socket application process (fixtures/socketApp.ts) whatever
 * its peers do: SIGTERM while 2,000 connections are closing, with clients that
 * stop answering, and after 5,000 connections came and went (some vanishing
 * without a close frame) while it broadcast. Each ends the process within 2 s.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, type Scope } from "effect"
import { type ChildProcessByStdio, spawn } from "node:child_process"
import type { Readable } from "node:stream"
import { fileURLToPath } from "node:url"
import WebSocket from "ws"

const app = fileURLToPath(new URL("fixtures/socketApp.ts", import.meta.url))

interface Server {
  readonly child: ChildProcessByStdio<null, Readable, Readable>
  readonly port: number
  readonly log: () => string
  /** SIGTERM, then the milliseconds until the process exited and its exit code. */
  readonly terminate: Effect.Effect<{ readonly ms: number; readonly code: number | null }>
}

/** Starts the fixture on a free port; SIGKILLed when the scope closes if it still runs. */
const startApp = (env: Record<string, string> = {}): Effect.Effect<Server, never, Scope.Scope> => Effect.gen(function*() {
  const child = yield* Effect.acquireRelease(
    Effect.sync(() =>
      spawn(process.execPath, ["--conditions=@specter-runtime/source", app], {
        env: { ...process.env, ...env, PORT: "0", HOST: "127.0.0.1" },
        stdio: ["ignore", "pipe", "pipe"]
      })
    ),
    (child) => Effect.sync(() => child.exitCode === null && child.signalCode === null && child.kill("SIGKILL"))
  )
  let log = ""
  child.stdout.on("data", (chunk) => void (log += String(chunk)))
  child.stderr.on("data", (chunk) => void (log += String(chunk)))
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
  const port = yield* Effect.callback<number>((resume) => {
    const timer = setInterval(() => {
      const match = /Listening on http:\/\/\S+:(\d+)/.exec(log)
      if (match !== null) {
        clearInterval(timer)
        resume(Effect.succeed(Number(match[1])))
      }
    }, 20)
    void exited.then(() => {
      clearInterval(timer)
      resume(Effect.die(new Error(`the app exited before listening:\n${log}`)))
    })
  })
  const terminate = Effect.promise(async () => {
    const start = performance.now()
    child.kill("SIGTERM")
    const code = await exited
    return { ms: performance.now() - start, code }
  })
  return { child, port, log: () => log, terminate }
})

/** Opens a client; `frames` collects what it receives when `record` is set. */
const open = (port: number, record = false) =>
  Effect.callback<{ readonly ws: WebSocket; readonly frames: Array<any> }>((resume) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`)
    const frames: Array<any> = []
    if (record) ws.on("message", (data) => frames.push(JSON.parse(String(data))))
    ws.on("error", () => {})
    ws.once("open", () => resume(Effect.succeed({ ws, frames })))
    ws.once("close", (code) => resume(Effect.die(new Error(`closed (${code}) before opening`))))
  })

const openMany = (port: number, n: number) =>
  Effect.gen(function*() {
    const clients: Array<WebSocket> = []
    for (let i = 0; i < n; i += 100) {
      const batch = yield* Effect.all(Array.from({ length: Math.min(100, n - i) }, () => open(port)), { concurrency: "unbounded" })
      clients.push(...batch.map((c) => c.ws))
    }
    return clients
  })

/** The connected sockets `/health` reports. */
const socketCount = (port: number) =>
  Effect.promise(async () => (await (await fetch(`http://127.0.0.1:${port}/health`)).json()).sockets as number)

describe("socket shutdown", () => {
  it.live("SIGTERM with 2,000 connections closing exits within 2 s", () =>
    Effect.gen(function*() {
      const server = yield* startApp({ TICK_MS: "1000" })
      const clients = yield* openMany(server.port, 2000)
      assert.strictEqual(yield* socketCount(server.port), 2000)
      for (const ws of clients) ws.close()
      const { ms, code } = yield* server.terminate
      for (const ws of clients) ws.terminate()
      assert.isBelow(ms, 2000, `exit took ${ms.toFixed(0)} ms`)
      assert.strictEqual(code, 0, server.log())
      assert.isAtMost(server.log().split("\n").filter((line) => /socket/i.test(line)).length, 1, "one log line for the sockets closed")
    }).pipe(Effect.scoped), 60_000)

  it.live("5 clients that stop answering: SIGTERM exits in under 2 s", () =>
    Effect.gen(function*() {
      const server = yield* startApp()
      const clients = yield* openMany(server.port, 5)
      for (const ws of clients) ws.pause() // they read nothing, so they never answer the close frame
      const { ms, code } = yield* server.terminate
      for (const ws of clients) ws.terminate()
      assert.isBelow(ms, 2000, `exit took ${ms.toFixed(0)} ms`)
      assert.strictEqual(code, 0, server.log())
    }).pipe(Effect.scoped), 30_000)

  it.live("5,000 connections opened and closed while broadcasting (some vanish without a close frame): a new client gets broadcasts and its connect snapshot, the session table is empty, SIGTERM exits in under 2 s", () =>
    Effect.gen(function*() {
      const server = yield* startApp()
      for (let wave = 0; wave < 5000; wave += 200) {
        const clients = yield* Effect.all(Array.from({ length: 200 }, () => open(server.port)), { concurrency: "unbounded" })
        clients.forEach(({ ws }, i) => (i % 3 === 0 ? ws.terminate() : ws.close()))
      }
      let count = -1
      for (let i = 0; i < 100 && count !== 0; i++) {
        count = yield* socketCount(server.port)
        if (count !== 0) yield* Effect.sleep("20 millis")
      }
      assert.strictEqual(count, 0, "the session table is empty")
      const late = yield* open(server.port, true)
      for (let i = 0; i < 100 && late.frames.filter((f) => f.event === "tick").length < 3; i++) yield* Effect.sleep("20 millis")
      assert.isTrue(late.frames.some((f) => f.event === "snapshot"), "the connect snapshot arrived")
      assert.isAtLeast(late.frames.filter((f) => f.event === "tick").length, 3, "broadcasts arrive")
      const { ms, code } = yield* server.terminate
      late.ws.terminate()
      assert.isBelow(ms, 2000, `exit took ${ms.toFixed(0)} ms`)
      assert.strictEqual(code, 0, server.log())
    }).pipe(Effect.scoped), 120_000)
})
