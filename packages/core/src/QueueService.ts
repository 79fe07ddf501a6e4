/**
 * A QueueService is a Service with a FIFO work queue and `workers` fibers that run
 * a handler for each item. Every item becomes a job with an id and a status record
 * (queued, running, completed, failed, cancelled) that carries progress reported
 * from inside the handler; jobs can be cancelled (a queued one never starts, a
 * running one is interrupted); every change is published on the bus.
 *
 * The queue is bounded when `capacity` is given: `enqueue` then fails with
 * `QueueFull` at once, or after waiting up to `timeout`. On stop it takes no new
 * jobs, lets the workers drain the queue for up to `drainTimeout`, then interrupts
 * what still runs; a job that did not finish always ends with a status that says
 * why. Original: `QueueService(name, worker_count, maxsize)` with `enqueue`,
 * `handle_item` and `pending_count` (weakness 29: it polled, never drained, and lost
 * in-flight items silently).
 *
 * ```ts
 * const Email = Schema.Struct({ to: Schema.String, subject: Schema.String })
 * class Mailer extends QueueService.Tag<Mailer, typeof Email.Type>()("mailer") {}
 * const MailerLive = QueueService.layer(Mailer, {
 *   item: Email,
 *   workers: 4,
 *   capacity: 1_000,
 *   handle: (email, job) => Effect.andThen(send(email), job.progress(100, "sent"))
 * })
 * ```
 *
 * @since 0.1.0
 */
import { Context, type Duration, type Effect, Layer, type Option, type Schedule, type Schema, type Scope } from "effect"
import * as Bus from "./Bus.ts"
import type { ValidationError } from "./Validation.ts"
import * as internal from "./internal/queueService.ts"
import type { JobNotFound, QueueFull } from "./QueueError.ts"
import type { Service, ServiceNotRunning, ServiceStartError } from "./Service.ts"
import type { ServiceManager } from "./ServiceManager.ts"

export { JobNotFound, QueueFull } from "./QueueError.ts"

/**
 * Where a job is. `cancelled` covers a cancel by id and a stop that came before
 * the job could finish; `reason` says which.
 *
 * @since 0.1.0
 * @category models
 */
export type JobState = "queued" | "running" | "completed" | "failed" | "cancelled"

/**
 * The status record of a job: an immutable snapshot, replaced on every change.
 * Times are epoch ms from the Effect `Clock`; `progress.percent` is 0–100.
 *
 * @since 0.1.0
 * @category models
 */
export interface Job<A> {
  readonly id: string
  readonly queue: string
  readonly item: A
  readonly state: JobState
  readonly attempts: number
  readonly progress: { readonly percent: number; readonly message: string | undefined }
  /** Why a job failed (the error, pretty-printed) or was cancelled. */
  readonly reason: string | undefined
  readonly enqueuedAt: number
  readonly startedAt: number | undefined
  readonly finishedAt: number | undefined
}

/**
 * What a handler receives besides the item: the job's id, the attempt (1 first),
 * and `progress(percent, message?)`, which updates the status record and publishes it.
 *
 * @since 0.1.0
 * @category models
 */
export interface JobContext {
  readonly id: string
  readonly attempt: number
  readonly progress: (percent: number, message?: string) => Effect.Effect<void>
}

/**
 * The service state of a queue: its workers and how many jobs are in each state
 * (finished counts are totals since start).
 *
 * @since 0.1.0
 * @category models
 */
export interface QueueState {
  readonly workers: number
  readonly queued: number
  readonly running: number
  readonly completed: number
  readonly failed: number
  readonly cancelled: number
}

/**
 * How a queue works. `item` validates items given to `submit`; `workers` is the
 * concurrency (default 1, at least 1); `capacity` bounds the queue (default
 * unbounded); `retry` re-runs a failing handler on a Schedule before the job
 * fails; `history` is how many finished jobs are kept (default 1 000);
 * `drainTimeout` is how long stopping waits for queued and running jobs (default
 * 10 seconds).
 *
 * @since 0.1.0
 * @category models
 */
