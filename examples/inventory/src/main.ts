/**
 * The inventory example: `npm start` (port 3000, or PORT).
 */
import { App, ClientModule } from "@specter/server"
import { NodeServices } from "@effect/platform-node"
import { HttpStaticServer } from "effect/http"
import { Layer } from "effect"
import { fileURLToPath } from "node:url"
import { TickerLive } from "./ClockService.ts"
import { InventoryLive } from "./Inventory.ts"
import { ItemsController } from "./ItemsController.ts"

const Page = HttpStaticServer.layer({ root: fileURLToPath(new URL("../public", import.meta.url)), index: "index.html" }).pipe(
  Layer.provide(NodeServices.layer)
)

App.run({
  services: [TickerLive],
  controllers: [ItemsController.pipe(Layer.provide(InventoryLive))],
  routes: [Page, ClientModule.route()]
})
