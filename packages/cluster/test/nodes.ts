/**
 * Node processes of the test app (`fixtures/node.ts`) on loopback, against the
 * machine's Redis and PostgreSQL, under a prefix of their own; `cleanup` removes
 * every Redis key and table of that prefix.
 */
import { PgClient } from "@effect/sql-pg"
import { Effect, Redacted } from "effect"
import { type ChildProcessByStdio, spawn } from "node:child_process"
import { request as httpRequest } from "node:http"
import type { Readable } from "node:stream"
import { fileURLToPath } from "node:url"
import { createClient } from "redis"

const fixture = fileURLToPath(new URL("./fixtures/node.ts", import.meta.url))

export const redisUrl = process.env["SPECTER_TEST_REDIS_URL"] ?? "redis://127.0.0.1:6379"
export const databaseUrl = process.env["SPECTER_TEST_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/test"

export interface NodeProcess {
  readonly id: string
  readonly child: ChildProcessByStdio<null, Readable, Readable>
  readonly port: number
  readonly log: () => string
  /** When it was killed (epoch ms), if it was. */
  killedAt: number | undefined
}

/** Starts node `id` with the test's environment plus `env` (`undefined` removes a variable); resolves once it listens. */
export const start = (id: string, env: Record<string, string | undefined>): Promise<NodeProcess> =>
  new Promise((resolve, reject) => {
    const merged: Record<string, string | undefined> = { ...process.env, ...env, PORT: "0", SPECTER_NODE_ID: id }
    for (const [name, value] of Object.entries(merged)) if (value === undefined) delete merged[name]
    const child = spawn(process.execPath, [fixture], {
      env: merged,
      stdio: ["ignore", "pipe", "pipe"]
    })
    let log = ""
    let done = false
    child.stdout.on("data", (chunk) => {
      log += String(chunk)
      const match = /Listening on http:\/\/\S+:(\d+)/.exec(log)
      if (match !== null && !done) {
        done = true
        resolve({ id, child, port: Number(match[1]), log: () => log, killedAt: undefined })
      }
    })
    child.stderr.on("data", (chunk) => void (log += String(chunk)))
    child.once("exit", (code, signal) => {
      if (!done) reject(new Error(`node ${id} exited before listening (${code ?? signal}):\n${log}`))
    })
  })

export const kill9 = (node: NodeProcess): void => {
  node.killedAt = Date.now()
  node.child.kill("SIGKILL")
}

export const url = (node: NodeProcess, path: string) => `http://127.0.0.1:${node.port}${path}`

export const getJson = async <A = any>(node: NodeProcess, path: string): Promise<{ status: number; body: A }> => {
  const response = await fetch(url(node, path))
  return { status: response.status, body: await response.json() as A }
}

/**
 * POSTs `body` as JSON on a connection of its own (no keep-alive: a reused idle
 * connection that the server closes at the same moment would fail the request
 * without telling whether it was handled).
 */
export const postJson = <A = any>(node: NodeProcess, path: string, body: unknown = {}): Promise<A> =>
  new Promise((resolve, reject) => {
    const data = JSON.stringify(body)
    const request = httpRequest({
      host: "127.0.0.1",
      port: node.port,
      path,
      method: "POST",
      agent: false,
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(data) }
    }, (response) => {
      let text = ""
      response.setEncoding("utf8")
      response.on("data", (chunk) => void (text += chunk))
      response.on("end", () => {
        const status = response.statusCode ?? 0
        if (status < 200 || status >= 300) reject(new Error(`POST ${path} on ${node.id}: ${status} ${text}`))
        else resolve(JSON.parse(text) as A)
      })
    })
    request.on("error", reject)
    request.end(data)
  })

/** Polls `probe` every 50 ms until it returns a value other than `undefined`, for at most `ms`. */
export const eventually = async <A>(what: string, ms: number, probe: () => Promise<A | undefined>): Promise<A> => {
  const deadline = Date.now() + ms
  let last: unknown
  while (Date.now() < deadline) {
    try {
      const value = await probe()
      if (value !== undefined) return value
    } catch (error) {
      last = error
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}${last === undefined ? "" : `: ${String(last)}`}`)
}

/** The `MARK <what> <node> <ms>` lines of `node`. */
export const marks = (node: NodeProcess): ReadonlyArray<{ readonly what: string; readonly node: string; readonly at: number }> =>
  [...node.log().matchAll(/^MARK (\S+) (\S+) (\d+)$/gm)].map((m) => ({ what: m[1]!, node: m[2]!, at: Number(m[3]) }))

/** Removes every Redis key under `<prefix>:` and every table `<prefix>_…`. */
export const cleanup = async (prefix: string): Promise<void> => {
  const redis = createClient({ url: redisUrl })
  await redis.connect()
  try {
    for await (const keys of redis.scanIterator({ MATCH: `${prefix}:*`, COUNT: 500 })) {
      if (keys.length > 0) await redis.del(keys)
    }
  } finally {
    await redis.close()
  }
  await Effect.runPromise(Effect.gen(function*() {
    const sql = yield* PgClient.PgClient
    const tables = yield* sql<{ name: string }>`select tablename as name from pg_tables where tablename like ${`${prefix}\\_%`}`
    for (const { name } of tables) yield* sql`drop table if exists ${sql(name)} cascade`
  }).pipe(Effect.scoped, Effect.provide(PgClient.layer({ url: Redacted.make(databaseUrl) }))))
}

/** A WebSocket client of `node`: connected and greeted (`ready` with its sid). */
export interface SocketClient {
  readonly sid: string
  readonly frames: Array<{ readonly type: string; readonly event?: string; readonly payload?: unknown; readonly at: number }>
  readonly send: (frame: unknown) => void
  readonly close: () => void
}

export const connect = (node: NodeProcess): Promise<SocketClient> =>
  new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${node.port}/ws`)
    const frames: SocketClient["frames"] = []
    socket.addEventListener("error", () => reject(new Error(`socket to ${node.id} failed`)))
    socket.addEventListener("open", () => socket.send(JSON.stringify({ type: "hello", route: "/" })))
    socket.addEventListener("message", (message) => {
      const frame = JSON.parse(String(message.data))
      frames.push({ ...frame, at: Date.now() })
      if (frame.type === "ready") {
        resolve({ sid: frame.sid, frames, send: (f) => socket.send(JSON.stringify(f)), close: () => socket.close() })
      }
    })
  })
