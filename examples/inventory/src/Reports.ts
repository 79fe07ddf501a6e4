/**
 * Stock reports: a `QueueService` named `reports` whose jobs count the items and
 * their units in five steps (250 ms each, so a page and the inspector see the
 * progress move), reporting 20 % per step; the last step's message is the totals
 * ("3 items, 12 units"). `reports:run` over the socket and
 * `POST /api/reports` (202 `{ id }`) queue one; every change of a job is pushed to
 * every page as `reports:job`.
 */
import { Bus, Controller, QueueService, Route, SocketApi } from "@specter-runtime/server"
import { Context, Effect, Schema, Stream } from "effect"
import { Api } from "./Api.ts"
import { Inventory } from "./Inventory.ts"

const steps = 5

/** The report queue: one worker, so reports run one after the other. */
export class Reports extends Context.Service<Reports, QueueService.QueueService<void>>()("reports") {
  static readonly layer = QueueService.layer(this, {
    item: Schema.Void,
    handle: (_, job) =>
      Effect.gen(function*() {
        const inventory = yield* Inventory
        for (let step = 1; step < steps; step++) {
          yield* Effect.sleep("250 millis")
          yield* job.progress(step * (100 / steps), `counting, step ${step} of ${steps}`)
        }
        yield* Effect.sleep("250 millis")
        const items = yield* inventory.list
        const units = items.reduce((sum, item) => sum + item.quantity, 0)
        yield* job.progress(100, `${items.length} items, ${units} units`)
      })
  })
}

/** The routes and socket events of the reports, and the pushes of their progress. */
export const ReportsController = Controller.make("reporting", Effect.gen(function*() {
  const reports = yield* Reports
  const pushes = yield* SocketApi.publisher(Api)
  const jobs = yield* Bus.subscribe(reports.updated)
  yield* Effect.forkScoped(Stream.runForEach(jobs, (job) =>
    pushes.broadcast("reports:job", {
      id: job.id,
      state: job.state,
      percent: job.progress.percent,
      ...(job.progress.message === undefined ? {} : { message: job.progress.message })
    })))
  const run = Effect.map(reports.enqueue(undefined), (id) => ({ id }))
  return {
    routes: [Route.post("/api/reports", { status: 202 }, () => run)],
    events: SocketApi.handlers(Api, { "reports:run": () => run })
  }
}))
