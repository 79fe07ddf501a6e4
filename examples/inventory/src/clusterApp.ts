/**
 * The inventory as a cluster (`npm run start:cluster`, see `cluster.ts`): the same
 * page and the same item API, with what must be shared shared:
 *
 * - the items are the inventory's keyed store, kept in PostgreSQL in cluster mode (one
 *   row per item, compare-and-set per item); every node sees every change and pushes
 *   it (`items:added`, `items:removed`) to its own pages;
 * - the load watcher is a singleton: one node polls the host's load every 2 seconds
 *   and pushes `system:load` to every page, and emits `LoadRead` (an event with a
 *   Schema, so every node hears it and greets its new pages with the last reading);
 * - the clock is a singleton too (one `clock:tick` a second for the whole cluster);
 * - `jobs` is a durable queue: `POST /api/restock` `{ item, quantity }` queues a slow
 *   restock job (one step a second, with progress) that any node may run and every
 *   node can read at `GET /api/jobs/:id`.
 *
 * Alone (no cluster URLs), the same app runs on one process with local state.
 */
import { NodeServices } from "@effect/platform-node"
import { Cluster } from "@specter-runtime/cluster"
import { Bus, ClientModule, Controller, HttpError, Persistence, QueueService, Route, Service, SocketApi, SocketServer, Watcher } from "@specter-runtime/server"
import { Clock, Context, Effect, Layer, Option, Schema, Stream, SubscriptionRef } from "effect"
import { HttpStaticServer } from "effect/http"
import { loadavg } from "node:os"
import { fileURLToPath } from "node:url"
import { Api } from "./Api.ts"
import { Inventory } from "./Inventory.ts"
import * as Items from "./ItemsController.ts"

/**
 * The items as `ItemsController` serves them, except that each node forwards the
 * changes of the items (which every node sees: the keyed store is shared) to its
 * own pages only, through `Cluster.LocalSockets`.
 */
const ItemsController = Items.make(Effect.gen(function*() {
  const sockets = yield* SocketServer.SocketServer
  return Option.getOrElse(yield* Effect.serviceOption(Cluster.LocalSockets), () => sockets)
}))

/** Stock reports run on the single-process app; here the slow work is the restock queue. */
const ReportsRefused = Controller.make("reports", {
  events: SocketApi.handlers(Api, {
    // A clear refusal, not a fault.
    "reports:run": () => Effect.fail(HttpError.make("stock reports run on the single-process app; here, POST /api/restock queues a restock job", { status: 501 }))
  })
})

/** A load reading, heard by every node. */
export const LoadRead = Bus.event("system:load-read", Schema.Struct({ oneMinute: Schema.Number }))

/** The load watcher: on one node of the cluster at a time. */
const LoadWatcher = Service.singleton("load-watcher", Effect.gen(function*() {
  const sockets = yield* SocketServer.SocketServer
  const readings = Watcher.poll(Effect.sync(() => loadavg()[0] ?? 0), {
    name: "loadavg",
    interval: "2 seconds",
    transform: (value) => Math.round(value * 100) / 100,
    dedupe: true
  })
  yield* Stream.runForEach(readings, (oneMinute) =>
    Effect.andThen(Bus.emit(LoadRead, { oneMinute }), sockets.broadcast("system:load", { oneMinute })))
}))

/** Every node keeps the last reading, and gives it to a page that connects to it. */
const LastLoad = Service.layerDiscard("load", Effect.gen(function*() {
  const last = yield* SubscriptionRef.make({ oneMinute: 0 })
  const sockets = yield* SocketServer.SocketServer
  yield* Bus.listen(LoadRead, (reading) => SubscriptionRef.set(last, reading))
  yield* Bus.listen(SocketServer.Connected, ({ sid }) => Effect.flatMap(SubscriptionRef.get(last), (r) => sockets.push(sid, "system:load", r)))
}))

/** One tick a second for the whole cluster. */
const ClockTicks = Service.singleton("clock", Effect.gen(function*() {
  const sockets = yield* SocketServer.SocketServer
  let ticks = 0
  yield* Effect.forever(Effect.gen(function*() {
    yield* Effect.sleep("1 second")
    yield* sockets.broadcast("clock:tick", { now: yield* Clock.currentTimeMillis, ticks: ++ticks })
  }))
}))

/** A restock: `quantity` more of item `item` (by id), one step a second. */
export const Restock = Schema.Struct({ item: Schema.String, quantity: Schema.Int })

export class Jobs extends Context.Service<Jobs, QueueService.QueueService<typeof Restock.Type>>()("jobs") {
  static readonly layer = QueueService.layer(this, {
    name: "jobs",
    item: Restock,
    durable: true,
    workers: 2,
    handle: (restock, job) =>
      Effect.gen(function*() {
        const steps = 5
        for (let step = 1; step <= steps; step++) {
          yield* Effect.sleep("1 second")
          yield* job.progress((step / steps) * 100, `restocking ${restock.item}: step ${step} of ${steps}`)
        }
      })
  })
}

const JobsController = Controller.make("restock", Effect.gen(function*() {
  const jobs = yield* Jobs
  return {
    routes: [
      Route.post("/api/restock", { body: Restock, status: 202 }, ({ body }) => Effect.map(jobs.enqueue(body), (id) => ({ id }))),
      Route.get("/api/jobs/:id", { params: Schema.Struct({ id: Schema.String }) }, ({ params }) =>
        Effect.flatMap(jobs.job(params.id), Option.match({
          onNone: () => Effect.fail(HttpError.notFound(`no job '${params.id}'`)),
          onSome: Effect.succeed
        })))
    ]
  }
}))

const Page = HttpStaticServer.layer({ root: fileURLToPath(new URL("../public", import.meta.url)), index: "index.html" }).pipe(
  Layer.provide(NodeServices.layer)
)

/** The application one node runs (wrapped by `Cluster.provideWhenConfigured` in `clusterMain.ts`). */
export const ClusterAppLive = Layer.mergeAll(ItemsController, ReportsRefused, JobsController, LoadWatcher, LastLoad, ClockTicks, Page, ClientModule.route()).pipe(
  // In cluster mode the inventory's keyed store is kept in PostgreSQL (the cluster
  // provides `Store.SharedKeyed`); alone, on disk as in the single-process app.
  Layer.provide(Layer.mergeAll(Inventory.layer.pipe(Layer.provide(Persistence.layer)), Jobs.layer))
)
