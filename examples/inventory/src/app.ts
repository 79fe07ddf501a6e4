/**
 * The inventory application: what `main.ts` runs, and what the tests serve.
 *
 * - `clock` ticks every second (`clock:tick`);
 * - `load` watches the host's load average (`system:load`);
 * - `heartbeat` supervises a helper process and relays its output (`process:line`);
 * - the `items` controller serves the inventory, whose items are persisted with
 *   `Persistence.layer` (SQLite in `$SPECTER_DATA_DIR`, default `./data`);
 * - the page at `/` and the client module it imports.
 */
import { NodeServices } from "@effect/platform-node"
import { type App, ClientModule, Persistence } from "@specter/server"
import { Layer } from "effect"
import { HttpStaticServer } from "effect/http"
import { fileURLToPath } from "node:url"
import { Ticker } from "./ClockService.ts"
import { Heartbeat } from "./Heartbeat.ts"
import { Inventory } from "./Inventory.ts"
import { ItemsController } from "./ItemsController.ts"
import { LoadLive } from "./LoadService.ts"

const Page = HttpStaticServer.layer({ root: fileURLToPath(new URL("../public", import.meta.url)), index: "index.html" }).pipe(
  Layer.provide(NodeServices.layer)
)

/** The inventory, kept on disk. */
const StoredInventory = Inventory.layer.pipe(Layer.provide(Persistence.layer))

export const options = {
  services: [Ticker.layer, LoadLive, Heartbeat.layer],
  controllers: [ItemsController.pipe(Layer.provide(StoredInventory))],
  routes: [Page, ClientModule.route()]
} satisfies App.Options
