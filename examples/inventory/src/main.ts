/**
 * The inventory example: `npm start` (port 3000, or PORT).
 */
import { App } from "@specter-runtime/server"
import { AppLive, options } from "./app.ts"

App.run(AppLive, options)
