/**
 * The life of one server process, started fresh each round:
 *
 * - start-up: spawn to the first 200 of its readiness path (ms);
 * - memory per idle socket: `IDLE` clients connected and left idle, the RSS and
 *   the live JS heap (after a full GC) compared with before they connected, per
 *   socket (KiB), and the RSS they hold (see `memoryPerSocket`). `WARM` sockets connect and leave first, so that the code of the
 *   socket path is loaded and compiled before the "before" figure;
 * - shutdown: with `CONNECTED` sockets open, SIGTERM to process exit (ms).
 */
import type { ServerName } from "../contract.ts"
import type { Sample } from "../measure.ts"
import { split } from "../pool.ts"
import * as Server from "../server.ts"
import type { Env, Fresh } from "./workload.ts"

const IDLE = 5_000
const WARM = 100
const CONNECTED = 100
const SETTLE_MS = 1_000
const LIMIT_MS = 120_000
const KiB = 1024

const connect = (env: Env, server: Server.Server, clients: number) =>
  env.pool.all(split(clients, env.pool.size).map((n) => ({ kind: "connect" as const, url: `${server.url.replace("http:", "ws:")}/ws`, clients: n })), LIMIT_MS)

const disconnect = (env: Env) => env.pool.all(Array.from({ length: env.pool.size }, () => ({ kind: "disconnect" as const })), LIMIT_MS)

const settle = () => new Promise((resolve) => setTimeout(resolve, SETTLE_MS))

/**
 * RSS, heap and external memory per idle socket (KiB), after a full GC; then the
 * RSS the sockets hold: with them minus after they left, each after a last-resort
 * GC, which also returns what the young generation grew to during the burst of
 * handshakes (V8 keeps those pages after a full GC, so the first figure is a step
 * that depends on whether the burst made it grow).
 */
const memoryPerSocket = async (env: Env, server: Server.Server) => {
  await connect(env, server, WARM)
  await disconnect(env)
  await settle()
  const before = await server.memory()
  await connect(env, server, IDLE)
  await settle()
  const after = await server.memory()
  const held = await server.memory(true)
  await disconnect(env)
  await settle()
  const left = await server.memory(true)
  const per = (bytes: number) => bytes / IDLE / KiB
  return {
    rss: per(after.rss - before.rss),
    heap: per(after.heapUsed - before.heapUsed),
    external: per(after.external - before.external),
    held: per(held.rss - left.rss)
  }
}

const round = async (name: ServerName, env: Env): Promise<Readonly<Record<string, Sample>>> => {
  const server = await Server.start(name, env.pinning)
  try {
    const memory = await memoryPerSocket(env, server)
    await connect(env, server, CONNECTED)
    const stopped = await server.stop()
    await disconnect(env)
    return {
      startup: { value: server.startupMs, failed: 0 },
      rss: { value: memory.rss, failed: 0 },
      heap: { value: memory.heap, failed: 0, extra: { external_kib: memory.external } },
      held: { value: memory.held, failed: 0 },
      shutdown: { value: stopped.ms, failed: stopped.killed ? 1 : 0 }
    }
  } finally {
    await server.stop(1_000)
  }
}

export const lifecycle: Fresh = {
  kind: "fresh",
  figures: [
    { key: "startup", name: "start-up: spawn to the first 200 of the readiness path", unit: "ms", better: "lower" },
    { key: "rss", name: `RSS per idle socket at ${IDLE.toLocaleString("en-US")} connections (after GC)`, unit: "KiB", better: "lower" },
    { key: "heap", name: `live JS heap per idle socket at ${IDLE.toLocaleString("en-US")} connections (after GC)`, unit: "KiB", better: "lower" },
    { key: "held", name: `RSS the ${IDLE.toLocaleString("en-US")} idle sockets hold (with them minus after they left, each after a last-resort GC)`, unit: "KiB per socket", better: "lower" },
    { key: "shutdown", name: `SIGTERM to exit with ${CONNECTED} connected sockets`, unit: "ms", better: "lower" }
  ],
  round
}
