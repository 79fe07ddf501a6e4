/**
 * What one round of a workload yields, and the timed window that measures the CPU
 * around it: how busy the server, the load generators and everything else on the
 * machine were (the machine is shared; the last figure says by how much).
 */
import { coreIdleSeconds, machineSeconds } from "./cpu.ts"
import type { Pool } from "./pool.ts"
import type { Server } from "./server.ts"

/** A figure the report shows, e.g. `{ key: "post", name: "POST /api/items", unit: "req/s", better: "higher" }`. */
export interface Figure {
  readonly key: string
  readonly name: string
  readonly unit: string
  readonly better: "higher" | "lower"
}

/** CPU use during a window: cores busy (1 = one core at 100%). */
export interface Cpu {
  readonly server: number
  readonly load: number
  /** Processes outside the bench (the machine is shared). */
  readonly others: number
  /** Interrupt time (irq, softirq) of the whole machine: mostly the loopback network stack. */
  readonly interrupts: number
  /** Idle share of the server's core, when it is pinned: above 0, the server did not limit the pace. */
  readonly serverCoreIdle: number | undefined
}

/** One round's value of a figure for one server. */
export interface Sample {
  readonly value: number
  /** Operations that failed (non-2xx answers, failed acks, missing sockets); 0 in a clean round. */
  readonly failed: number
  readonly cpu?: Cpu | undefined
  readonly extra?: Readonly<Record<string, number>> | undefined
}

/** Runs `body` and measures the CPU of `server`, of the load and of the rest of the machine meanwhile. */
export const window = async <A>(server: Server, pool: Pool, body: () => Promise<A>): Promise<{ readonly result: A; readonly cpu: Cpu }> => {
  const t0 = performance.now()
  const s0 = server.cpuSeconds()
  const l0 = pool.cpuSeconds()
  const m0 = machineSeconds()
  const idle0 = server.core === undefined ? 0 : coreIdleSeconds(server.core)
  const result = await body()
  const seconds = (performance.now() - t0) / 1000
  const serverCpu = (server.cpuSeconds() - s0) / seconds
  const load = (pool.cpuSeconds() - l0) / seconds
  const m1 = machineSeconds()
  const others = Math.max(0, (m1.processes - m0.processes) / seconds - serverCpu - load)
  const serverCoreIdle = server.core === undefined ? undefined : (coreIdleSeconds(server.core) - idle0) / seconds
  return { result, cpu: { server: serverCpu, load, others, interrupts: (m1.interrupts - m0.interrupts) / seconds, serverCoreIdle } }
}

export const sum = (xs: ReadonlyArray<number>): number => xs.reduce((a, b) => a + b, 0)
