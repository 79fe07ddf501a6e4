/**
 * A server of the load bench as a child process (`NODE_ENV=production`): started on a free loopback port
 * on the server's core (with `--expose-gc`, for the memory probe), timed from
 * spawn to the first 200 of its readiness path, asked for its memory over IPC,
 * and stopped with SIGTERM, timed to its exit. Every wait is bounded.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { get } from "node:http"
import { createServer } from "node:net"
import { fileURLToPath } from "node:url"
import { READY_PATH, type ServerName } from "./contract.ts"
import { onServerCore, type Pinning, processSeconds } from "./cpu.ts"

export interface Server {
  readonly name: ServerName
  readonly pid: number
  /** The core it is pinned to, if it is. */
  readonly core: number | undefined
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  /** Milliseconds from spawn to the first 200 of the readiness path. */
  readonly startupMs: number
  /**
   * `process.memoryUsage()` of the server after a full GC (bytes); with
   * `compact`, after V8's last-resort GC (see `servers/probe.ts`).
   */
  readonly memory: (compact?: boolean) => Promise<NodeJS.MemoryUsage>
  /** User + system CPU seconds the server has used so far. */
  readonly cpuSeconds: () => number
  /** SIGTERM, then milliseconds until the process exited (SIGKILL after `limitMs`). */
  readonly stop: (limitMs?: number) => Promise<{ readonly ms: number; readonly killed: boolean }>
}

const STARTUP_LIMIT_MS = 60_000

/** `LOAD_NODE_FLAGS`: more `node` flags for every server alike (V8's too), split on spaces. */
const extraFlags = (process.env["LOAD_NODE_FLAGS"] ?? "").split(" ").filter((flag) => flag !== "")

/** A free loopback port, from the OS. */
export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = createServer()
    probe.once("error", reject)
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address()
      probe.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port"))))
    })
  })

const status = (url: string) =>
  new Promise<number>((resolve) => {
    const request = get(url, { agent: false }, (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    })
    request.on("error", () => resolve(0))
    request.setTimeout(1000, () => request.destroy())
  })

/** Polls `url` every 5 ms until it answers 200, or fails after the start-up limit or if `child` exits. */
export const ready = async (url: string, child: ChildProcess, errors: () => string) => {
  const deadline = performance.now() + STARTUP_LIMIT_MS
  while (performance.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`server exited during start-up: ${errors()}`)
    if ((await status(url)) === 200) return
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  child.kill("SIGKILL")
  throw new Error(`server not ready after ${STARTUP_LIMIT_MS} ms: ${errors()}`)
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve()
    else child.once("exit", () => resolve())
  })

/** Starts server `name` (see `servers/`) and resolves once it is ready. */
export const start = async (name: ServerName, pinning: Pinning | undefined): Promise<Server> => {
  const port = await freePort()
  const entry = fileURLToPath(new URL(`./servers/${name}.ts`, import.meta.url))
  const { args, command } = onServerCore(pinning, process.execPath, ["--expose-gc", ...extraFlags, entry])
  let stderr = ""
  const started = performance.now()
  const child = spawn(command, args, {
    env: { ...process.env, NODE_ENV: "production", PORT: String(port), HOST: "127.0.0.1" },
    stdio: ["ignore", "ignore", "pipe", "ipc"]
  })
  child.stderr?.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)))
  const url = `http://127.0.0.1:${port}`
  await ready(url + READY_PATH[name], child, () => stderr)
  const startupMs = performance.now() - started
  const pid = child.pid!
  return {
    name,
    pid,
    core: pinning === undefined ? undefined : Number(pinning.server),
    url,
    startupMs,
    memory: (compact = false) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${name} did not report its memory`)), 10_000)
        child.once("message", (message) => (clearTimeout(timer), resolve((message as { memory: NodeJS.MemoryUsage }).memory)))
        child.send(compact ? "memory:compact" : "memory")
      }),
    cpuSeconds: () => processSeconds(pid),
    stop: async (limitMs = 20_000) => {
      const t0 = performance.now()
      child.kill("SIGTERM")
      const timer = setTimeout(() => child.kill("SIGKILL"), limitMs)
      await exited(child)
      clearTimeout(timer)
      return { ms: performance.now() - t0, killed: child.signalCode === "SIGKILL" }
    }
  }
}
