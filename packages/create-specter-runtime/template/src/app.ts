/**
 * The application: the greetings controller and the page in `public/`, over the
 * greeter service. `main.ts` runs it; the tests serve it on a random port.
 */
import { NodeServices } from "@effect/platform-node"
import { Layer } from "effect"
import { HttpStaticServer } from "effect/http"
import { fileURLToPath } from "node:url"
import { Greeter } from "./Greeter.ts"
import { GreetingController } from "./GreetingController.ts"

const Page = HttpStaticServer.layer({ root: fileURLToPath(new URL("../public", import.meta.url)), index: "index.html" }).pipe(
  Layer.provide(NodeServices.layer)
)

export const AppLive = Layer.mergeAll(GreetingController, Page).pipe(Layer.provide(Greeter.layer))
