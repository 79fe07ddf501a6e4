/**
 * The two shapes of a workload. A `Running` workload measures one figure on a
 * server that stays up for every round (throughput, after a warm-up round); a
 * `Fresh` one starts its own server each round (start-up, memory, shutdown).
 */
import type { ServerName } from "../contract.ts"
import type { Pinning } from "../cpu.ts"
import type { Figure, Sample } from "../measure.ts"
import type { Pool } from "../pool.ts"
import type { Server } from "../server.ts"

export interface Env {
  readonly pool: Pool
  readonly pinning: Pinning | undefined
  /** Seconds of load per throughput round. */
  readonly durationS: number
}

export interface Running {
  readonly kind: "running"
  readonly figure: Figure
  /** Brings a server into the state the rounds expect (e.g. a full store). */
  readonly setup?: ((server: Server) => Promise<void>) | undefined
  readonly round: (server: Server, env: Env) => Promise<Sample>
}

export interface Fresh {
  readonly kind: "fresh"
  readonly figures: ReadonlyArray<Figure>
  /** One sample per figure, by `Figure.key`. */
  readonly round: (name: ServerName, env: Env) => Promise<Readonly<Record<string, Sample>>>
}

export type Workload = Running | Fresh
