/**
 * `GET /health`: every service that is up, in start order, with its status,
 * uptime (ms), owned fibers, timers, listeners, children and state; plus the
 * number of connected socket sessions. Original: `ServiceManager.health()`.
 *
 * @since 0.1.0
 */
import { ServiceManager } from "@specter/core"
import { Effect, Layer } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { SocketServer } from "./SocketServer.ts"

/**
 * The health route at `path` (default `/health`). Answers 200
 * `{ status: "ok", services: { <name>: ServiceHealth }, sockets: <count> }`.
 *
 * @since 0.1.0
 * @category layers
 */
export const route = (
  path: `/${string}` = "/health"
): Layer.Layer<never, never, HttpRouter.HttpRouter | ServiceManager.ServiceManager | SocketServer> =>
  HttpRouter.use((router) =>
    Effect.gen(function*() {
      const manager = yield* ServiceManager.ServiceManager
      const sockets = yield* SocketServer
      yield* router.add(
        "GET",
        path,
        Effect.map(manager.health, (services) =>
          HttpServerResponse.jsonUnsafe({ status: "ok", services, sockets: sockets.sessions().length }))
      )
    })
  )
