/**
 * The bookkeeping of one QueueService: the live jobs (`JobTable`), the bounded
 * history of finished ones, the counts, the waiters of `await`, and the job
 * transitions, each synchronous: a new immutable record, the counts, a bus
 * publish when someone listens, and the flusher's latch opened.
 *
 * @internal
 */
import { type Clock, Deferred, Effect, type Fiber, type Latch, Option, Queue, type Semaphore, type Tracer } from "effect"
import type * as Bus from "../Bus.ts"
import type * as QS from "../QueueService.ts"
import { JobEntry } from "./job.ts"
import { JobTable } from "./jobTable.ts"

type Counts = { -readonly [K in Exclude<keyof QS.QueueState, "workers">]: number }

export interface JobBookConfig<A> {
  readonly name: string
  readonly workers: number
  readonly history: number
  readonly capacity: number | undefined
  readonly places: Semaphore.Semaphore | undefined
  readonly queue: Queue.Queue<JobEntry<A>>
  readonly clock: Clock.Clock
  readonly dirty: Latch.Latch
  readonly stopping: Deferred.Deferred<void>
  readonly updated: Option.Option<Bus.Publisher<QS.Job<A>>>
  /** Records a job's run time (ms) when it ends after starting (the run-time metric). */
  readonly timed?: ((millis: number, outcome: "completed" | "failed" | "cancelled") => void) | undefined
}

export class JobBook<A> {
  readonly name: string
  readonly workers: number
  readonly capacity: number
  readonly places: Semaphore.Semaphore | undefined
  readonly queue: Queue.Queue<JobEntry<A>>
  readonly dirty: Latch.Latch
  readonly stopping: Deferred.Deferred<void>
  readonly active = new JobTable<JobEntry<A>>()
  readonly counts: Counts = { queued: 0, running: 0, completed: 0, failed: 0, cancelled: 0 }
  accepting = true
  /** Set once the queue's scope has closed. */
  stopped = false
  /** Set while stopping: completed when the last live job finishes. */
  idle: Deferred.Deferred<void> | undefined = undefined
  private readonly clock: Clock.Clock
  private readonly updated: Bus.Publisher<QS.Job<A>> | undefined
  private readonly timed: JobBookConfig<A>["timed"]
  private readonly keep: number
  private readonly history: Array<JobEntry<A> | undefined>
  private historyNext = 0
  private readonly waiters = new Map<number, Deferred.Deferred<QS.Job<A>>>()
  private next = 0

  constructor(config: JobBookConfig<A>) {
    this.name = config.name
    this.workers = config.workers
    this.capacity = config.capacity ?? Infinity
    this.places = config.places
    this.queue = config.queue
    this.clock = config.clock
    this.dirty = config.dirty
    this.stopping = config.stopping
    this.updated = Option.getOrUndefined(config.updated)
    this.timed = config.timed
    this.keep = config.history
    this.history = new Array(config.history)
  }

  stats(): QS.QueueState {
    return { workers: this.workers, ...this.counts }
  }

  /** Queues a new job for `item` (enqueued in span `cause`); returns its id. */
  offer(item: A, cause?: Tracer.AnySpan): string {
    const entry = new JobEntry(++this.next, this.name, item, this.clock.currentTimeMillisUnsafe(), this.changed)
    entry.cause = cause
    this.active.add(entry)
    this.counts.queued++
    Queue.offerUnsafe(this.queue, entry)
    this.publish(entry)
    return entry.id
  }

  /** `now`: the clock read by the worker's last step, when nothing has run since (a job taken without waiting). */
  begin(entry: JobEntry<A>, worker: Fiber.Fiber<unknown, unknown>, now?: number): void {
    entry.state = "running"
    entry.startedAt = now ?? this.clock.currentTimeMillisUnsafe()
    entry.attempts = 1
    entry.worker = worker
    this.counts.queued--
    this.counts.running++
    this.changed(entry)
  }

  retried(entry: JobEntry<A>, attempt: number): void {
    entry.attempts = attempt
    this.changed(entry)
  }

  /** Ends `entry` as `state`; returns the time it was recorded at (`undefined` when it had ended already). */
  finish(entry: JobEntry<A>, state: "completed" | "failed" | "cancelled", reason?: string): number | undefined {
    const from = entry.state
    if (from !== "queued" && from !== "running") return undefined
    const now = this.clock.currentTimeMillisUnsafe()
    entry.state = state
    entry.reason = reason
    entry.finishedAt = now
    if (state === "completed") entry.percent = 100
    entry.worker = undefined
    if (from === "queued") this.counts.queued--
    else {
      this.counts.running--
      this.timed?.(now - entry.startedAt!, state)
    }
    if (state === "completed") this.counts.completed++
    else if (state === "failed") this.counts.failed++
    else this.counts.cancelled++
    this.changed(entry)
    this.active.delete(entry.seq)
    if (this.keep > 0) {
      this.history[this.historyNext] = entry
      if (++this.historyNext === this.keep) this.historyNext = 0
    }
    const waiter = this.waiters.size === 0 ? undefined : this.waiters.get(entry.seq)
    if (waiter !== undefined) {
      this.waiters.delete(entry.seq)
      Deferred.doneUnsafe(waiter, Effect.succeed(entry.snapshot()))
    }
    if (this.idle !== undefined && this.active.size === 0) Deferred.doneUnsafe(this.idle, Effect.void)
    return now
  }

  /** The live job with id `id`. */
  get(id: string): JobEntry<A> | undefined {
    const seq = JobEntry.seqOf(this.name, id)
    return seq === undefined ? undefined : this.active.get(seq)
  }

  /** The record of job `id`, live or in the history. */
  find(id: string): QS.Job<A> | undefined {
    const seq = JobEntry.seqOf(this.name, id)
    return seq === undefined ? undefined : this.active.get(seq)?.snapshot() ?? this.finished(seq)
  }

  /** A waiter for job `id`'s end, its record when it has ended, or `undefined` when unknown. */
  waiter(id: string): Deferred.Deferred<QS.Job<A>> | QS.Job<A> | undefined {
    const seq = JobEntry.seqOf(this.name, id)
    if (seq === undefined) return undefined
    if (this.active.get(seq) === undefined) return this.finished(seq)
    let waiter = this.waiters.get(seq)
    if (waiter === undefined) {
      waiter = Deferred.makeUnsafe<QS.Job<A>>()
      this.waiters.set(seq, waiter)
    }
    return waiter
  }

  /** Every known job: live ones first (queue order), then the history (oldest first). */
  all(): ReadonlyArray<QS.Job<A>> {
    const out: Array<QS.Job<A>> = this.active.values().map((e) => e.snapshot())
    for (let i = 0; i < this.keep; i++) {
      const entry = this.history[(this.historyNext + i) % this.keep]
      if (entry !== undefined) out.push(entry.snapshot())
    }
    return out
  }

  private finished(seq: number): QS.Job<A> | undefined {
    for (let i = 0; i < this.keep; i++) if (this.history[i]?.seq === seq) return this.history[i]!.snapshot()
    return undefined
  }

  /** A field of `entry` changed: a new record next time someone looks, a publish, the flusher woken. */
  private readonly changed = (entry: JobEntry<A>): void => {
    entry.touch()
    this.publish(entry)
  }

  private publish(entry: JobEntry<A>): void {
    if (this.updated !== undefined && this.updated.active) this.updated.emit(entry.snapshot())
    this.dirty.openUnsafe()
  }
}
