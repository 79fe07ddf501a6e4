/**
 * The inventory application: what `main.ts` runs, and what the tests serve.
 *
 * - `clock` ticks every second (`clock:tick`);
 * - `load` watches the host's load average (`system:load`);
 * - `heartbeat` supervises a helper process and relays its output (`process:line`);
 * - the `items` controller serves the inventory, whose items are persisted with
 *   `Persistence.layer` (SQLite in `$SPECTER_DATA_DIR`, default `./data`);
 * - `reports` is a queue of stock reports with progress (`reports:job`);
 * - the page at `/` and the client module it imports.
 */
import { NodeServices } from "@effect/platform-node"
import { type App, ClientModule, Persistence } from "@specter-runtime/server"
import { Layer } from "effect"
import { HttpStaticServer } from "effect/http"
import { fileURLToPath } from "node:url"
import { Ticker } from "./ClockService.ts"
import { Heartbeat } from "./Heartbeat.ts"
import { Inventory } from "./Inventory.ts"
import { ItemsController } from "./ItemsController.ts"
import { LoadLive } from "./LoadService.ts"
import { Reports, ReportsController } from "./Reports.ts"

const Page = HttpStaticServer.layer({ root: fileURLToPath(new URL("../public", import.meta.url)), index: "index.html" }).pipe(
  Layer.provide(NodeServices.layer)
)

/** The inventory, kept on disk. */
const StoredInventory = Inventory.layer.pipe(Layer.provide(Persistence.layer))

/**
 * The application with `load` as its load service (tests give one that reads a
 * variable): the services, the items controller and the page, over the inventory.
 */
export const makeApp = (load: typeof LoadLive = LoadLive) =>
  Layer.mergeAll(Ticker.layer, load, Heartbeat.layer, ItemsController, ReportsController, Page, ClientModule.route()).pipe(
    Layer.provide(Reports.layer),
    Layer.provide(StoredInventory)
  )

/** The application as `npm start` runs it. */
export const AppLive = makeApp()

/**
 * How the application is served: the inspector at `/_specter`, Prometheus metrics at
 * `/metrics`, OpenAPI at `/openapi.json` with its docs page at `/docs`.
 */
export const options: App.Options = {
  inspector: true,
  observability: { metrics: true, openApi: { title: "Inventory", version: "0.1.0" } }
}
