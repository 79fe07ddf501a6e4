/**
 * How `App` reads its configuration and assembles the application: the runtime,
 * the socket server, the health routes, the error envelope and the application's
 * own layer, served by Effect's router.
 *
 * @internal
 */
import { Specter } from "@specter-runtime/core"
import { ByteSize, Config, type Duration, Effect, Layer, Option } from "effect"
import { HttpIncomingMessage, HttpMiddleware, HttpRouter, HttpServer, HttpServerRequest, HttpServerResponse } from "effect/http"
import { createServer, type Server, STATUS_CODES } from "node:http"
import * as Health from "../Health.ts"
import * as SocketServer from "../SocketServer.ts"
import { recover } from "./failure.ts"
import { httpMeter, routeRecorder } from "./metrics.ts"
import * as observability from "./observability.ts"

export const telemetry = observability.telemetry

const MiB = 1024 * 1024

export interface Settings {
  readonly port: number
  readonly host: string | undefined
  readonly json: boolean
}

const PORT = /^\d{1,5}$/

/** `PORT`, `HOST` and `LOG_FORMAT`, unless `options` gives them; a bad value is a one-line message. */
export const settings = (options: { readonly port?: number | undefined; readonly host?: string | undefined }) =>
  Effect.gen(function*() {
    const read = <A>(config: Config.Config<A>) => Effect.mapError(config, (error) => String(error.message))
    const rawPort = options.port === undefined ? yield* read(Config.option(Config.String("PORT"))) : Option.some(String(options.port))
    const port = Option.match(rawPort, { onNone: () => 3000, onSome: (text) => Number(text.trim()) })
    if (Option.isSome(rawPort) && (!PORT.test(rawPort.value.trim()) || port > 65535)) {
      return yield* Effect.fail(`PORT must be a port number, got '${rawPort.value}'`)
    }
    const host = options.host ?? Option.getOrUndefined(yield* read(Config.option(Config.String("HOST"))))
    const format = Option.getOrUndefined(yield* read(Config.option(Config.String("LOG_FORMAT"))))
    if (format !== undefined && format !== "json" && format !== "text") {
      return yield* Effect.fail(`LOG_FORMAT must be 'json' or 'text', got '${format}'`)
    }
    return { port, host, json: format === "json" } satisfies Settings
  })

export const nodeServer = (_: Settings): Server => createServer()

export const serverOptions = (
  options: { readonly maxFrameBytes?: number | undefined; readonly shutdownTimeout?: Duration.Input | undefined },
  settings: Settings
) => ({
  port: settings.port,
  ...(settings.host === undefined ? {} : { host: settings.host }),
  gracefulShutdownTimeout: options.shutdownTimeout ?? "1 second",
  // ws refuses larger frames before buffering them; SocketServer checks too.
  websocket: { maxPayload: options.maxFrameBytes ?? MiB }
})

/** Whether the Node server's `ServeError` means the port is taken. */
export const portInUse = (error: { readonly cause: unknown }): boolean =>
  typeof error.cause === "object" && error.cause !== null && (error.cause as { readonly code?: unknown }).code === "EADDRINUSE"

/**
 * Answers every failure of every route with the JSON error envelope, and logs
 * the ones that are server faults (with the request line).
 */
const errorEnvelope = (maxBodyBytes: number) =>
  HttpRouter.middleware((app) =>
    app.pipe(
      Effect.provideService(HttpIncomingMessage.MaxBodySize, ByteSize.bytes(maxBodyBytes)),
      // An error answer without a body (a static file that is not there) gets one too.
      Effect.map((response) =>
        response.status >= 400 && response.body._tag === "Empty"
          ? HttpServerResponse.jsonUnsafe({ error: STATUS_CODES[response.status]?.toLowerCase() ?? "error" }, {
            status: response.status,
            headers: response.headers
          })
          : response
      ),
      Effect.catchCause((cause) =>
        HttpServerRequest.HttpServerRequest.use((request) =>
          Effect.map(recover(cause, `${request.method} ${request.url}`), (failure) =>
            HttpServerResponse.jsonUnsafe(failure.body, { status: failure.status, headers: failure.headers ?? {} }))))
    ) as Effect.Effect<HttpServerResponse.HttpServerResponse, any, HttpServerRequest.HttpServerRequest>, { global: true })

/**
 * The infrastructure (runtime, socket server, router, health and socket routes, the
 * error envelope), served as soon as it is built; then the application, which adds
 * its routes to the running router; then the readiness mark. Closing runs it
 * backwards: readiness goes `stopping`, sockets are told to go away, the
 * application stops while health and readiness still answer, and only then does
 * the router stop serving.
 */
export const assemble = <ROut, E>(
  app: Layer.Layer<ROut, E, any>,
  options: {
    readonly socketPath?: `/${string}` | undefined
    readonly maxFrameBytes?: number | undefined
    readonly maxBodyBytes?: number | undefined
    readonly maxInFlight?: number | undefined
    readonly logRequests?: boolean | undefined
    readonly observability?: observability.Options | undefined
  },
  _settings: Settings
) => {
  const runtime = SocketServer.layer({ maxFrameBytes: options.maxFrameBytes, maxInFlight: options.maxInFlight }).pipe(
    Layer.provideMerge(Layer.merge(Specter.layer, Health.Readiness.layer))
  )
  const router = HttpRouter.layer.pipe(Layer.provide(Layer.succeed(HttpRouter.RouterConfig, { ignoreTrailingSlash: true })))
  const infrastructure = Layer.mergeAll(
    Health.routes(),
    SocketServer.route(options.socketPath ?? "/ws"),
    errorEnvelope(options.maxBodyBytes ?? MiB),
    observability.metricsRoute(options.observability),
    routeRecorder
  ).pipe(Layer.provideMerge(router), Layer.provideMerge(runtime))
  const quiet = options.logRequests !== true
  const serving = Layer.unwrap(HttpRouter.HttpRouter.use((router) => {
    const handler = httpMeter(router.asHttpEffect())
    // The listen address is always logged; each request only with `logRequests`.
    return Effect.succeed(HttpServer.withLogAddress(quiet ? HttpServer.serve(handler) : HttpServer.serve(handler, HttpMiddleware.logger)))
  }))
  const served = serving.pipe(Layer.provideMerge(infrastructure))
  // Built last, so its finalizer runs first at shutdown: sockets are told to go
  // away instead of holding the shutdown up.
  const closeSocketsFirst = Layer.effectDiscard(
    SocketServer.SocketServer.use((sockets) => Effect.addFinalizer(() => sockets.closeAll()))
  )
  return closeSocketsFirst.pipe(
    Layer.provideMerge(Health.markReady),
    Layer.provideMerge(observability.openApiRoutes(options.observability)),
    Layer.provideMerge(app as Layer.Layer<ROut, E, never>),
    Layer.provideMerge(served)
  )
}
