/**
 * The inventory application: what `main.ts` runs, and what the tests serve.
 */
import { NodeServices } from "@effect/platform-node"
import { type App, ClientModule } from "@specter/server"
import { Layer } from "effect"
import { HttpStaticServer } from "effect/http"
import { fileURLToPath } from "node:url"
import { TickerLive } from "./ClockService.ts"
import { InventoryLive } from "./Inventory.ts"
import { ItemsController } from "./ItemsController.ts"

const Page = HttpStaticServer.layer({ root: fileURLToPath(new URL("../public", import.meta.url)), index: "index.html" }).pipe(
  Layer.provide(NodeServices.layer)
)

export const options = {
  services: [TickerLive],
  controllers: [ItemsController.pipe(Layer.provide(InventoryLive))],
  routes: [Page, ClientModule.route()]
} satisfies App.Options
