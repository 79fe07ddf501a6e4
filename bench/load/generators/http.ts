/**
 * The HTTP side of a load worker: one `autocannon` run (keep-alive connections,
 * one request in flight per connection) against one URL for a fixed time.
 */
import autocannon from "autocannon"

export interface HttpJob {
  readonly url: string
  readonly method: "GET" | "POST"
  readonly body?: string | undefined
  readonly connections: number
  readonly durationS: number
}

export interface HttpResult {
  /** Answers with a 2xx status. */
  readonly ok: number
  /** Answers with any other status, plus connection errors and timeouts. */
  readonly failed: number
  readonly seconds: number
  /** Latency of the answers, milliseconds. */
  readonly p50Ms: number
  readonly p99Ms: number
}

export const run = async (job: HttpJob): Promise<HttpResult> => {
  const result = await autocannon({
    url: job.url,
    method: job.method,
    connections: job.connections,
    duration: job.durationS,
    pipelining: 1,
    ...(job.body === undefined ? {} : { body: job.body, headers: { "content-type": "application/json" } })
  })
  return {
    ok: result["2xx"],
    failed: result.non2xx + result.errors,
    seconds: result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99
  }
}
