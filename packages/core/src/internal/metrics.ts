/**
 * The `Metric`s of the core runtime (bus, queues, persistence) and the small
 * recorders the engines call. Every recorder is built once per bus topic, queue or
 * persisted state, with the metric's attributes fixed up front, so what runs per
 * event, job or commit is one `updateUnsafe` (or, for the bus, nothing at all: its
 * counters are read when the metrics are read).
 *
 * Names follow Prometheus conventions: `_total` for counters, a unit suffix
 * (`_ms`) for durations. Attributes become Prometheus labels.
 *
 * @internal
 */
import { Clock, Context, Effect, Exit, Metric, Scope, Tracer } from "effect"

const ms = Metric.exponentialBoundaries({ start: 1, factor: 2, count: 16 }) // 1 ms … ~33 s

/** Bus messages published to an event that had at least one subscriber (each reaches every subscriber of the time), by `event`. */
export const busDelivered = Metric.counter("specter_bus_delivered_total", {
  description: "Bus messages published to an event with at least one subscriber, by event",
  incremental: true
})

/** Bus messages dropped because a subscriber fell `capacity` messages behind, by `event`. */
export const busDropped = Metric.counter("specter_bus_dropped_total", {
  description: "Bus messages dropped (the oldest held for a slow subscriber), by event",
  incremental: true
})

/** Queue jobs running now, by `queue`. */
export const queueRunning = Metric.gauge("specter_queue_jobs_running", { description: "Queue jobs running now, by queue" })

/** How long jobs ran, from start to end, in ms, by `queue` and `outcome`. */
export const queueDuration = Metric.histogram("specter_queue_job_duration_ms", {
  description: "Queue job run time (start to end) in milliseconds, by queue and outcome",
  boundaries: ms
})

/** Writes of persisted state (one transaction each), by `state` and `outcome` (`ok`, `failed`). */
export const persistCommits = Metric.counter("specter_persistence_commits_total", {
  description: "Persistence commits (one durable write transaction each), by state and outcome",
  incremental: true
})

/** How many keys one commit wrote, by `state`: the coalescing of many changes into one fsync. */
export const persistWritesPerCommit = Metric.histogram("specter_persistence_writes_per_commit", {
  description: "Keys written per persistence commit (per fsync), by state",
  boundaries: Metric.exponentialBoundaries({ start: 1, factor: 2, count: 12 })
})

/** How long a commit took, in ms, by `state`. */
export const persistCommitLatency = Metric.histogram("specter_persistence_commit_duration_ms", {
  description: "Persistence commit latency in milliseconds, by state",
  boundaries: ms
})

/** What a bus topic counts (see `Topic` in `bus.ts`). */
export interface TopicCounts {
  readonly name: string
  readonly published: number
  readonly dropped: number
}

/**
 * Reports `topic`'s counters as the `event` series of `busDelivered` and
 * `busDropped`, read when the metrics are read (nothing is done per message),
 * until `scope` closes.
 */
export const observeTopic = (topic: TopicCounts, context: Context.Context<never>, scope: Scope.Scope): void => {
  const noop = () => {}
  const series = (metric: Metric.Counter<number>, read: () => number) =>
    Metric.registerUnsafe(Metric.withAttributes(metric, { event: topic.name }), context, {
      get: () => ({ count: read(), incremental: true }),
      update: noop,
      modify: noop
    })
  const delivered = series(busDelivered, () => topic.published)
  const dropped = series(busDropped, () => topic.dropped)
  Effect.runSync(Scope.addFinalizer(scope, Effect.sync(() => {
    delivered.remove()
    dropped.remove()
  })))
}

type Outcome = "completed" | "failed" | "cancelled"

/** The recorder of queue `queue`'s job run times: `(ms, outcome) => void`. */
export const queueTimer = (queue: string, context: Context.Context<never>) => {
  const by = {
    completed: Metric.withAttributes(queueDuration, { queue, outcome: "completed" }),
    failed: Metric.withAttributes(queueDuration, { queue, outcome: "failed" }),
    cancelled: Metric.withAttributes(queueDuration, { queue, outcome: "cancelled" })
  }
  return (millis: number, outcome: Outcome): void => by[outcome].updateUnsafe(millis, context)
}

/** The `running` gauge of queue `queue`. */
export const queueRunningOf = (queue: string) => Metric.withAttributes(queueRunning, { queue })

/**
 * The timing of the commits of persisted state `state`: `timed(keys)(write)`
 * runs `write` (one commit of `keys` keys) and records its outcome, its latency
 * (on the high-resolution clock) and, when it succeeded, how many keys it wrote.
 */
export const commitTimer = (state: string) => {
  const ok = Metric.withAttributes(persistCommits, { state, outcome: "ok" })
  const failed = Metric.withAttributes(persistCommits, { state, outcome: "failed" })
  const keys = Metric.withAttributes(persistWritesPerCommit, { state })
  const latency = Metric.withAttributes(persistCommitLatency, { state })
  return (written: number) => <A, E, R>(write: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.contextWith((context: Context.Context<never>) => {
      const clock = Context.get(context, Clock.Clock)
      const start = clock.currentTimeNanosUnsafe()
      return Effect.onExit(write, (exit) =>
        Effect.sync(() => {
          if (Exit.isFailure(exit)) return failed.updateUnsafe(1, context)
          ok.updateUnsafe(1, context)
          keys.updateUnsafe(written, context)
          latency.updateUnsafe(Number(clock.currentTimeNanosUnsafe() - start) / 1e6, context)
        }))
    })
}

/** Whether spans are exported from `context` (a tracer other than Effect's native one is installed). */
export const isTraced = (context: Context.Context<never>): boolean => Context.get(context, Tracer.Tracer) !== Tracer.nativeTracer

/** The span `context` runs in, if any: what caused the work it starts. */
export const causeOf = (context: Context.Context<never>): Tracer.AnySpan | undefined =>
  Context.getOrUndefined(context, Tracer.ParentSpan)

/**
 * `handle` with each job in a span `queue.job <queue>` (a trace of its own, linked
 * to the span that enqueued the job); `handle` itself when nothing is traced.
 */
export const jobSpans = <J extends { readonly id: string; readonly cause?: Tracer.AnySpan | undefined }, A, E, R>(
  queue: string,
  handle: (job: J) => Effect.Effect<A, E, R>,
  traced: boolean
): (job: J) => Effect.Effect<A, E, R> =>
  traced
    ? (job) =>
      Effect.withSpan(handle(job), `queue.job ${queue}`, {
        root: true,
        kind: "consumer",
        links: job.cause === undefined ? [] : [{ span: job.cause, attributes: { "specter.link": "enqueued" } }],
        attributes: { "specter.queue": queue, "specter.job": job.id }
      })
    : handle

/**
 * `handler` with each message in a span `bus.listen <event>` (attributes: the
 * event, the listener's label), when the calling context exports spans; `handler`
 * itself otherwise. The span's parent is the listener's owner's span, if any.
 */
export const listenerSpans = <A, X, R>(
  event: string,
  label: string | undefined,
  handler: (payload: A) => Effect.Effect<void, X, R>
): Effect.Effect<(payload: A) => Effect.Effect<void, X, R>> =>
  Effect.map(Effect.context<never>(), (context) =>
    isTraced(context)
      ? (payload: A) =>
        Effect.withSpan(handler(payload), `bus.listen ${event}`, {
          kind: "consumer",
          attributes: { "specter.event": event, "specter.listener": label ?? "listener" }
        })
      : handler)
