/**
 * Durable queues: the jobs travel through an `effect/persistence` `PersistedQueue`
 * on Redis (one worker holds a job's lock while it runs and refreshes it; a job
 * whose worker died is taken again once its lock expires), and each job's record
 * (state, attempts, progress, result) is a JSON value in the Redis hash
 * `<prefix>jobs:<queue>`, so that every node reads and cancels the same jobs. A
 * cancel of a running job is published on `<prefix>cancel:<queue>`; the node that
 * runs it interrupts it.
 *
 * @internal
 */
import { Bus, QueueService } from "@specter-runtime/core"
import { Cause, Duration, Effect, Exit, Fiber, Option, Queue, Schedule, Schema, type Scope, Stream } from "effect"
import { PersistedQueue, Redis } from "effect/persistence"
import { randomUUID } from "node:crypto"

type Job = QueueService.Job<unknown>
type Stored = Omit<Job, "item"> & { readonly item: unknown }

export interface DurableOptions {
  readonly prefix: string
  /** Runs a crashed worker's job may take before the job is given up (failed). */
  readonly maxAttempts: number
}

const finished = (state: QueueService.JobState) => state === "completed" || state === "failed" || state === "cancelled"

/** The `QueueService.DurableQueues` engine on the `Redis` and `PersistedQueueFactory` in context. */
export const make = (options: DurableOptions) =>
  Effect.gen(function*() {
    const redis = yield* Redis.Redis
    const factory = yield* PersistedQueue.PersistedQueueFactory
    const bus = yield* Effect.serviceOption(Bus.Bus)
    return {
      make: (name: string, queueOptions: QueueService.DurableOptions) =>
        makeQueue(name, queueOptions, { ...options, redis, factory, bus: Option.getOrUndefined(bus) })
    }
  })

interface Engine extends DurableOptions {
  readonly redis: Redis.Redis["Service"]
  readonly factory: PersistedQueue.PersistedQueueFactory["Service"]
  readonly bus: Bus.Bus["Service"] | undefined
}

/**
 * The job records of queue `name`: one JSON value per job in a Redis hash; a write
 * also tells this node's bus. Finished jobs are also listed by the time they
 * finished in a sorted set, so that only the newest `history` of them are kept.
 */
const makeRecords = (name: string, options: QueueService.DurableOptions, engine: Engine) => {
  const key = `${engine.prefix}jobs:${name}`
  const finishedKey = `${engine.prefix}jobs-finished:${name}`
  const json = Schema.toCodecJson(options.item as Schema.Codec<unknown, unknown>)
  const decodeItem = Schema.decodeUnknownSync(json)
  const updated = Bus.event<Job>(`${name}:job`)
  const toJob = (stored: Stored): Job => ({ ...stored, item: decodeItem(stored.item) })
  const write = (stored: Stored) =>
    Effect.andThen(
      engine.redis.send("HSET", key, stored.id, JSON.stringify(stored)),
      Effect.sync(() => engine.bus?.emitUnsafe(updated, toJob(stored)))
    )
  return {
    updated,
    toJob,
    encodeItem: Schema.encodeUnknownSync(json),
    decodeItem,
    read: (id: string) =>
      Effect.map(engine.redis.send<string | null>("HGET", key, id), (raw) => (raw === null ? undefined : JSON.parse(raw) as Stored)),
    write,
    /** Records a job's end, then drops the records of the finished jobs beyond `history`, oldest first. */
    finish: (stored: Stored) =>
      Effect.gen(function*() {
        yield* write(stored)
        yield* engine.redis.send("ZADD", finishedKey, String(stored.finishedAt ?? Date.now()), stored.id)
        // Every finished job but the newest `history`, oldest first (none while there are fewer).
        const ids = yield* engine.redis.send<ReadonlyArray<string>>("ZRANGE", finishedKey, "0", String(-options.history - 1))
        if (ids.length === 0) return
        yield* engine.redis.send("ZREM", finishedKey, ...ids)
        yield* engine.redis.send("HDEL", key, ...ids)
      }),
    all: Effect.map(engine.redis.send<ReadonlyArray<string>>("HVALS", key), (values) =>
      values.map((raw) => JSON.parse(raw) as Stored).sort((a, b) => a.enqueuedAt - b.enqueuedAt))
  }
}
type Records = ReturnType<typeof makeRecords>

