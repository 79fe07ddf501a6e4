/**
 * `npm start`: serves the app on PORT (default 3000) until Ctrl-C or SIGTERM.
 */
import { App } from "@specter-runtime/server"
import { AppLive } from "./app.ts"

App.run(AppLive)
