/**
 * QueueService throughput against the bare Effect primitive doing the same work: a
 * QueueService with 4 workers and a no-op handler vs a bare `Queue` drained by 4
 * fibers (a job counts once a worker has finished it). Beside it, the reference row
 * that keeps the QueueService's jobs on their workers: the bare Queue with a fiber
 * per job in a `FiberMap` keyed by job, which is what cancel-by-key would cost.
 *
 * And `Field.validate` of the load bench's item body (a string quantity coerced,
 * two defaults filled in) against `Schema.decodeUnknownEffect` of the equivalent
 * `Schema.Struct` (the bare-Effect load server's): the per-request validation cost
 * of `POST /api/items`, on the success path every request takes.
 */
import { Field, QueueService } from "@specter-runtime/core"
import { Deferred, Effect, Exit, Fiber, FiberMap, Logger, Queue, Schema } from "effect"
import { type Case, perSecond } from "./harness.ts"

const JOBS = 100_000
const WORKERS = 4

const Item = Schema.Struct({ n: Schema.Number })

const queueService = () =>
  Effect.gen(function*() {
    const done = yield* Deferred.make<void>()
    let handled = 0
    const queue = yield* QueueService.make("bench", {
      item: Item,
      workers: WORKERS,
      handle: () => Effect.sync(() => void (++handled === JOBS && Deferred.doneUnsafe(done, Effect.void)))
    })
    const start = performance.now()
    for (let i = 0; i < JOBS; i++) yield* queue.enqueue({ n: i })
    yield* Deferred.await(done)
    return perSecond(JOBS, start)
  }).pipe(Effect.scoped, Effect.provide(Logger.layer([])), Effect.runPromise)

const bareQueue = (perJob: "inline" | "fiberMap") =>
  Effect.gen(function*() {
    const done = yield* Deferred.make<void>()
    const queue = yield* Queue.unbounded<{ n: number }>()
    const running = yield* FiberMap.make<number>()
    let handled = 0
    const handle = () => Effect.sync(() => void (++handled === JOBS && Deferred.doneUnsafe(done, Effect.void)))
    const run = perJob === "inline"
      ? handle
      : (job: { n: number }) => Effect.flatMap(FiberMap.run(running, job.n, handle(), { startImmediately: true }), Fiber.await)
    // The same loop as QueueService's workers: no yield per job.
    for (let w = 0; w < WORKERS; w++) {
      yield* Effect.forkScoped(Effect.forever(Effect.flatMap(Queue.take(queue), run), { disableYield: true }))
    }
    const start = performance.now()
    for (let i = 0; i < JOBS; i++) yield* Queue.offer(queue, { n: i })
    yield* Deferred.await(done)
    return perSecond(JOBS, start)
  }).pipe(Effect.scoped, Effect.runPromise)

const VALIDATIONS = 200_000
const ITEM_BODY = '{"name":"widget","quantity":"3","tags":["red","small"]}'

const FieldItem = Field.struct({
  name: Field.string({ required: true, nonEmpty: true }),
  quantity: Field.int({ required: true }),
  active: Field.bool({ default: true }),
  tags: Field.list(Field.string(), { defaultWith: () => [] })
})

const SchemaItem = Schema.Struct({
  name: Schema.NonEmptyString,
  quantity: Schema.Union([Schema.Int, Schema.NumberFromString.check(Schema.isInt())]),
  active: Schema.Boolean.pipe(Schema.withDecodingDefaultKey(Effect.succeed(true))),
  tags: Schema.Array(Schema.String).pipe(Schema.withDecodingDefaultKey(Effect.succeed([])))
})
const decodeSchemaItem = Schema.decodeUnknownEffect(SchemaItem)

/** Validations per second of `validate` on a freshly parsed body (both are synchronous: no fiber). */
const validations = (validate: (body: unknown) => Effect.Effect<unknown, unknown>) => async () => {
  const start = performance.now()
  for (let i = 0; i < VALIDATIONS; i++) {
    if (!Exit.isSuccess(Effect.runSyncExit(validate(JSON.parse(ITEM_BODY))))) throw new Error("the body did not validate")
  }
  return perSecond(VALIDATIONS, start)
}

export const cases: ReadonlyArray<Case> = [
  {
    name: "Field.validate of an item body, a string coerced and two defaults (validations/s)",
    subject: validations((body) => Field.validate(FieldItem, body)),
    baselineName: "Schema.decodeUnknownEffect of the equivalent Schema.Struct",
    baseline: validations(decodeSchemaItem)
  },
  {
    name: "QueueService, 4 workers, no-op handler (jobs/s)",
    subject: queueService,
    baselineName: "Queue + 4 fibers",
    baseline: () => bareQueue("inline"),
    goal: 0.5
  },
  {
    name: "reference: Queue + 4 fibers, a FiberMap fiber per job (jobs/s)",
    subject: () => bareQueue("fiberMap"),
    baselineName: "Queue + 4 fibers",
    baseline: () => bareQueue("inline")
  }
]