/**
 * Runs one delivery of job `id` (attempt `attempts`) on a fiber of its own, kept in
 * `running` so that a cancel can interrupt it, and records how it ended. A job whose
 * record is finished already (cancelled while queued, or completed before a crash
 * redelivered it) is only acknowledged.
 */
const runJob = (records: Records, options: QueueService.DurableOptions, running: Map<string, Fiber.Fiber<unknown, unknown>>) =>
(id: string, item: unknown, attempts: number) =>
  Effect.gen(function*() {
    const before = yield* records.read(id)
    if (before === undefined || finished(before.state)) return
    let record: Stored = { ...before, state: "running", attempts, startedAt: Date.now() }
    yield* records.write(record)
    const context: QueueService.JobContext = {
      id,
      attempt: attempts,
      progress: (percent, message) =>
        Effect.suspend(() => {
          record = { ...record, progress: { percent: Math.min(100, Math.max(0, percent)), message } }
          return records.write(record)
        }).pipe(Effect.orDie, Effect.asVoid)
    }
    const handled = options.retry === undefined
      ? options.handle(records.decodeItem(item), context)
      : Effect.retry(options.handle(records.decodeItem(item), context), options.retry)
    const fiber = yield* Effect.forkChild(handled)
    running.set(id, fiber)
    const exit = yield* Fiber.await(fiber).pipe(Effect.ensuring(Effect.sync(() => running.delete(id))))
    const end = Exit.isSuccess(exit)
      ? { state: "completed" as const, reason: undefined, progress: { percent: 100, message: record.progress.message } }
      : Cause.hasInterruptsOnly(exit.cause)
      ? { state: "cancelled" as const, reason: "cancelled", progress: record.progress }
      : { state: "failed" as const, reason: Cause.pretty(exit.cause), progress: record.progress }
    yield* records.finish({ ...record, ...end, finishedAt: Date.now() })
  })

/** One durable queue on this node: its persisted queue, its job records and the jobs it runs now. */
interface Live {
  readonly name: string
  readonly options: QueueService.DurableOptions
  readonly engine: Engine
  readonly queue: PersistedQueue.PersistedQueue<{ readonly id: string; readonly item: unknown }>
  readonly records: Records
  readonly running: Map<string, Fiber.Fiber<unknown, unknown>>
  /** Where a cancel of a running job is published. */
  readonly channel: string
}

const makeQueue = (name: string, options: QueueService.DurableOptions, engine: Engine): Effect.Effect<QueueService.QueueService<unknown>, never, Scope.Scope> =>
  Effect.gen(function*() {
    const queue: Live["queue"] = yield* engine.factory.make({
      name,
      schema: Schema.Struct({ id: Schema.String, item: Schema.Unknown }),
      maxAttempts: engine.maxAttempts,
      retrySchedule: Schedule.spaced("100 millis")
    })
    const live: Live = {
      name,
      options,
      engine,
      queue,
      records: makeRecords(name, options, engine),
      running: new Map(),
      channel: `${engine.prefix}cancel:${name}`
    }
    yield* startWorkers(live)
    return service(live)
  })

