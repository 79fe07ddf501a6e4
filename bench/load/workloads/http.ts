/**
 * HTTP throughput: `POST /api/items` (validate + coerce + store, 201) and
 * `GET /api/items` (the snapshot of `KEEP` items), each with `CONNECTIONS`
 * keep-alive connections spread over the load workers, one request in flight
 * per connection. A request counts once its 2xx answer arrived.
 */
import { ITEM_BODY, KEEP } from "../contract.ts"
import type { HttpResult } from "../generators/http.ts"
import { type Sample, sum, window } from "../measure.ts"
import { split } from "../pool.ts"
import type { Server } from "../server.ts"
import type { Env, Running } from "./workload.ts"

const CONNECTIONS = 100

const round = async (server: Server, env: Env, method: "GET" | "POST", body?: string): Promise<Sample> => {
  const url = `${server.url}/api/items`
  const jobs = split(CONNECTIONS, env.pool.size).map((connections) => ({
    kind: "http" as const,
    url,
    method,
    body,
    connections,
    durationS: env.durationS
  }))
  const { cpu, result } = await window(server, env.pool, () => env.pool.all<HttpResult>(jobs, env.durationS * 1000 + 30_000))
  return {
    value: sum(result.map((r) => r.ok / r.seconds)),
    failed: sum(result.map((r) => r.failed)),
    cpu,
    extra: { p99_ms: Math.max(...result.map((r) => r.p99Ms)) }
  }
}

/** Fills the store, so that every snapshot has `KEEP` items. */
const fill = async (server: Server) => {
  for (let i = 0; i < KEEP; i++) {
    const res = await fetch(`${server.url}/api/items`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: ITEM_BODY
    })
    if (res.status !== 201) throw new Error(`${server.name}: POST /api/items answered ${res.status}`)
  }
}

export const post: Running = {
  kind: "running",
  figure: { key: "post", name: "POST /api/items (validate + coerce + store, 201)", unit: "req/s", better: "higher" },
  round: (server, env) => round(server, env, "POST", ITEM_BODY)
}

export const get: Running = {
  kind: "running",
  figure: { key: "get", name: `GET /api/items (snapshot of ${KEEP} items)`, unit: "req/s", better: "higher" },
  setup: fill,
  round: (server, env) => round(server, env, "GET")
}
