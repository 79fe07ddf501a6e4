/**
 * The QueueService runtime. Jobs go through one Effect `Queue`; each worker is a
 * fiber the service owns that takes a job and runs the handler on itself (no fiber
 * per job). Cancelling a running job interrupts its worker, which is replaced.
 *
 * Job transitions are synchronous: a new immutable record, counters, a bus emit.
 * The service state (`QueueState`) follows the counters through one flusher fiber
 * that coalesces bursts into one update, so a busy queue does not pay a
 * `SubscriptionRef` update per transition; `stats` reads the counters directly.
 *
 * Stopping runs the drain as the service's first `onStop` hook: no new jobs, the
 * workers finish what is queued for up to `drainTimeout`, jobs still queued are
 * cancelled before they start, and the teardown that follows interrupts the jobs
 * still running, whose records then say so.
 *
 * @internal
 */
import { Cause, Clock, Deferred, Duration, Effect, Fiber, Option, Queue, type Schema } from "effect"
import * as Bus from "../Bus.ts"
import { validate } from "../Validation.ts"
import { JobNotFound, QueueFull } from "../QueueError.ts"
import type * as QS from "../QueueService.ts"
import * as Service from "../Service.ts"
import { JobEntry } from "./job.ts"
import { JobTable } from "./jobTable.ts"
import { Mailbox } from "./mailbox.ts"

type Counts = { -readonly [K in Exclude<keyof QS.QueueState, "workers">]: number }

const DEFAULT_DRAIN = Duration.seconds(10)

/** The bus event of queue `queue`'s job changes (see `QueueService.jobUpdated`). */
export const jobUpdated = <A = unknown>(queue: string): Bus.Event<QS.Job<A>> => Bus.event<QS.Job<A>>(`${queue}:job`)

