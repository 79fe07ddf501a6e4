/**
 * The server of `bench/load/pretenuring.ts`: bare Effect (`HttpRouter` on
 * `NodeHttpServer`, `PORT` on 127.0.0.1) answering `GET /api/items` with the same
 * snapshot of `KEEP` items for every request, and `GET /health`.
 *
 * Its start-up stands in for a larger application's: it keeps 200,000 small
 * objects alive (the module code and data a larger application loads, which grow
 * V8's young generation) and then `STARTUP_SCOPES` scopes (default 0), made in one
 * go and never closed, as building a graph of Layers does (Effect's `Layer` makes
 * two to three scopes per layer it builds; an empty Specter `App` makes 134).
 */
import { NodeHttpServer, NodeRuntime } from "@effect/platform-node"
import { Effect, Layer, Scope } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { createServer } from "node:http"
import { KEEP } from "../contract.ts"

const scopes = Number(process.env["STARTUP_SCOPES"] ?? 0)
const kept: Array<unknown> = []

const Startup = Layer.effectDiscard(Effect.sync(() => {
  for (let i = 0; i < 200_000; i++) kept.push({ i, label: `object ${i}` })
  for (let i = 0; i < scopes; i++) kept.push(Scope.makeUnsafe())
}))

const items = Array.from({ length: KEEP }, (_, i) => ({
  name: "widget",
  quantity: 3,
  active: true,
  tags: ["red", "small"],
  id: crypto.randomUUID(),
  createdAt: Date.now() + i
}))

const Routes = HttpRouter.use((router) =>
  Effect.all([
    router.add("GET", "/health", Effect.succeed(HttpServerResponse.jsonUnsafe({ status: "ok" }))),
    router.add("GET", "/api/items", Effect.sync(() => HttpServerResponse.jsonUnsafe({ items })))
  ])
)

HttpRouter.serve(Layer.merge(Routes, Startup), { disableLogger: true, disableListenLog: true }).pipe(
  Layer.provide(NodeHttpServer.layer(createServer, { port: Number(process.env["PORT"]), host: "127.0.0.1" })),
  Layer.launch,
  NodeRuntime.runMain
)
