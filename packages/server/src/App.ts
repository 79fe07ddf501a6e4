/**
 * The application entry. An application is one Layer expression: its services,
 * controllers and routes, composed with `Layer.mergeAll` / `Layer.provide`, so that
 * start order comes from the Layer graph and a missing dependency is an ordinary
 * type error. `App.run` serves it on one Node HTTP server with the runtime (Bus,
 * Registry, ServiceManager, caches), the socket endpoint, the health routes and
 * the one JSON error envelope, on `NodeRuntime.runMain`; SIGINT and SIGTERM close
 * every scope, services in the reverse of their start order. Original: `boot(app,
 * socketio, services, handlers, controllers)` and `ServiceManager.shutdown()`.
 *
 * ```ts
 * const AppLive = Layer.mergeAll(ItemsController, Ticker.layer).pipe(Layer.provide(Inventory.layer))
 * App.run(AppLive) // PORT (default 3000), HOST, LOG_FORMAT=json
 * ```
 *
 * Configuration comes from Effect `Config` (the environment by default): `PORT`
 * (0–65535; 0 picks a free port), `HOST`, and `LOG_FORMAT` (`json` logs one JSON
 * object per line). A `PORT` that is not a port, or one already in use, fails the
 * start with `StartupError`, which `run` prints as one line before exiting with 1.
 *
 * @since 0.1.0
 */
import { NodeHttpServer, NodeRuntime } from "@effect/platform-node"
import { Specter } from "@specter-runtime/core"
import { Cause, Data, type Duration, Effect, Exit, Layer, Logger, type Runtime } from "effect"
import { type HttpRouter, type HttpServer } from "effect/http"
import * as Health from "./Health.ts"
import * as internal from "./internal/app.ts"
import type * as observability from "./internal/observability.ts"
import type { SocketIngress } from "./SocketIngress.ts"
import type * as SocketServer from "./SocketServer.ts"

/**
 * How the application is served.
 *
 * - `port`, `host`: where to listen (default: the `PORT` and `HOST` config, else
 *   3000 on every interface).
 * - `socketPath`: the WebSocket endpoint (default `/ws`).
 * - `maxFrameBytes`: the largest socket frame (default 1 MiB; a larger one closes
 *   the connection with 1009). `maxBodyBytes`: the largest HTTP body (default
 *   1 MiB; larger answers 413). `maxInFlight`: socket events of one session
 *   handled at once (default 32; beyond it the session's frames wait to be read).
 * - `shutdownTimeout`: how long open HTTP connections may delay shutdown (default
 *   1 second).
 * - `logRequests`: log every request at info (default `false`). The listen address
 *   is always logged.
 * - `observability`: `metrics` serves `GET /metrics` in the Prometheus format
 *   (`true`, or `Metrics.Options`); `openApi` serves `GET /openapi.json` and a docs
 *   page at `/docs` (`true`, or `OpenApi.Options`); `otlp` exports traces, metrics
 *   and logs when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (on by default; `false`
 *   turns it off, `Telemetry.Options` sets the endpoint). Metrics and spans are
 *   recorded either way.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly port?: number | undefined
  readonly host?: string | undefined
  readonly socketPath?: `/${string}` | undefined
  readonly maxFrameBytes?: number | undefined
  readonly maxBodyBytes?: number | undefined
  readonly maxInFlight?: number | undefined
  readonly shutdownTimeout?: Duration.Input | undefined
  readonly logRequests?: boolean | undefined
  readonly observability?: observability.Options | undefined
}

/**
 * What the application provides to its layers: the runtime, the socket server and
 * ingress, the router, the readiness, and the Node platform services of the HTTP
 * server (file system, path, HTTP platform). An application layer may need these
 * and nothing else.
 *
 * @since 0.1.0
 * @category models
 */
export type Provided =
  | Specter.Runtime
  | SocketServer.SocketServer
  | SocketIngress
  | Health.Readiness
  | HttpRouter.HttpRouter
  | Layer.Success<ReturnType<typeof NodeHttpServer.layer>>

/**
 * The error types of routes, which Effect's router tracks in a layer's
 * requirements (a route's *service* requirements must be met when it is built).
 *
 * @since 0.1.0
 * @category models
 */
export type RouteMarkers = HttpRouter.Request<"Error" | "GlobalError", any>

/**
 * The application could not start for a reason a person should read: a bad
 * configuration value, a port in use. `message` says which, in one line.
 *
 * @since 0.1.0
 * @category errors
 */
export class StartupError extends Data.TaggedError("StartupError")<{ readonly message: string }> {}

/**
 * The application `app` served on the Node HTTP server of `options`, without
 * running it: for tests (`@specter-runtime/testing/server` builds it on a random port) and
 * for embedding. Its outputs include the runtime and the `HttpServer` (for its
 * bound address).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = <ROut, E, RIn extends Provided | RouteMarkers>(
  app: Layer.Layer<ROut, E, RIn>,
  options: Options = {}
): Layer.Layer<Specter.Runtime | SocketServer.SocketServer | SocketIngress | Health.Readiness | HttpServer.HttpServer, E | StartupError> =>
  Layer.unwrap(Effect.map(
    Effect.mapError(internal.settings(options), (message) => new StartupError({ message })),
    (settings) =>
      internal.assemble(app as Layer.Layer<ROut, E, Provided>, options, settings).pipe(
        Layer.provideMerge(
          NodeHttpServer.layer(() => internal.nodeServer(settings), internal.serverOptions(options, settings)).pipe(
            Layer.catchTag("ServeError", (error) =>
              Layer.effectDiscard(Effect.fail(internal.portInUse(error) ? new StartupError({ message: `port ${settings.port} is already in use` }) : error)))
          )
        ),
        Layer.provide(internal.telemetry(options.observability)),
        Layer.provide(settings.json ? Logger.layer([Logger.consoleJson]) : Layer.empty)
      ) as Layer.Layer<Specter.Runtime | SocketServer.SocketServer | SocketIngress | Health.Readiness | HttpServer.HttpServer, E | StartupError>
  ))

/**
 * A shutdown asked for by SIGINT or SIGTERM that completed is a success: exit 0.
 * A failure is reported on stderr (a `StartupError` as its one line) and exits 1.
 */
const teardown: Runtime.Teardown = (exit, onExit) => {
  if (Exit.isSuccess(exit) || Cause.hasInterruptsOnly(exit.cause)) return onExit(0)
  const startup = Cause.findErrorOption(exit.cause)
  const reason = startup._tag === "Some" && startup.value instanceof StartupError ? startup.value.message : Cause.pretty(exit.cause)
  process.stderr.write(`${reason}\n`)
  onExit(1)
}

/**
 * Runs `app` until SIGINT or SIGTERM, then closes everything in reverse order and
 * exits with 0 (1 if it failed to start, with a one-line reason for a
 * `StartupError`). `app` may need only what the application provides (`Provided`):
 * anything else is a type error.
 *
 * @since 0.1.0
 * @category running
 */
export const run = <ROut, E, RIn extends Provided | RouteMarkers>(app: Layer.Layer<ROut, E, RIn>, options?: Options): void =>
  Layer.launch(layer(app, options)).pipe(NodeRuntime.runMain({ teardown, disableErrorReporting: true }))