export const start = <S extends Schema.Top, E, R>(name: string, options: QS.Options<S, E, R>) =>
  Effect.gen(function*() {
    type A = S["Type"]
    const bus = yield* Bus.Bus
    const clock = yield* Clock.Clock
    const workers = Math.max(1, Math.floor(options.workers ?? 1))
    const capacity = options.capacity === undefined ? undefined : Math.max(1, Math.floor(options.capacity))
    const keep = Math.max(0, Math.floor(options.history ?? 1000))
    // Unbounded underneath: capacity counts queued jobs, so a cancelled job that is
    // still in the queue (it is skipped when taken) does not hold a place.
    const queue = yield* Queue.make<JobEntry<A>>()
    const roomWaiters = new Set<() => void>()
    const hasRoom = () => capacity === undefined || counts.queued < capacity
    const signalRoom = () => {
      for (const wake of [...roomWaiters]) wake()
    }
    const nextRoom = Effect.callback<void>((resume) => {
      const wake = () => {
        roomWaiters.delete(wake)
        resume(Effect.void)
      }
      roomWaiters.add(wake)
      return Effect.sync(() => void roomWaiters.delete(wake))
    })
    const updatedEvent = jobUpdated<A>(name)
    const updated = bus.publisher(updatedEvent)
    const active = new JobTable<JobEntry<A>>()
    // The last `keep` finished jobs, oldest overwritten first; looked up by a scan,
    // which only `job`, `jobs` and `await` do.
    const history: Array<JobEntry<A> | undefined> = new Array(keep)
    let historyNext = 0
    const historyFind = (seq: number) => {
      for (let i = 0; i < keep; i++) if (history[i]?.seq === seq) return history[i]!.snapshot()
      return undefined
    }
    const historyValues = () => {
      const out: Array<QS.Job<A>> = []
      for (let i = 0; i < keep; i++) {
        const entry = history[(historyNext + i) % keep]
        if (entry !== undefined) out.push(entry.snapshot())
      }
      return out
    }
    const waiters = new Map<number, Deferred.Deferred<QS.Job<A>>>()
    const counts: Counts = { queued: 0, running: 0, completed: 0, failed: 0, cancelled: 0 }
    const stats = (): QS.QueueState => ({ workers, ...counts })
    // A mailbox of one: the first change after a flush wakes the flusher, later ones are dropped.
    const markDirty = () => void changed.offer(undefined)
    const changed = new Mailbox<void>(1, "dropping")
    let accepting = true
    let idle: Deferred.Deferred<void> | undefined
    let next = 0

    /** Records a change of `entry`: counters, the bus (only if someone listens), the state flusher. */
    const changedJob = (entry: JobEntry<A>, from?: "queued" | "running") => {
      entry.touch()
      if (from !== undefined) {
        if (from === "queued") {
          counts.queued--
          if (roomWaiters.size > 0) signalRoom()
        } else counts.running--
        switch (entry.state) {
          case "running":
            counts.running++
            break
          case "completed":
            counts.completed++
            break
          case "failed":
            counts.failed++
            break
          case "cancelled":
            counts.cancelled++
            break
        }
      }
      if (updated.active) updated.emit(entry.snapshot())
      markDirty()
    }

    const onProgress = (entry: JobEntry<A>) => changedJob(entry)

    const finish = (entry: JobEntry<A>, state: "completed" | "failed" | "cancelled", reason?: string) => {
      const from = entry.state
      if (from !== "queued" && from !== "running") return
      entry.state = state
      entry.reason = reason
      entry.finishedAt = clock.currentTimeMillisUnsafe()
      if (state === "completed") entry.percent = 100
      entry.worker = undefined
      changedJob(entry, from)
      active.delete(entry.seq)
      if (keep > 0) {
        history[historyNext] = entry
        if (++historyNext === keep) historyNext = 0
      }
      if (waiters.size > 0) {
        const waiter = waiters.get(entry.seq)
        if (waiter !== undefined) {
          waiters.delete(entry.seq)
          Deferred.doneUnsafe(waiter, Effect.succeed(entry.snapshot()))
        }
      }
      if (idle !== undefined && active.size === 0) Deferred.doneUnsafe(idle, Effect.void)
    }

    const [, api] = yield* Service.start(name, stats(), (self) =>
      Effect.gen(function*() {
        // The service state follows the counters, one update per burst.
        const flush = Effect.suspend(() => self.setState(stats()))
        const flushWhenChanged = Effect.andThen(
          changed.awaitMessages,
          Effect.andThen(
            Effect.sync(() => changed.drain()),
            flush
          )
        )
        yield* self.spawn(Effect.forever(flushWhenChanged, { disableYield: true }), { label: "state" })
        yield* self.addCleanup(flush)

        const begin = (entry: JobEntry<A>, worker: Fiber.Fiber<unknown, unknown> | undefined) => {
          entry.state = "running"
          entry.startedAt = clock.currentTimeMillisUnsafe()
          entry.attempts = 1
          entry.worker = worker
          changedJob(entry, "queued")
        }

        // The first attempt is counted by `begin`; a retry counts its own.
        const handle = (entry: JobEntry<A>): Effect.Effect<unknown, E, R> => {
          if (options.retry === undefined) return options.handle(entry.item, entry)
          let attempt = 0
          return Effect.retry(
            Effect.suspend(() => {
              if (++attempt > 1) {
                entry.attempts = attempt
                changedJob(entry)
              }
              return options.handle(entry.item, entry)
            }),
            options.retry
          )
        }

        const failed = (entry: JobEntry<A>, cause: Cause.Cause<E>) =>
          Effect.andThen(
            Effect.logWarning(`queue '${name}': job '${entry.id}' failed`, cause),
            Effect.sync(() => finish(entry, "failed", Cause.pretty(cause)))
          )

        /**
         * A worker takes jobs one by one and runs each on itself, with no Effect
         * wrapped around a single job: a job that completes is recorded in the loop's
         * `step`; a job that fails ends its worker, and the worker's one `catchCause`
         * records the failure and starts a replacement; an interruption (a cancel, the
         * end of a stop) is recorded by the worker's one `onInterrupt`. Failures are
         * rare, so the common path pays for none of it. No yield per job either: the
         * fiber yields when the queue is empty or its op budget is spent.
         */
        const worker = (n: number): Effect.Effect<void, never, R> => {
          let current: JobEntry<A> | undefined
          let fiber: Fiber.Fiber<unknown, unknown> | undefined
          const run = (entry: JobEntry<A>): Effect.Effect<unknown, E, R> => {
            if (entry.cancelled) return Effect.void
            current = entry
            begin(entry, fiber ??= Fiber.getCurrent())
            return handle(entry)
          }
          return Effect.whileLoop({
            while: () => true,
            body: () => Effect.flatMap(Queue.take(queue), run),
            step: () => {
              if (current !== undefined) finish(current, "completed")
              current = undefined
            }
          }).pipe(
            Effect.catchCause((cause) => {
              const entry = current
              current = undefined
              return Effect.andThen(
                entry === undefined ? Effect.logError(`queue '${name}': worker ${n} failed`, cause) : failed(entry, cause),
                Effect.ignore(Effect.provideContext(spawnWorker(), services))
              )
            }),
            Effect.onInterrupt(() =>
              Effect.suspend(() => {
                const entry = current
                if (entry === undefined) return Effect.void
                finish(entry, "cancelled", entry.cancelReason ?? "interrupted: the queue stopped")
                // A cancel ends the worker with its job; a new one takes its place.
                return entry.cancelReason === "cancelled" && (accepting || active.size > 0)
                  ? Effect.ignore(spawnWorker())
                  : Effect.void
              })),
            Effect.annotateLogs({ worker: n })
          ) as Effect.Effect<void, never, R>
        }

        // What the handler and the item Schema need, for workers and submits started later.
        const services = yield* Effect.context<R | S["DecodingServices"]>()
        let spawned = 0
        const spawnWorker = () => {
          const n = ++spawned
          return self.spawn(worker(n), { label: `worker-${n}` })
        }
        for (let n = 1; n <= workers; n++) yield* spawnWorker()

        // Stopping: no new jobs (waiting enqueuers give up); let the workers drain;
        // cancel what never started. The teardown then interrupts the workers.
        yield* self.onStop(Effect.gen(function*() {
          accepting = false
          signalRoom()
          const drainTimeout = options.drainTimeout === undefined ? DEFAULT_DRAIN : Duration.fromInputUnsafe(options.drainTimeout)
          if (active.size > 0) {
            idle = yield* Deferred.make<void>()
            yield* Effect.timeoutOption(Deferred.await(idle), drainTimeout)
          }
          for (const entry of [...active.values()]) {
            if (entry.state === "queued") {
              entry.cancelled = true
              finish(entry, "cancelled", "the queue stopped before the job ran")
            } else entry.cancelReason = "interrupted: the queue stopped before the job finished"
          }
        }))

        const notRunning = (operation: string) =>
          Effect.flatMap(self.status, (status) => Effect.fail(new Service.ServiceNotRunning({ service: name, status, operation })))

        const admit = (entry: JobEntry<A>) => {
          counts.queued++
          if (updated.active) updated.emit(entry.snapshot())
          markDirty()
          return entry.id
        }

        const offer = (item: A) => {
          const entry = new JobEntry(++next, name, item, clock.currentTimeMillisUnsafe(), onProgress)
          active.add(entry)
          Queue.offerUnsafe(queue, entry)
          return admit(entry)
        }
        const full = () => new QueueFull({ queue: name, capacity: capacity ?? Infinity })
        // Waits until there is room (or the queue stops); other enqueuers may win the
        // room first, so it looks again after every wake-up.
        const awaitRoom: Effect.Effect<void> = Effect.suspend(() =>
          hasRoom() || !accepting ? Effect.void : Effect.andThen(nextRoom, awaitRoom))

        const enqueue: QS.QueueService<A>["enqueue"] = (item, enqueueOptions) =>
          Effect.suspend((): Effect.Effect<string, QueueFull | Service.ServiceNotRunning> => {
            if (!accepting) return notRunning("enqueue")
            if (hasRoom()) return Effect.succeed(offer(item))
            if (enqueueOptions?.timeout === undefined) return Effect.fail(full())
            return Effect.flatMap(Effect.timeoutOption(awaitRoom, enqueueOptions.timeout), (waited) =>
              Effect.suspend((): Effect.Effect<string, QueueFull | Service.ServiceNotRunning> => {
                if (!accepting) return notRunning("enqueue")
                return Option.isSome(waited) && hasRoom() ? Effect.succeed(offer(item)) : Effect.fail(full())
              }))
          })

        const find = (id: string): QS.Job<A> | undefined => {
          const seq = JobEntry.seqOf(name, id)
          return seq === undefined ? undefined : active.get(seq)?.snapshot() ?? historyFind(seq)
        }

        const api: QS.QueueService<A> = {
          name,
          service: self,
          updated: updatedEvent,
          enqueue,
          submit: (input, enqueueOptions) =>
            Effect.flatMap(Effect.provideContext(validate(options.item, input), services), (item) => enqueue(item, enqueueOptions)),
          job: (id) => Effect.sync(() => Option.fromNullishOr(find(id))),
          jobs: Effect.sync(() => [...active.values().map((e) => e.snapshot()), ...historyValues()]),
          await: (id) =>
            Effect.suspend(() => {
              const seq = JobEntry.seqOf(name, id)
              if (seq === undefined) return Effect.fail(new JobNotFound({ queue: name, id }))
              if (active.get(seq) === undefined) {
                const done = historyFind(seq)
                return done === undefined ? Effect.fail(new JobNotFound({ queue: name, id })) : Effect.succeed(done)
              }
              let waiter = waiters.get(seq)
              if (waiter === undefined) {
                waiter = Deferred.makeUnsafe<QS.Job<A>>()
                waiters.set(seq, waiter)
              }
              return Deferred.await(waiter)
            }),
          cancel: (id) =>
            Effect.suspend(() => {
              const seq = JobEntry.seqOf(name, id)
              const entry = seq === undefined ? undefined : active.get(seq)
              if (entry === undefined || entry.cancelled) return Effect.succeed(false)
              entry.cancelled = true
              entry.cancelReason = "cancelled"
              if (entry.state === "queued") {
                finish(entry, "cancelled", "cancelled")
                return Effect.succeed(true)
              }
              // A running job has its worker; interrupting it ends the job (the worker
              // replaces itself). A job cancelling itself is interrupted at its next
              // suspension instead of waiting on its own end.
              const fiber = entry.worker!
              return fiber === Fiber.getCurrent()
                ? Effect.as(Effect.forkDetach(Fiber.interrupt(fiber)), true)
                : Effect.as(Fiber.interrupt(fiber), true)
            }),
          pending: Effect.sync(() => counts.queued),
          stats: Effect.sync(stats)
        }
        return api
      }))
    return api
  })
