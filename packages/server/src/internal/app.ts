/**
 * How `App` reads its configuration and assembles the application: the runtime,
 * the socket server, the health routes, the error envelope and the application's
 * own layer, served by Effect's router.
 *
 * @internal
 */
import { Specter } from "@specter/core"
import { ByteSize, Config, type Duration, Effect, Layer, Option } from "effect"
import { HttpIncomingMessage, HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { createServer, type Server, STATUS_CODES } from "node:http"
import * as Health from "../Health.ts"
import * as SocketServer from "../SocketServer.ts"
import { recover } from "./failure.ts"

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

/** The runtime, the socket server and the application's routes, served by the router (without a server). */
export const assemble = <ROut, E>(
  app: Layer.Layer<ROut, E, any>,
  options: {
    readonly socketPath?: `/${string}` | undefined
    readonly maxFrameBytes?: number | undefined
    readonly maxBodyBytes?: number | undefined
    readonly logRequests?: boolean | undefined
  },
  _settings: Settings
) => {
  // The application first; `markReady` once it is built (its finalizer runs first at shutdown).
  const application = Health.markReady.pipe(Layer.provideMerge(app as Layer.Layer<ROut, E, never>))
  const routes = Layer.mergeAll(
    application,
    Health.routes(),
    SocketServer.route(options.socketPath ?? "/ws"),
    errorEnvelope(options.maxBodyBytes ?? MiB)
  ) as Layer.Layer<never, E, HttpRouter.HttpRouter>
  const runtime = SocketServer.layer({ maxFrameBytes: options.maxFrameBytes }).pipe(
    Layer.provideMerge(Layer.merge(Specter.layer, Health.Readiness.layer))
  )
  const quiet = options.logRequests !== true
  const served = HttpRouter.serve(routes, {
    routerConfig: { ignoreTrailingSlash: true },
    disableLogger: quiet,
    disableListenLog: quiet
  }).pipe(Layer.provideMerge(runtime))
  // Built after the server, so its finalizer runs before the server waits for open
  // connections: sockets are told to go away instead of holding shutdown up.
  const closeSocketsFirst = Layer.effectDiscard(
    SocketServer.SocketServer.use((sockets) => Effect.addFinalizer(() => sockets.closeAll()))
  )
  return closeSocketsFirst.pipe(Layer.provideMerge(served))
}
