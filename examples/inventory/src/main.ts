/**
 * The inventory example: `npm start` (port 3000, or PORT), with the inspector at
 * `/_specter`.
 */
import { App } from "@specter-runtime/server"
import { AppLive } from "./app.ts"

App.run(AppLive, { inspector: true })