/** Forks the queue's workers and the listener that interrupts a job cancelled on another node. */
const startWorkers = (live: Live): Effect.Effect<void, never, Scope.Scope> =>
  Effect.gen(function*() {
    const { name, queue, running } = live
    const run = runJob(live.records, live.options, running)
    const worker = Effect.forever(
      queue.take((value, meta) => run(value.id, value.item, meta.attempts)).pipe(
        Effect.catchCause((cause) =>
          Cause.hasInterruptsOnly(cause) ? Effect.failCause(cause) : Effect.logWarning(`durable queue '${name}': a take failed`, cause).pipe(Effect.andThen(Effect.sleep("500 millis")))
        )
      )
    )
    for (let n = 0; n < live.options.workers; n++) yield* Effect.forkScoped(worker)
    const cancels = yield* live.engine.redis.subscribe(live.channel)
    yield* Effect.forkScoped(Effect.forever(Effect.flatMap(Queue.take(cancels), (message) => {
      const fiber = running.get(message.message)
      return fiber === undefined ? Effect.void : Fiber.interrupt(fiber)
    })).pipe(Effect.ignore))
  })

/** The `QueueService` of `live`. */
const service = (live: Live): QueueService.QueueService<unknown> => {
  const { name, options, records: { all, read, toJob, updated } } = live
  const enqueue = enqueueIn(live)
  // The record every 100 ms until the job has finished (or has no record).
  const awaitJob = (id: string): Effect.Effect<Job, QueueService.JobNotFound> =>
    Effect.repeat(Effect.orDie(read(id)), {
      until: (stored) => stored === undefined || finished(stored.state),
      schedule: Schedule.spaced("100 millis")
    }).pipe(Effect.flatMap((stored) =>
      stored === undefined ? Effect.fail(new QueueService.JobNotFound({ queue: name, id })) : Effect.succeed(toJob(stored))
    ))
  const stats = Effect.map(Effect.orDie(all), (jobs) => {
    const counts = { workers: options.workers, queued: 0, running: 0, completed: 0, failed: 0, cancelled: 0 }
    for (const job of jobs) counts[job.state]++
    return counts
  })
  return {
    name,
    updated,
    enqueue,
    submit: (input) => Effect.flatMap(options.validate(input), enqueue),
    job: (id) => Effect.map(Effect.orDie(read(id)), (stored) => Option.map(Option.fromUndefinedOr(stored), toJob)),
    jobs: Effect.map(Effect.orDie(all), (jobs) => jobs.map(toJob)),
    await: awaitJob,
    cancel: cancelIn(live),
    pending: Effect.map(stats, (s) => s.queued),
    stats,
    changes: Stream.fromEffectSchedule(stats, Schedule.spaced("1 second")).pipe(Stream.changesWith((a, b) => JSON.stringify(a) === JSON.stringify(b)))
  }
}

/** Records a new job as queued, then offers it to the persisted queue; returns its id. */
const enqueueIn = ({ name, queue, records: { encodeItem, write } }: Live) => (item: unknown): Effect.Effect<string> =>
  Effect.gen(function*() {
    const id = `${name}-${randomUUID()}`
    const encoded = encodeItem(item)
    yield* write({
      id,
      queue: name,
      item: encoded,
      state: "queued",
      attempts: 0,
      progress: { percent: 0, message: undefined },
      reason: undefined,
      enqueuedAt: Date.now(),
      startedAt: undefined,
      finishedAt: undefined
    })
    yield* queue.offer({ id, item: encoded }, { id })
    return id
  }).pipe(Effect.orDie)

/**
 * Cancels job `id`: a queued job is recorded cancelled (its delivery is then only
 * acknowledged); a running one is interrupted by the node that runs it, and this
 * waits (a bounded while) until that node has recorded the end.
 */
const cancelIn = ({ channel, engine: { redis }, records: { finish, read } }: Live) => (id: string): Effect.Effect<boolean> =>
  Effect.gen(function*() {
    const stored = yield* read(id)
    if (stored === undefined || finished(stored.state)) return false
    if (stored.state === "queued") {
      yield* finish({ ...stored, state: "cancelled", reason: "cancelled", finishedAt: Date.now() })
      return true
    }
    yield* redis.send("PUBLISH", channel, id)
    yield* Effect.repeat(read(id), {
      until: (now) => now === undefined || finished(now.state),
      schedule: Schedule.spaced("50 millis")
    }).pipe(Effect.timeoutOption(Duration.seconds(10)))
    return true
  }).pipe(Effect.orDie)
