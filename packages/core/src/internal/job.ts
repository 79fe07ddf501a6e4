/**
 * One job of a QueueService while it is queued or running: mutable fields that the
 * queue updates in place, and an immutable `Job` record made from them only when
 * someone looks (a bus listener, `job`, `jobs`, the history), at most once per change.
 *
 * @internal
 */
import { Effect, type Fiber, type Tracer } from "effect"
import type { Job, JobContext, JobState } from "../QueueService.ts"

/**
 * The entry is also what the handler receives as its `JobContext`, so that running
 * a job allocates nothing beyond the entry itself.
 */
export class JobEntry<A> implements JobContext {
  /** The job's sequence number in its queue; the id is `<queue>-<seq in base 36>`. */
  readonly seq: number
  readonly id: string
  readonly queue: string
  readonly item: A
  readonly enqueuedAt: number
  state: JobState = "queued"
  attempts = 0
  percent = 0
  message: string | undefined = undefined
  reason: string | undefined = undefined
  startedAt: number | undefined = undefined
  finishedAt: number | undefined = undefined
  /** Set once a cancel (or the drain at stop) decided the job's end. */
  cancelled = false
  cancelReason: string | undefined = undefined
  /** The span that enqueued the job, when spans are exported (its span links to it). */
  cause: Tracer.AnySpan | undefined = undefined
  /** The worker fiber running the job, while it runs. */
  worker: Fiber.Fiber<unknown, unknown> | undefined = undefined
  private record: Job<A> | undefined = undefined

  /** Told of every change, so the queue can count and publish it. */
  private readonly onChange: (entry: JobEntry<A>) => void

  constructor(seq: number, queue: string, item: A, enqueuedAt: number, onChange: (entry: JobEntry<A>) => void) {
    this.onChange = onChange
    this.seq = seq
    this.id = `${queue}-${seq.toString(36)}`
    this.queue = queue
    this.item = item
    this.enqueuedAt = enqueuedAt
  }

  /** `JobContext.attempt`: the attempt being run, 1 first. */
  get attempt(): number {
    return this.attempts
  }

  /** `JobContext.progress`: clamps `percent` to 0–100 and publishes the change. */
  progress(percent: number, message?: string): Effect.Effect<void> {
    return Effect.sync(() => {
      this.percent = Math.min(100, Math.max(0, percent))
      this.message = message
      this.onChange(this)
    })
  }

  /** Call after changing a field: the next `snapshot` makes a new record. */
  touch(): void {
    this.record = undefined
  }

  /** The sequence number in job id `id` of queue `queue`, if `id` is one. */
  static seqOf(queue: string, id: string): number | undefined {
    if (!id.startsWith(queue) || id.charCodeAt(queue.length) !== 45 /* - */) return undefined
    const digits = id.slice(queue.length + 1)
    const seq = /^[0-9a-z]{1,11}$/.test(digits) ? parseInt(digits, 36) : NaN
    return Number.isSafeInteger(seq) && seq > 0 ? seq : undefined
  }

  snapshot(): Job<A> {
    return this.record ??= {
      id: this.id,
      queue: this.queue,
      item: this.item,
      state: this.state,
      attempts: this.attempts,
      progress: { percent: this.percent, message: this.message },
      reason: this.reason,
      enqueuedAt: this.enqueuedAt,
      startedAt: this.startedAt,
      finishedAt: this.finishedAt
    }
  }
}
