/**
 * A QueueService is a FIFO work queue with `workers` fibers that run a handler for
 * each item. Every item becomes a job with an id and a status record (queued,
 * running, completed, failed, cancelled) that carries progress reported from inside
 * the handler; jobs can be awaited and cancelled (a queued one never starts, a
 * running one is interrupted); every change is published on the bus (when the
 * application has one) as `<name>:job`, the counts are a `SubscriptionRef`
 * (`changes`) and `Metric`s.
 *
 * With `capacity`, `enqueue` fails with `QueueFull` at once, or after waiting up to
 * `timeout` for a place. When its scope closes it takes no new jobs, lets the
 * workers drain the queue for up to `drainTimeout`, then interrupts what still
 * runs; a job that did not finish always ends with a reason. Original:
 * `QueueService(name, worker_count, maxsize)` with `enqueue`, `handle_item`,
 * `pending_count` (weakness 29: it polled, never drained, and lost in-flight items).
 *
 * ```ts
 * class Mailer extends Context.Service<Mailer, QueueService.QueueService<Email>>()("app/Mailer") {
 *   static readonly layer = QueueService.layer(this, {
 *     name: "mailer",
 *     item: Email,
 *     workers: 4,
 *     capacity: 1_000,
 *     handle: (email, job) => Effect.andThen(send(email), job.progress(100, "sent"))
 *   })
 * }
 * const id = yield* (yield* Mailer).enqueue({ to: "ada@example.com", subject: "hi" })
 * ```
 *
 * @since 0.1.0
 */
import { Context, type Duration, Effect, type Layer, Metric, Option, type Schedule, type Schema, type Scope, type Stream } from "effect"
import type * as Bus from "./Bus.ts"
import * as internal from "./internal/queueService.ts"
import type { JobNotFound, QueueFull } from "./QueueError.ts"
import type * as Registry from "./Registry.ts"
import * as Service from "./Service.ts"
import type { ServiceNotRunning, ServiceStartError } from "./ServiceError.ts"
import { validate, type ValidationError } from "./Validation.ts"

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
 * The counts of a queue: its workers, and how many jobs are in each state
 * (finished counts are totals since it started).
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
 * concurrency (default 1, at least 1); `capacity` bounds the queued jobs (default
 * unbounded); `retry` re-runs a failing handler on a Schedule before the job
 * fails; `history` is how many finished jobs are kept (default 1 000);
 * `drainTimeout` is how long stopping waits for queued and running jobs (default
 * 10 seconds).
 *
 * `durable: true` keeps the queue outside the process when the application has a
 * `DurableQueues` in context (cluster mode: `@specter-runtime/cluster` keeps it in
 * Redis): a job enqueued on any node runs on one worker of some node, its record is
 * readable and cancellable from every node, and a job whose process dies is run again
 * (at least once; `attempts` counts the runs). The item Schema must then encode to
 * JSON. Without a `DurableQueues` the option does nothing: the queue is in memory.
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
  readonly durable?: boolean | undefined
}

/**
 * What a durable queue engine is given: the queue's options with the handler's
 * services already provided.
 *
 * @since 0.2.0
 * @category durable
 */
export interface DurableOptions {
  readonly item: Schema.Top
  readonly handle: (item: unknown, job: JobContext) => Effect.Effect<unknown, unknown>
  /** Validates (and coerces) untrusted input with `item`, as `submit` does. */
  readonly validate: (input: unknown) => Effect.Effect<unknown, ValidationError>
  readonly workers: number
  readonly retry: Schedule.Schedule<unknown, unknown> | undefined
  /** How many finished jobs' records are kept (the oldest finished go first). */
  readonly history: number
}

/**
 * The engine of durable queues (see `Options.durable`): `make(name, options)` starts
 * the queue named `name` in the calling scope. Provided by `@specter-runtime/cluster`
 * in cluster mode.
 *
 * @since 0.2.0
 * @category durable
 */
export class DurableQueues extends Context.Service<DurableQueues, {
  readonly make: (name: string, options: DurableOptions) => Effect.Effect<QueueService<unknown>, never, Scope.Scope>
}>()("@specter-runtime/core/QueueService/DurableQueues") {}

/**
 * A running queue of items of type `A`.
 *
 * @since 0.1.0
 * @category models
 */
