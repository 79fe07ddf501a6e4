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
 * App.run(AppLive) // PORT (default 3000), HOST, LOG_FORMAT=json; limits: see `Options`
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
import * as Inspector from "./Inspector.ts"
import * as internal from "./internal/app.ts"
import type * as observability from "./internal/observability.ts"
import type { SocketIngress } from "./SocketIngress.ts"
import type * as SocketServer from "./SocketServer.ts"

/**
 * How the application serves HTTP. Every limit is on by default; each one
 * protects the server from a client that is slow, large or numerous.
 *
 * - `port`, `host`: where to listen (default: the `PORT` and `HOST` config, else
 *   3000 on every interface).
 * - `maxBodyBytes`: the largest request body, bytes (default 1 MiB); a larger one
 *   answers 413 `request body too large`.
 * - `headersTimeout`: how long a client may take to send its request headers
 *   (default 5 seconds). `requestTimeout`: how long it may take to send the whole
 *   request, headers and body (default 10 seconds). A client over either gets 408
 *   and its connection closed; Node checks them every fifth of the shorter one
 *   (at most every second), so a cut comes at most that much late. Neither
 *   bounds how long a handler takes to answer, nor an upgraded socket.
 * - `keepAliveTimeout`: how long an idle keep-alive connection stays open
 *   (default 5 seconds).
 * - `maxConnections`: TCP connections at once, WebSockets included (default
 *   10,000); a connection over it is closed as soon as it is accepted.
 * - `shutdownTimeout`: how long requests in flight may finish at shutdown
 *   (default 1 second); then their connections are closed.
 * - `logRequests`: log every request at info (default `false`). The listen address
 *   is always logged.
 *
 * @since 0.1.0
 * @category models
 */
export interface HttpOptions {
  readonly port?: number | undefined
  readonly host?: string | undefined
  readonly maxBodyBytes?: number | undefined
  readonly headersTimeout?: Duration.Input | undefined
  readonly requestTimeout?: Duration.Input | undefined
  readonly keepAliveTimeout?: Duration.Input | undefined
  readonly maxConnections?: number | undefined
  readonly shutdownTimeout?: Duration.Input | undefined
  readonly logRequests?: boolean | undefined
}

/**
 * How the application serves its WebSocket endpoint: `path` (default `/ws`) and
 * the socket server's own options (`SocketServer.Options`).
 *
 * @since 0.1.0
 * @category models
 */
export type SocketOptions = SocketServer.Options & {
  readonly path?: `/${string}` | undefined
}

/**
 * What the application shows of itself: `metrics` serves `GET /metrics` in the
 * Prometheus format (`true`, or `Metrics.Options`); `openApi` serves
 * `GET /openapi.json` and a docs page at `/docs` (`true`, or `OpenApi.Options`);
 * `otlp` exports traces, metrics and logs when `OTEL_EXPORTER_OTLP_ENDPOINT` is
 * set (on by default; `false` turns it off, `Telemetry.Options` sets the
 * endpoint). Runtime metrics (bus, queues, sockets, persistence) are recorded
 * either way; HTTP metrics only when something reads them (`metrics`, the
 * inspector or an exporter), so a request pays nothing for them otherwise;
 * spans only with an exporter.
 *
 * @example
 * App.run(AppLive, { observability: { metrics: true, openApi: { title: "Inventory" } } })
 *
 * @since 0.2.0
 * @category models
 */
export type ObservabilityOptions = observability.Options

/**
 * How the application is served: `http` (see `HttpOptions`) and `sockets` (see
 * `SocketOptions`) and `observability` (see `ObservabilityOptions`). Everything
 * has a default. `inspector` serves the live
 * inspector page (`true`, or its `Inspector.Options`); default off. It is
 * protected by `sockets.authorize` unless its own options give another hook.
 *
 * At shutdown (SIGINT, SIGTERM) readiness goes `stopping` and every answer
 * from then on carries `Connection: close`; then, at the same time, the sockets
 * are closed and HTTP drains: the server stops accepting, idle keep-alive
 * connections are closed at once, and requests in flight may finish. After
 * `http.shutdownTimeout` at most, every connection still open (a request that
 * is not done, a peer that does not answer the close handshake) is destroyed.
 * Only then do the application's services stop.
 *
 * @example
 * App.run(AppLive, { http: { port: 8080, maxBodyBytes: 64 * 1024 }, sockets: { path: "/live" } })
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly http?: HttpOptions | undefined
  readonly sockets?: SocketOptions | undefined
  readonly observability?: ObservabilityOptions | undefined
  readonly inspector?: boolean | Inspector.Options | undefined
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
    (settings) => {
      const node = internal.nodeServer(settings)
      return internal.assemble(app as Layer.Layer<ROut, E, Provided>, options, settings, node, inspector(options)).pipe(
        Layer.provideMerge(
          NodeHttpServer.layer(() => node.server, internal.serverOptions(options, settings)).pipe(
            Layer.catchTag("ServeError", (error) =>
              Layer.effectDiscard(Effect.fail(internal.portInUse(error) ? new StartupError({ message: `port ${settings.port} is already in use` }) : error)))
          )
        ),
        Layer.provide(internal.telemetry(options.observability)),
        Layer.provide(settings.json ? Logger.layer([Logger.consoleJson]) : Layer.empty)
      ) as Layer.Layer<Specter.Runtime | SocketServer.SocketServer | SocketIngress | Health.Readiness | HttpServer.HttpServer, E | StartupError>
    }
  ))

/**
 * The inspector when `options.inspector` asks for it, on the sockets' path and
 * behind their `authorize` unless it has its own; a client bundle it cannot read
 * stops the start.
 */
const inspector = ({ inspector, sockets }: Options) =>
  inspector === undefined || inspector === false
    ? Layer.empty
    : Inspector.layer({ socketPath: sockets?.path, authorize: sockets?.authorize, ...(inspector === true ? {} : inspector) }).pipe(
      Layer.catchTag("ClientBundleMissing", (error) =>
        Layer.effectDiscard(Effect.fail(new StartupError({ message: `the inspector cannot start: ${error.message}` }))))
    )

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
