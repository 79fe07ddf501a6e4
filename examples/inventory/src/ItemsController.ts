/**
 * Items over HTTP and the socket: `POST /api/items` (201 with the stored item),
 * `GET /api/items`, the socket event `items:add` (acked with the stored item),
 * and `items:changed` pushed to topic `items` after every change.
 */
import { Controller, Route, SocketApi, SocketServer } from "@specter-runtime/server"
import { Effect } from "effect"
import { Api } from "./Api.ts"
import { Inventory } from "./Inventory.ts"
import { NewItem } from "./Item.ts"

export const ItemsController = Controller.make("items", Effect.gen(function*() {
  const inventory = yield* Inventory
  const sockets = yield* SocketServer.SocketServer
  yield* inventory.items.listen((state) => sockets.publish("items", "items:changed", state))
  return {
    routes: [
      Route.post("/api/items", { body: NewItem, status: 201 }, ({ body }) => inventory.add(body)),
      Route.get("/api/items", () => Effect.map(inventory.list, (items) => ({ items })))
    ],
    events: SocketApi.handlers(Api, { "items:add": (item) => inventory.add(item) })
  }
}))
