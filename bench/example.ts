/**
 * The example app's `items:add` as the stored inventory grows: adds per second
 * with 5,000 items already stored, against the same with 10 (goal ≥ 0.5×: "within
 * 2×", issue 13's bench row). A change must cost what it changed, not the size of
 * the state.
 *
 * Each measurement starts the inventory (`Inventory.layer` on SQLite at
 * `synchronous=FULL`, in a fresh directory whose rows were written beforehand) and
 * its controller with `App.layer` on a free loopback port, joins topic `items`
 * with one socket (`items:join`, so every add is also pushed as a delta), then a
 * second socket sends `ADDS` `items:add` emits with `WINDOW` in flight and counts
 * the acks. An add counts once it is acked (it is on disk) and its delta reached
 * the joined socket. Server and client share this process.
 *
 * Run alone: `node --conditions=@specter-runtime/source bench/example.ts` (Node 24;
 * `BENCH_ROUNDS`, `BENCH_WARMUP`); it writes `results/example.json` and
 * `results/example.md`.
 */
import { App, Persistence } from "@specter-runtime/server"
import { Effect, Exit, Layer, References, Scope } from "effect"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import WebSocket from "ws"
import { Inventory } from "../examples/inventory/src/Inventory.ts"
import { ItemsController } from "../examples/inventory/src/ItemsController.ts"
import { type Case, perSecond, runCase, table } from "./harness.ts"

const ADDS = Number(process.env["BENCH_EXAMPLE_ADDS"] ?? 2_000)
const WINDOW = Number(process.env["BENCH_EXAMPLE_WINDOW"] ?? 32)

/** A data directory whose SQLite store holds `count` items, one row each. */
const seeded = (count: number): string => {
  const directory = mkdtempSync(join(tmpdir(), "specter-bench-example-"))
  const db = new DatabaseSync(join(directory, "specter.db"))
  db.exec("CREATE TABLE kv (key TEXT PRIMARY KEY NOT NULL, value ANY NOT NULL) STRICT, WITHOUT ROWID")
  const insert = db.prepare("INSERT INTO kv (key, value) VALUES (?, ?)")
  db.exec("BEGIN")
  for (let i = 0; i < count; i++) {
    const id = `seed-${i}`
    insert.run(`items/${id}`, JSON.stringify({ id, name: `item ${i}`, quantity: i, active: true, tags: ["a", "b"], createdAt: i }))
  }
  db.exec("COMMIT")
  db.close()
  return directory
}

/** A loopback port nobody listens on now. */
const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer()
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0))
    })
  })

const open = (url: string) =>
  new Promise<WebSocket>((resolve, reject) => {
    const socket = new WebSocket(url)
    socket.once("open", () => resolve(socket))
    socket.once("error", reject)
  })

/** Resolves with the first frame `predicate` accepts. */
const next = (socket: WebSocket, predicate: (frame: any) => boolean) =>
  new Promise<any>((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const frame = JSON.parse(String(data))
      if (!predicate(frame)) return
      socket.off("message", onMessage)
      resolve(frame)
    }
    socket.on("message", onMessage)
  })

/** Sends `ADDS` adds, `WINDOW` in flight; resolves once all are acked and pushed to `watcher`. */
const addAll = (writer: WebSocket, watcher: WebSocket) =>
  new Promise<void>((resolve, reject) => {
    let sent = 0
    let acked = 0
    let pushed = 0
    const done = () => acked === ADDS && pushed === ADDS && resolve()
    const send = () => {
      sent++
      writer.send(JSON.stringify({ type: "emit", event: "items:add", id: sent, payload: { name: `new ${sent}`, quantity: "3", tags: ["x"] } }))
    }
    writer.on("message", (data) => {
      const frame = JSON.parse(String(data))
      if (frame.type !== "ack") return
      if (!frame.ok) return reject(new Error(JSON.stringify(frame.error)))
      acked++
      if (sent < ADDS) send()
      done()
    })
    watcher.on("message", (data) => {
      if (JSON.parse(String(data)).event === "items:added") pushed++
      done()
    })
    for (let i = 0; i < WINDOW && sent < ADDS; i++) send()
  })

/** Adds per second with `stored` items already stored. */
const adds = (stored: number) => async (): Promise<number> => {
  const directory = seeded(stored)
  const scope = Effect.runSync(Scope.make())
  try {
    const app = ItemsController.pipe(Layer.provide(Inventory.layer), Layer.provide(Persistence.layerSqlite({ directory })))
    const port = await freePort()
    // One writer keeps 32 adds in flight, far above the 500 frames/s a page is allowed: lift the
    // limit, or its frames past the burst are answered rate_limited and the round never ends.
    const sockets = { maxFramesPerSecond: 1_000_000, frameBurst: 1_000_000 }
    const server = App.layer(app, { http: { port, host: "127.0.0.1", logRequests: false }, sockets })
    await Effect.runPromise(Layer.buildWithScope(server, scope).pipe(Effect.provideService(References.MinimumLogLevel, "Warn")))
    const url = `ws://127.0.0.1:${port}/ws`
    const [watcher, writer] = await Promise.all([open(url), open(url)])
    const joined = next(watcher, (f) => f.type === "ack")
    watcher.send(JSON.stringify({ type: "emit", event: "items:join", id: 1 }))
    const ack = await joined
    if (ack.payload.count !== stored) throw new Error(`joined with ${ack.payload.count} items, expected ${stored}`)
    const start = performance.now()
    await addAll(writer, watcher)
    const rate = perSecond(ADDS, start)
    watcher.close()
    writer.close()
    return rate
  } finally {
    await Effect.runPromise(Scope.close(scope, Exit.void))
    rmSync(directory, { recursive: true, force: true })
  }
}

export const cases: ReadonlyArray<Case> = [
  {
    name: `example items:add (acked on disk, pushed to a joined socket), ${WINDOW} in flight, 5,000 items stored`,
    subject: adds(5_000),
    baselineName: "the same with 10 items stored",
    baseline: adds(10),
    goal: 0.5
  }
]

if (import.meta.main) {
  const rounds = Number(process.env["BENCH_ROUNDS"] ?? 7)
  const results = []
  for (const c of cases) results.push(await runCase(c, rounds))
  const command = "node --conditions=@specter-runtime/source bench/example.ts"
  const header = { command, node: process.version, date: new Date().toISOString(), rounds }
  const dir = new URL("./results/", import.meta.url)
  writeFileSync(new URL("example.json", dir), JSON.stringify({ ...header, results }, null, 2) + "\n")
  writeFileSync(
    new URL("example.md", dir),
    `# The example app's items:add as the inventory grows\n\n\`${command}\` on Node ${header.node}, ${header.date}, median of ${rounds} rounds, on a shared 2-core machine (other engineers' work running).\n\n${table(results)}\n`
  )
  console.log(table(results))
}
