/**
 * Items over HTTP and the socket: `POST /api/items` (201 with the stored item),
 * `GET /api/items` (`{ items }`, in the order they were added),
 * `DELETE /api/items/:id` (204, or 404 when there is no such item), the socket
 * event `items:add` (acked with the stored item), and `items:join`, which joins
 * topic `items`, pushes `items:snapshot` (`{ items }`) and is acked with
 * `{ count }`; after it, every change arrives as `items:added` (the item) or
 * `items:removed` (`{ id }`) (see `ItemsFeed`).
 */
import { Controller, Route, SocketApi, SocketServer } from "@specter-runtime/server"
import { Effect, Schema } from "effect"
import { Api } from "./Api.ts"
import { Inventory } from "./Inventory.ts"
import { NewItem } from "./Item.ts"
import * as ItemsFeed from "./ItemsFeed.ts"

const ItemId = Schema.Struct({ id: Schema.String })

/**
 * The items controller, pushing the changes of the items to the sessions of the
 * `SocketServer` that `sockets` gives: the app's own (`ItemsController`), or in a
 * cluster, where every node sees every change of the shared store, this node's
 * sockets only (`Cluster.LocalSockets`), so a change is pushed once per page.
 */
export const make = <R>(sockets: Effect.Effect<SocketServer.SocketServer["Service"], never, R>) =>
  Controller.make("items", Effect.gen(function*() {
    const inventory = yield* Inventory
    const server = yield* sockets
    const feed = yield* ItemsFeed.make(inventory.items, (event, payload) => server.publish(ItemsFeed.topic, event, payload))
    return {
      routes: [
        Route.post("/api/items", { body: NewItem, status: 201 }, ({ body }) => inventory.add(body)),
        Route.get("/api/items", () => Effect.map(inventory.list, (items) => ({ items }))),
        Route.del("/api/items/:id", { params: ItemId }, ({ params }) => inventory.remove(params.id))
      ],
      // Checked against the declared API: a handler whose payload or ack differs is a type error.
      events: SocketApi.handlers(Api, {
        "items:add": (item) => inventory.add(item),
        "items:join": (_, { session }) => feed.join(session)
      })
    }
  }))

/** The items controller of the single-process app: changes go to the app's sockets. */
export const ItemsController = make(SocketServer.SocketServer.use(Effect.succeed))
