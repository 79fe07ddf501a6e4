/**
 * The inventory example: `npm start` (port 3000, or PORT), with the inspector at
 * `/_specter`.
 */
import { App } from "@specter-runtime/server"
import { AppLive, options } from "./app.ts"

App.run(AppLive, options)