export interface QueueService<A> {
  readonly name: string
  /** The bus event every change of a job of this queue is published on (`<name>:job`). */
  readonly updated: Bus.Event<Job<A>>
  /**
   * Queues `item` and returns its job id. With a bounded queue that is full, fails
   * with `QueueFull` at once, or waits up to `timeout` for a place. Fails with
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
   * (this waits until it has stopped). `false` when the job is unknown or finished.
   */
  readonly cancel: (id: string) => Effect.Effect<boolean>
  /** Jobs waiting for a worker. Original: `pending_count()`. */
  readonly pending: Effect.Effect<number>
  /** The exact counts now. */
  readonly stats: Effect.Effect<QueueState>
  /**
   * The counts now, then after every burst of changes (a busy queue publishes one
   * state per burst, not one per job).
   */
  readonly changes: Stream.Stream<QueueState>
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
 * The `Registry` key under which a running queue named `queue` is listed, when the
 * application has a `Registry` (`App` does): `specter/queue/<queue>`. Every such
 * key names a queue, so a tool can list them all (`registry.list`) and read their
 * jobs or cancel one; the listing ends when the queue's scope closes.
 *
 * @example
 * const mailer = yield* registry.require(QueueService.registryKey("mailer"))
 * const jobs = yield* mailer.jobs
 *
 * @since 0.1.0
 * @category registry
 */
export const registryKey: (queue: string) => Registry.Key<QueueService<unknown>> = internal.registryKey

/**
 * The prefix of every `registryKey`: `specter/queue/`.
 *
 * @since 0.1.0
 * @category registry
 */
export const registryPrefix: string = internal.registryPrefix

/**
 * Jobs that finished, by `queue` and `outcome` (`completed`, `failed`, `cancelled`).
 *
 * @since 0.1.0
 * @category metrics
 */
export const jobsFinished = Metric.counter("specter_queue_jobs_finished_total", {
  description: "Queue jobs that finished, by queue and outcome",
  incremental: true
})

/**
 * Jobs waiting for a worker, by `queue` (updated once per burst of changes).
 *
 * @since 0.1.0
 * @category metrics
 */
export const jobsQueued = Metric.gauge("specter_queue_jobs_queued", { description: "Queue jobs waiting for a worker, by queue" })

/**
 * Starts a queue named `name` in the calling scope; it stops, draining, when the
 * scope closes. Job ids are `<name>-<n>` (a durable queue's are `<name>-<uuid>`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: <S extends Schema.Top, E, R>(
  name: string,
  options: Options<S, E, R>
) => Effect.Effect<QueueService<S["Type"]>, never, Scope.Scope | R | S["DecodingServices"]> = (name, options) =>
  Effect.flatMap(
    options.durable !== true
      ? internal.make(name, options, { finished: jobsFinished, queued: jobsQueued })
      : Effect.flatMap(Effect.serviceOption(DurableQueues), (durable) =>
        Option.isNone(durable)
          ? internal.make(name, options, { finished: jobsFinished, queued: jobsQueued })
          : Effect.flatMap(Effect.context<any>(), (context) =>
            durable.value.make(name, {
              item: options.item,
              handle: (item, job) => Effect.provideContext(options.handle(item, job), context),
              validate: (input) => Effect.provideContext(validate(options.item, input), context),
              workers: Math.max(1, Math.floor(options.workers ?? 1)),
              retry: options.retry,
              history: Math.max(0, Math.floor(options.history ?? 1000))
            }) as Effect.Effect<QueueService<any>, never, Scope.Scope>)),
    internal.listed
  )

/**
 * The `Layer` of a queue provided under a `Context.Service` class (see
 * `Service.layer`); `name` defaults to the class's key.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = <I, A, S extends Schema.Codec<A, any, any, any>, E, R>(
  tag: Context.Key<I, QueueService<A>>,
  options: Options<S, E, R> & { readonly name?: string | undefined }
): Layer.Layer<I, ServiceStartError, Exclude<R | S["DecodingServices"], Scope.Scope>> => {
  const name = options.name ?? tag.key
  return Service.layer(tag, make(name, options) as Effect.Effect<QueueService<A>, never, R | S["DecodingServices"]>, { name })
}
