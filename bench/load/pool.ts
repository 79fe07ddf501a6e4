/**
 * The load generators: `size` worker processes (`generators/worker.ts`), started
 * from this process and so on the load's cores. A job goes to each worker with
 * its share of the work; every job has a time limit.
 */
import { type ChildProcess, fork } from "node:child_process"
import { fileURLToPath } from "node:url"
import { processSeconds } from "./cpu.ts"
import type { Job } from "./generators/worker.ts"

export interface Pool {
  readonly size: number
  /** Runs `jobs[i]` on worker `i` (at most `size` jobs), resolving with their results in order. */
  readonly all: <A>(jobs: ReadonlyArray<Job>, limitMs: number) => Promise<ReadonlyArray<A>>
  /** Calls `f(worker, n)` on each progress report, until replaced. */
  readonly onProgress: (f: (worker: number, n: number) => void) => void
  /** CPU seconds used so far by the workers and by this process. */
  readonly cpuSeconds: () => number
  readonly close: () => void
}

/** `total` split into `parts` near-equal shares, larger first: split(5, 2) = [3, 2]. */
export const split = (total: number, parts: number): ReadonlyArray<number> =>
  Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0))

interface Pending {
  readonly resolve: (value: unknown) => void
  readonly reject: (error: Error) => void
}

export const make = (size: number): Pool => {
  const entry = fileURLToPath(new URL("./generators/worker.ts", import.meta.url))
  const pending = new Map<number, Pending>()
  let progress: (worker: number, n: number) => void = () => {}
  let nextId = 0
  const workers: Array<ChildProcess> = Array.from({ length: size }, (_, index) => {
    const worker = fork(entry, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] })
    worker.on("message", (message: { id?: number; result?: unknown; error?: string; progress?: number }) => {
      if (message.progress !== undefined) return progress(index, message.progress)
      const job = pending.get(message.id!)
      pending.delete(message.id!)
      if (message.error !== undefined) job?.reject(new Error(message.error))
      else job?.resolve(message.result)
    })
    return worker
  })
  const run = (worker: ChildProcess, job: Job, limitMs: number) =>
    new Promise<unknown>((resolve, reject) => {
      const id = nextId++
      const timer = setTimeout(() => {
        pending.delete(id)
        reject(new Error(`load job '${job.kind}' did not finish within ${limitMs} ms`))
      }, limitMs)
      pending.set(id, {
        resolve: (value) => (clearTimeout(timer), resolve(value)),
        reject: (error) => (clearTimeout(timer), reject(error))
      })
      worker.send({ id, job })
    })
  return {
    size,
    all: (jobs, limitMs) => Promise.all(jobs.map((job, i) => run(workers[i]!, job, limitMs))) as Promise<any>,
    onProgress: (f) => void (progress = f),
    cpuSeconds: () => {
      const own = process.cpuUsage()
      return workers.reduce((sum, w) => sum + processSeconds(w.pid!), (own.user + own.system) / 1e6)
    },
    close: () => {
      for (const worker of workers) worker.kill()
    }
  }
}
