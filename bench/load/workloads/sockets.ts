/**
 * Socket throughput.
 *
 * - emit → ack: `EMITTERS` clients spread over the load workers, each in a closed
 *   loop (the next `items:add` goes out when the last ack came back); a round trip
 *   counts once its ok ack arrived.
 * - broadcast: `LISTENERS` idle clients; this process triggers `POST
 *   /api/broadcast` over keep-alive connections, keeping `IN_FLIGHT` broadcasts
 *   triggered and not yet received by every client (so the server always has the
 *   next trigger waiting); a broadcast counts once all `LISTENERS` clients got
 *   it. The rate is the broadcasts triggered during the
 *   round over the time until the last of them had reached every client.
 */
import { Agent, request } from "node:http"
import { sum, window } from "../measure.ts"
import { split } from "../pool.ts"
import type { Server } from "../server.ts"
import type { Env, Running } from "./workload.ts"

const EMITTERS = 100
const LISTENERS = 1_000
const IN_FLIGHT = 8
const CONNECT_LIMIT_MS = 60_000
const DRAIN_LIMIT_MS = 30_000

const wsUrl = (server: Server) => `${server.url.replace("http:", "ws:")}/ws`

/** Opens `clients` sockets to `server` spread over the workers, runs `body`, and closes them. */
const withClients = async <A>(server: Server, env: Env, clients: number, body: () => Promise<A>): Promise<A> => {
  const shares = split(clients, env.pool.size)
  await env.pool.all(shares.map((n) => ({ kind: "connect" as const, url: wsUrl(server), clients: n })), CONNECT_LIMIT_MS)
  try {
    return await body()
  } finally {
    await env.pool.all(shares.map(() => ({ kind: "disconnect" as const })), CONNECT_LIMIT_MS)
  }
}

export const emit: Running = {
  kind: "running",
  figure: { key: "emit", name: `socket emit → ack round trips (${EMITTERS} closed-loop clients)`, unit: "acks/s", better: "higher" },
  round: (server, env) =>
    withClients(server, env, EMITTERS, async () => {
      const jobs = Array.from({ length: env.pool.size }, () => ({ kind: "emit" as const, durationMs: env.durationS * 1000 }))
      type Emitted = { readonly acks: number; readonly failed: number; readonly seconds: number }
      const { cpu, result } = await window(server, env.pool, () => env.pool.all<Emitted>(jobs, env.durationS * 1000 + 30_000))
      return { value: sum(result.map((r) => r.acks / r.seconds)), failed: sum(result.map((r) => r.failed)), cpu }
    })
}

/** How many sockets one broadcast reached, from its HTTP answer (`{ "sent": n }`); -1 if it failed. */
const trigger = (server: Server, agent: Agent) =>
  new Promise<number>((resolve) => {
    const req = request(`${server.url}/api/broadcast`, { method: "POST", agent }, (res) => {
      let text = ""
      res.setEncoding("utf8").on("data", (chunk: string) => (text += chunk))
      res.on("end", () => resolve(res.statusCode === 200 ? (JSON.parse(text) as { sent: number }).sent : -1))
    })
    req.on("error", () => resolve(-1))
    req.end()
  })

/** Broadcasts received by every client so far, and a way to wait for more. */
const tracker = (env: Env) => {
  const perWorker = new Array<number>(env.pool.size).fill(0)
  let done = 0
  let wake = () => {}
  env.pool.onProgress((worker, n) => {
    perWorker[worker] = n
    done = Math.min(...perWorker)
    wake()
  })
  const until = (n: number, limitMs: number) =>
    new Promise<boolean>((resolve) => {
      if (done >= n) return resolve(true)
      const timer = setTimeout(() => resolve(false), limitMs)
      wake = () => {
        if (done < n) return
        clearTimeout(timer)
        resolve(true)
      }
    })
  return { done: () => done, until }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Waits until a broadcast reaches every client (a server may register a socket a
 * little after the client saw it open), then lets those trial frames arrive
 * before counting starts.
 */
const allRegistered = async (server: Server, agent: Agent) => {
  const deadline = performance.now() + CONNECT_LIMIT_MS
  while ((await trigger(server, agent)) !== LISTENERS) {
    if (performance.now() > deadline) throw new Error(`${server.name}: a broadcast does not reach ${LISTENERS} sockets`)
    await sleep(50)
  }
  await sleep(500)
}

const broadcastLoop = async (server: Server, env: Env, agent: Agent) => {
  const progress = tracker(env)
  await env.pool.all(Array.from({ length: env.pool.size }, () => ({ kind: "watch" as const })), CONNECT_LIMIT_MS)
  const started = performance.now()
  const deadline = started + env.durationS * 1000
  let triggered = 0
  let failed = 0
  const answers: Array<Promise<void>> = []
  while (performance.now() < deadline) {
    if (triggered - progress.done() >= IN_FLIGHT) {
      if (!(await progress.until(triggered - IN_FLIGHT + 1, DRAIN_LIMIT_MS))) break
      continue
    }
    triggered++
    answers.push(trigger(server, agent).then((sent) => {
      if (sent !== LISTENERS) failed++
    }))
  }
  await Promise.all(answers)
  const drained = await progress.until(triggered, DRAIN_LIMIT_MS)
  const seconds = (performance.now() - started) / 1000
  const missing = triggered - progress.done()
  return { value: (drained ? triggered : progress.done()) / seconds, failed: failed + missing }
}

export const broadcast: Running = {
  kind: "running",
  figure: { key: "broadcast", name: `one message broadcast to ${LISTENERS.toLocaleString("en-US")} sockets (all received)`, unit: "broadcasts/s", better: "higher" },
  round: (server, env) =>
    withClients(server, env, LISTENERS, async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT })
      try {
        await allRegistered(server, agent)
        const { cpu, result } = await window(server, env.pool, () => broadcastLoop(server, env, agent))
        return { ...result, cpu }
      } finally {
        agent.destroy()
      }
    })
}