export interface Options<S extends Schema.Top, E, R> {
  readonly item: S
  readonly handle: (item: S["Type"], job: JobContext) => Effect.Effect<unknown, E, R>
  readonly workers?: number | undefined
  readonly capacity?: number | undefined
  readonly retry?: Schedule.Schedule<unknown, unknown> | undefined
  readonly history?: number | undefined
  readonly drainTimeout?: Duration.Input | undefined
}

/**
 * A running queue.
 *
 * @since 0.1.0
 * @category models
 */
export interface QueueService<A> {
  readonly name: string
  /** The underlying service: status, health, state (`QueueState`), stop. */
  readonly service: Service<QueueState>
  /** The bus event every change of a job of this queue is published on (`<name>:job`). */
  readonly updated: Bus.Event<Job<A>>
  /**
   * Queues `item` and returns its job id. With a bounded queue that is full, fails
   * with `QueueFull` at once, or waits up to `timeout` for room. Fails with
   * `ServiceNotRunning` once the queue is stopping. Original: `enqueue(item, block, timeout)`.
   */
  readonly enqueue: (item: A, options?: { readonly timeout?: Duration.Input | undefined }) => Effect.Effect<
    string,
    QueueFull | ServiceNotRunning
  >
  /** `enqueue` of untrusted input, validated (and coerced) with the `item` Schema first. */
  readonly submit: (input: unknown, options?: { readonly timeout?: Duration.Input | undefined }) => Effect.Effect<
    string,
    QueueFull | ServiceNotRunning | ValidationError
  >
  /** The status record of job `id`, if it is queued, running or in the history. */
  readonly job: (id: string) => Effect.Effect<Option.Option<Job<A>>>
  /** Every known job: queued and running first (in queue order), then the history. */
  readonly jobs: Effect.Effect<ReadonlyArray<Job<A>>>
  /** Waits until job `id` has finished (completed, failed or cancelled) and returns its record. */
  readonly await: (id: string) => Effect.Effect<Job<A>, JobNotFound>
  /**
   * Cancels job `id`: a queued job will never start, a running one is interrupted
   * (and this waits until it has stopped). `false` when the job is unknown or
   * already finished.
   */
  readonly cancel: (id: string) => Effect.Effect<boolean>
  /** Jobs waiting for a worker. Original: `pending_count()`. */
  readonly pending: Effect.Effect<number>
  /**
   * The exact counts now. The service state shows the same counts, updated once
   * per burst of changes rather than on every change.
   */
  readonly stats: Effect.Effect<QueueState>
}

/**
 * The bus event a queue publishes every job change on: `<name>:job`, with the
 * new status record.
 *
 * @since 0.1.0
 * @category events
 */
export const jobUpdated: <A = unknown>(queue: string) => Bus.Event<Job<A>> = internal.jobUpdated

/**
 * Starts a queue in the calling scope (it stops, draining, when the scope closes).
 * Fails with `ServiceStartError`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const start: <S extends Schema.Top, E, R>(
  name: string,
  options: Options<S, E, R>
) => Effect.Effect<QueueService<S["Type"]>, ServiceStartError, Scope.Scope | Bus.Bus | ServiceManager | R | S["DecodingServices"]> =
  internal.start

/**
 * The key of a queue in the `Context`, declared as a class; `A` is the item type.
 *
 * ```ts
 * class Mailer extends QueueService.Tag<Mailer, Email>()("mailer") {}
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const Tag = <Self, A>() => <const Name extends string>(name: Name) => {
  const Key = Context.Service<Self, QueueService<A>>()(`@specter/queue/${name}`)
  return class extends Key {
    static readonly queueName: Name = name
  }
}

/**
 * The `Layer` that starts the queue of `tag`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = <
  T extends { readonly queueName: string; readonly Identifier: any; readonly Service: QueueService<any> },
  S extends Schema.Codec<T["Service"] extends QueueService<infer A> ? A : never, any, any, any>,
  E,
  R
>(
  tag: T,
  options: Options<S, E, R>
): Layer.Layer<T["Identifier"], ServiceStartError, Bus.Bus | ServiceManager | Exclude<R | S["DecodingServices"], Scope.Scope>> =>
  Layer.effect(tag as unknown as Context.Key<T["Identifier"], T["Service"]>, start(tag.queueName, options))
