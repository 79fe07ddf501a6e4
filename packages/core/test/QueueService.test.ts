/**
 * QueueService: specter-behaviour.md §3 and weakness 29.
 *
 * Not ported: QS-02 (poll interval: workers block on the queue, they do not poll),
 * QS-09 (on_workers_started/stopping hooks: what runs after the workers start is
 * the code after `QueueService.make`; what runs before they stop is a finalizer
 * added after it), QS-12 (restart: a queue is a Layer; a durable queue that
 * survives restarts is the cluster package's job).
 */
import { TestLogger, TestSpecter } from "@specter-runtime/testing"
import { assert, describe, it } from "@effect/vitest"
import { Bus, QueueService, Registry } from "@specter-runtime/core"
import { Context, Deferred, Effect, Exit, Fiber, Metric, Option, Schedule, Schema, Scope, Stream } from "effect"
import { TestClock } from "effect/testing"

const Task = Schema.Struct({ n: Schema.Number })

/** Starts a queue in a scope of its own. */
const startQueue = <E = never>(options: Omit<QueueService.Options<typeof Task, E, never>, "item">, name = "work") =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const queue = yield* Scope.provide(QueueService.make(name, { item: Task, ...options }), scope)
    return { queue, scope }
  })

describe("QueueService", () => {
  it.effect("QS-01 workers: 3 run three jobs at once; 0 runs one", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      const started: Array<string> = []
      const blocking = (name: string) => () => Effect.andThen(Effect.sync(() => void started.push(name)), Deferred.await(gate))
      const three = yield* startQueue({ workers: 3, handle: blocking("three") }, "three")
      const zero = yield* startQueue({ workers: 0, handle: blocking("zero") }, "zero")
      for (let n = 0; n < 5; n++) {
        yield* three.queue.enqueue({ n })
        yield* zero.queue.enqueue({ n })
      }
      yield* Effect.yieldNow
      yield* Effect.yieldNow
      assert.deepStrictEqual([started.filter((s) => s === "three").length, started.filter((s) => s === "zero").length], [3, 1])
      assert.deepStrictEqual([(yield* three.queue.stats).workers, (yield* zero.queue.stats).workers], [3, 1])
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("QS-03 (weakness 29) the state shows the effective worker count and the job counts", () =>
    Effect.gen(function*() {
      const { queue } = yield* startQueue({ workers: 0, handle: () => Effect.void })
      assert.deepStrictEqual(yield* queue.stats, { workers: 1, queued: 0, running: 0, completed: 0, failed: 0, cancelled: 0 })
      assert.deepStrictEqual(yield* Stream.runHead(queue.changes), Option.some(yield* queue.stats))
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("QS-04 a full bounded queue refuses a new job at once with QueueFull", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      const { queue } = yield* startQueue({ capacity: 2, handle: () => Deferred.await(gate) })
      yield* queue.enqueue({ n: 1 })
      yield* Effect.yieldNow
      yield* queue.enqueue({ n: 2 })
      yield* queue.enqueue({ n: 3 })
      const error = yield* Effect.flip(queue.enqueue({ n: 4 }))
      assert.deepStrictEqual([error._tag, error.message], ["QueueFull", "queue 'work' is full (2 jobs)"])
      assert.strictEqual(yield* queue.pending, 2)
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("a cancelled queued job gives its place back at once", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      const { queue } = yield* startQueue({ capacity: 1, handle: () => Deferred.await(gate) })
      yield* queue.enqueue({ n: 1 })
      yield* Effect.yieldNow
      const waiting = yield* queue.enqueue({ n: 2 })
      assert.strictEqual((yield* Effect.flip(queue.enqueue({ n: 3 })))._tag, "QueueFull")
      const blocked = yield* Effect.forkChild(queue.enqueue({ n: 4 }, { timeout: "1 minute" }))
      yield* Effect.yieldNow
      assert.isTrue(yield* queue.cancel(waiting))
      assert.match(yield* Fiber.join(blocked), /^work-/)
      assert.strictEqual(yield* queue.pending, 1)
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("QS-05 an unbounded queue takes 10 000 jobs", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      const { queue } = yield* startQueue({ handle: () => Deferred.await(gate) })
      for (let n = 0; n < 10_000; n++) yield* queue.enqueue({ n })
      assert.strictEqual(yield* queue.pending, 9_999)
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("QS-06 one worker handles jobs in FIFO order", () =>
    Effect.gen(function*() {
      const seen: Array<number> = []
      const { queue } = yield* startQueue({ handle: ({ n }) => Effect.sync(() => void seen.push(n)) })
      const ids = []
      for (let n = 0; n < 20; n++) ids.push(yield* queue.enqueue({ n }))
      yield* queue.await(ids.at(-1)!)
      assert.deepStrictEqual(seen, Array.from({ length: 20 }, (_, n) => n))
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("QS-07 a failing job is marked failed and logged; the worker goes on with the next", () =>
    Effect.gen(function*() {
      const { queue } = yield* startQueue({ handle: ({ n }) => (n === 1 ? Effect.fail("bad item") : Effect.void) })
      const bad = yield* queue.enqueue({ n: 1 })
      const good = yield* queue.enqueue({ n: 2 })
      const [failed, done] = [yield* queue.await(bad), yield* queue.await(good)]
      assert.strictEqual(failed.state, "failed")
      assert.include(failed.reason, "bad item")
      assert.strictEqual(done.state, "completed")
      assert.include((yield* TestLogger.TestLogger).at("Warn")[0]!.message, `job '${bad}' failed`)
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("QS-08 stats follow every queue change at once; changes and the metrics follow each burst", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      const { queue } = yield* startQueue({ handle: () => Deferred.await(gate) })
      const first = yield* queue.enqueue({ n: 1 })
      assert.deepInclude(yield* queue.stats, { queued: 1, running: 0 })
      yield* queue.enqueue({ n: 2 })
      yield* Effect.yieldNow
      assert.deepInclude(yield* queue.stats, { queued: 1, running: 1, completed: 0 })
      assert.strictEqual(yield* queue.pending, 1)
      const latest = Effect.map(Stream.runHead(queue.changes), Option.getOrThrow)
      yield* Effect.yieldNow
      assert.deepStrictEqual(yield* latest, yield* queue.stats)
      yield* Deferred.succeed(gate, undefined)
      yield* queue.await(first)
      yield* Effect.yieldNow
      assert.deepInclude(yield* queue.stats, { queued: 0, running: 0, completed: 2 })
      yield* Effect.yieldNow
      assert.deepStrictEqual(yield* latest, yield* queue.stats)
      const completed = yield* Metric.value(Metric.withAttributes(QueueService.jobsFinished, { queue: "work", outcome: "completed" }))
      assert.isAtLeast(Number(completed.count), 2)
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("QS-10 (changed) once stopping, enqueue fails with ServiceNotRunning instead of queueing silently", () =>
    Effect.gen(function*() {
      const { queue, scope } = yield* startQueue({ handle: () => Effect.void })
      yield* Scope.close(scope, Exit.void)
      const error = yield* Effect.flip(queue.enqueue({ n: 1 }))
      assert.deepStrictEqual([error._tag, error._tag === "ServiceNotRunning" ? error.status : ""], ["ServiceNotRunning", "stopped"])
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("QS-11 enqueue with a timeout waits for room, and fails with QueueFull after the timeout", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      const { queue } = yield* startQueue({ capacity: 1, handle: () => Deferred.await(gate) })
      yield* queue.enqueue({ n: 1 })
      yield* Effect.yieldNow
      yield* queue.enqueue({ n: 2 })
      const waiting = yield* Effect.forkChild(Effect.flip(queue.enqueue({ n: 3 }, { timeout: "2 seconds" })))
      yield* TestClock.adjust("1999 millis")
      assert.isUndefined(waiting.pollUnsafe())
      yield* TestClock.adjust("1 millis")
      assert.strictEqual((yield* Fiber.join(waiting))._tag, "QueueFull")
      const admitted = yield* Effect.forkChild(queue.enqueue({ n: 4 }, { timeout: "2 seconds" }))
      yield* TestClock.adjust("1 second")
      yield* Deferred.succeed(gate, undefined)
      assert.match(yield* Fiber.join(admitted), /^work-/)
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("every job has an id and a status record with progress reported from the handler", () =>
    Effect.gen(function*() {
      const { queue } = yield* startQueue({
        handle: (_, job) => Effect.andThen(job.progress(40, "resizing"), job.progress(150))
      })
      const id = yield* queue.enqueue({ n: 7 })
      const job = yield* queue.await(id)
      assert.deepInclude(job, { id, queue: "work", item: { n: 7 }, state: "completed", attempts: 1 })
      assert.deepStrictEqual(job.progress, { percent: 100, message: undefined })
      assert.deepStrictEqual(yield* queue.job(id), Option.some(job))
      assert.isTrue(Exit.isFailure(yield* Effect.exit(queue.await("work-nope"))))
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("job changes are published on the bus as <name>:job", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      const { queue } = yield* startQueue({ handle: (_, job) => job.progress(50, "half") })
      assert.strictEqual(queue.updated.name, QueueService.jobUpdated("work").name)
      yield* Bus.on(queue.updated, (job) => void seen.push(`${job.state} ${job.progress.percent}`))
      yield* queue.await(yield* queue.enqueue({ n: 1 }))
      yield* Effect.yieldNow
      yield* Effect.yieldNow
      assert.deepStrictEqual(seen, ["queued 0", "running 0", "running 50", "completed 100"])
    }).pipe(Effect.provide(TestSpecter.layer), Effect.scoped))

  it.effect("cancel: a queued job never starts; a running job is interrupted and its worker replaced", () =>
    Effect.gen(function*() {
      const started: Array<number> = []
      const { queue } = yield* startQueue({ handle: ({ n }) => Effect.andThen(Effect.sync(() => void started.push(n)), Effect.never) })
      const running = yield* queue.enqueue({ n: 1 })
      const queued = yield* queue.enqueue({ n: 2 })
      const after = yield* queue.enqueue({ n: 3 })
      yield* Effect.yieldNow
      assert.isTrue(yield* queue.cancel(queued))
      assert.isTrue(yield* queue.cancel(running))
      assert.isFalse(yield* queue.cancel(running))
      assert.isFalse(yield* queue.cancel("work-unknown"))
      assert.deepInclude(yield* queue.await(running), { state: "cancelled", reason: "cancelled" })
      assert.deepInclude(yield* queue.await(queued), { state: "cancelled", reason: "cancelled" })
      yield* Effect.yieldNow
      yield* Effect.yieldNow
      assert.deepStrictEqual(started, [1, 3])
      assert.strictEqual((yield* queue.job(after)).pipe(Option.map((j) => j.state), Option.getOrNull), "running")
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("a job that cancels itself ends cancelled, and a new worker takes the next job", () =>
    Effect.gen(function*() {
      const done: Array<number> = []
      const self: { queue?: QueueService.QueueService<typeof Task.Type> } = {}
      const { queue } = yield* startQueue({
        handle: ({ n }, job): Effect.Effect<void> =>
          n === 1 ? Effect.andThen(self.queue!.cancel(job.id), Effect.never) : Effect.sync(() => void done.push(n))
      })
      self.queue = queue
      const first = yield* queue.enqueue({ n: 1 })
      const second = yield* queue.enqueue({ n: 2 })
      assert.deepInclude(yield* queue.await(first), { state: "cancelled", reason: "cancelled" })
      assert.strictEqual((yield* queue.await(second)).state, "completed")
      assert.deepStrictEqual(done, [2])
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("stopping an idle queue logs no error", () =>
    Effect.gen(function*() {
      const { queue, scope } = yield* startQueue({ workers: 2, handle: () => Effect.void })
      yield* queue.await(yield* queue.enqueue({ n: 1 }))
      yield* Scope.close(scope, Exit.void)
      assert.deepStrictEqual((yield* TestLogger.TestLogger).at("Error"), [])
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("a failing job is retried on its Schedule before it fails; attempts are counted", () =>
    Effect.gen(function*() {
      let calls = 0
      const { queue } = yield* startQueue({
        retry: Schedule.recurs(2),
        handle: () => Effect.suspend(() => (++calls < 3 ? Effect.fail("flaky") : Effect.void))
      })
      const job = yield* queue.await(yield* queue.enqueue({ n: 1 }))
      assert.deepInclude(job, { state: "completed", attempts: 3 })
      calls = -10
      const failed = yield* queue.await(yield* queue.enqueue({ n: 2 }))
      assert.deepInclude(failed, { state: "failed", attempts: 3 })
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("the history of finished jobs is bounded", () =>
    Effect.gen(function*() {
      const { queue } = yield* startQueue({ history: 3, handle: () => Effect.void })
      const ids = []
      for (let n = 0; n < 6; n++) ids.push(yield* queue.enqueue({ n }))
      yield* queue.await(ids[5]!)
      assert.deepStrictEqual((yield* queue.jobs).map((j) => j.id), ids.slice(3))
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("submit validates untrusted input with the item Schema", () =>
    Effect.gen(function*() {
      const { queue } = yield* startQueue({ handle: () => Effect.void })
      const error = yield* Effect.flip(queue.submit({ n: "seven" }))
      assert.strictEqual(error._tag, "ValidationError")
      assert.match(yield* queue.submit({ n: 7 }), /^work-/)
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("stop drains queued jobs within the drain timeout", () =>
    Effect.gen(function*() {
      const { queue, scope } = yield* startQueue({ workers: 2, handle: () => Effect.sleep("1 second") })
      const ids = []
      for (let n = 0; n < 4; n++) ids.push(yield* queue.enqueue({ n }))
      const closing = yield* Effect.forkChild(Scope.close(scope, Exit.void))
      yield* TestClock.adjust("2 seconds")
      yield* Fiber.join(closing)
      const states = yield* Effect.forEach(ids, (id) => Effect.map(queue.job(id), Option.map((j) => j.state)))
      assert.deepStrictEqual(states, ids.map(() => Option.some("completed")))
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("stop past the drain timeout interrupts running jobs and cancels queued ones, each with a reason", () =>
    Effect.gen(function*() {
      const { queue, scope } = yield* startQueue({ drainTimeout: "5 seconds", handle: () => Effect.sleep("1 minute") })
      const running = yield* queue.enqueue({ n: 1 })
      const queued = yield* queue.enqueue({ n: 2 })
      yield* Effect.yieldNow
      const closing = yield* Effect.forkChild(Scope.close(scope, Exit.void))
      yield* TestClock.adjust("5 seconds")
      yield* Fiber.join(closing)
      assert.deepInclude(Option.getOrThrow(yield* queue.job(running)), {
        state: "cancelled",
        reason: "interrupted: the queue stopped before the job finished"
      })
      assert.deepInclude(Option.getOrThrow(yield* queue.job(queued)), {
        state: "cancelled",
        reason: "the queue stopped before the job ran"
      })
      assert.deepInclude(yield* queue.stats, { queued: 0, running: 0, cancelled: 2 })
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("a QueueService.layer provides the queue by its Context.Service class", () =>
    Effect.gen(function*() {
      class Work extends Context.Service<Work, QueueService.QueueService<typeof Task.Type>>()("app/Work") {}
      const WorkLive = QueueService.layer(Work, { name: "tagged", item: Task, handle: () => Effect.void })
      const id = yield* Effect.flatMap(Work, (work) => Effect.flatMap(work.enqueue({ n: 1 }), work.await)).pipe(
        Effect.provide(WorkLive)
      )
      assert.strictEqual(id.state, "completed")
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("a running queue is listed in the Registry under registryKey(name) until its scope closes", () =>
    Effect.gen(function*() {
      const registry = yield* Registry.Registry
      const { queue, scope } = yield* startQueue({ handle: () => Effect.void }, "listed")
      const found = yield* registry.resolve(QueueService.registryKey("listed"))
      assert.strictEqual(Option.getOrUndefined(found), queue as QueueService.QueueService<unknown>)
      assert.include(yield* registry.list, `${QueueService.registryPrefix}listed`)
      yield* Scope.close(scope, Exit.void)
      assert.isTrue(Option.isNone(yield* registry.resolve(QueueService.registryKey("listed"))))
    }).pipe(Effect.provide(TestSpecter.layer)))
})
