/**
 * The application entry: composes services, controllers and extra routes with the
 * runtime (Bus, Registry, ServiceManager), the socket endpoint, `GET /health` and
 * the one JSON error envelope, on one Node HTTP server, and runs it with
 * `NodeRuntime.runMain`. SIGINT and SIGTERM close every scope: services stop in
 * the reverse of their start order. Original: `boot(app, socketio, services,
 * handlers, controllers)` and `ServiceManager.shutdown()`.
 *
 * ```ts
 * App.run({ services: [ClockLive], controllers: [ItemsLive], port: 3000 })
 * ```
 *
 * @since 0.1.0
 */
import { NodeHttpServer, NodeRuntime } from "@effect/platform-node"
import { Specter } from "@specter/core"
import { ByteSize, Cause, type Duration, Effect, Exit, Layer, Runtime } from "effect"
import { HttpIncomingMessage, HttpRouter, type HttpServer, HttpServerRequest, HttpServerResponse } from "effect/http"
import { createServer, STATUS_CODES } from "node:http"
import * as Health from "./Health.ts"
import { recover } from "./internal/failure.ts"
import type { SocketIngress } from "./SocketIngress.ts"
import * as SocketServer from "./SocketServer.ts"

type AnyLayer = Layer.Any

/**
 * How to assemble an application.
 *
 * - `services`, `controllers`: Layers started one after another in the order
 *   given (services first), each able to use what the earlier ones provide, and
 *   stopped in the reverse order. `routes`: extra router Layers (static files …).
 * - `port`: default `PORT` from the environment, else 3000. `host`: default all.
 * - `socketPath`: the WebSocket endpoint (default `/ws`).
 * - `maxFrameBytes`: the largest socket frame (default 1 MiB; a larger one closes
 *   the connection with 1009). `maxBodyBytes`: the largest HTTP body (default
 *   1 MiB; larger answers 413).
 * - `shutdownTimeout`: how long open HTTP connections may delay shutdown
 *   (default 1 second).
 * - `logRequests`: log every request and the listen address (default true).
 *
 * @since 0.1.0
 * @category models
 */
export interface Options<
  S extends ReadonlyArray<AnyLayer> = ReadonlyArray<AnyLayer>,
  C extends ReadonlyArray<AnyLayer> = ReadonlyArray<AnyLayer>,
  Rt extends ReadonlyArray<AnyLayer> = ReadonlyArray<AnyLayer>
> {
  readonly services?: S | undefined
  readonly controllers?: C | undefined
  readonly routes?: Rt | undefined
  readonly port?: number | undefined
  readonly host?: string | undefined
  readonly socketPath?: `/${string}` | undefined
  readonly maxFrameBytes?: number | undefined
  readonly maxBodyBytes?: number | undefined
  readonly shutdownTimeout?: Duration.Input | undefined
  readonly logRequests?: boolean | undefined
}

/**
 * What the application provides to its layers: the runtime, the socket server
 * and ingress, the router, and the Node platform services of the HTTP server
 * (file system, path, HTTP platform).
 *
 * @since 0.1.0
 * @category models
 */
export type Provided =
  | Specter.Runtime
  | SocketServer.SocketServer
  | SocketIngress
  | HttpRouter.HttpRouter
  | Layer.Success<ReturnType<typeof NodeHttpServer.layer>>

type LayersOf<O> = O extends Options<infer S, infer C, infer Rt> ? S[number] | C[number] | Rt[number] : never
type ErrorOf<O> = LayersOf<O> extends infer L ? L extends Layer.Any ? Layer.Error<L> : never : never
type ServicesOf<O> = LayersOf<O> extends infer L ? L extends Layer.Any ? Layer.Services<L> : never : never
type SuccessOf<O> = LayersOf<O> extends infer L ? L extends Layer.Any ? Layer.Success<L> : never : never

/**
 * What the layers of `O` need that neither the application nor another of its
 * layers provides. (A service may use what an earlier service provides; the type
 * does not check that the provider comes earlier in the list.)
 *
 * @since 0.1.0
 * @category models
 */
export type Missing<O> = Exclude<ServicesOf<O>, Provided | SuccessOf<O>>

const MiB = 1024 * 1024

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
      Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
        Effect.map(recover(cause, `${request.method} ${request.url}`), (failure) =>
          HttpServerResponse.jsonUnsafe(failure.body, { status: failure.status }))))
  ) as Effect.Effect<HttpServerResponse.HttpServerResponse, any, HttpServerRequest.HttpServerRequest>, { global: true })

/**
 * The application as HTTP routes, without a server: what `layer` serves on a
 * Node HTTP server. Serve it on another `HttpServer` to embed it.
 *
 * @since 0.1.0
 * @category layers
 */
export const routes = <const O extends Options<any, any, any>>(options: O) => {
  type Untyped = Layer.Layer<never, unknown, unknown>
  // Services, then controllers, start one after another in the order given, each
  // seeing what the earlier ones provide; they stop in the reverse order.
  const started = ([...(options.services ?? []), ...(options.controllers ?? [])] as Array<Untyped>).reduce<Untyped>(
    (earlier, next) => next.pipe(Layer.provideMerge(earlier)) as Untyped,
    Layer.empty as Untyped
  )
  const app = Layer.mergeAll(
    started,
    ...(options.routes ?? []) as Array<Untyped>,
    Health.route(),
    SocketServer.route(options.socketPath ?? "/ws"),
    errorEnvelope(options.maxBodyBytes ?? MiB)
  ) as Layer.Layer<never, unknown, HttpRouter.HttpRouter>
  const runtime = SocketServer.layer({ maxFrameBytes: options.maxFrameBytes }).pipe(Layer.provideMerge(Specter.layer))
  const quiet = options.logRequests === false
  const served = HttpRouter.serve(app, {
    routerConfig: { ignoreTrailingSlash: true },
    disableLogger: quiet,
    disableListenLog: quiet
  }).pipe(Layer.provideMerge(runtime))
  // Built after the server, so its finalizer runs before the server waits for open
  // connections: sockets are told to go away instead of holding shutdown up.
  const closeSocketsFirst = Layer.effectDiscard(
    Effect.flatMap(SocketServer.SocketServer, (sockets) => Effect.addFinalizer(() => sockets.closeAll()))
  )
  return closeSocketsFirst.pipe(Layer.provideMerge(served)) as Layer.Layer<
    Specter.Runtime | SocketServer.SocketServer | SocketIngress,
    ErrorOf<O>,
    Missing<O> | HttpServer.HttpServer
  >
}

/**
 * The whole application on a Node HTTP server listening on `port`. Its outputs
 * include the `HttpServer` (for its bound address).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = <const O extends Options<any, any, any>>(options: O) =>
  routes(options).pipe(
    Layer.provideMerge(
      NodeHttpServer.layer(createServer, {
        port: options.port ?? Number(process.env["PORT"] ?? 3000),
        ...(options.host === undefined ? {} : { host: options.host }),
        gracefulShutdownTimeout: options.shutdownTimeout ?? "1 second",
        // ws refuses larger frames before buffering them; SocketServer checks too.
        websocket: { maxPayload: options.maxFrameBytes ?? MiB }
      })
    )
  )

/**
 * A shutdown asked for by SIGINT or SIGTERM that completed is a success: exit 0.
 * Any other end keeps Effect's exit code (1 for a failure).
 */
const teardown: Runtime.Teardown = (exit, onExit) =>
  Runtime.defaultTeardown(exit, (code) => onExit(Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause) ? 0 : code))

/**
 * Runs the application until SIGINT or SIGTERM, then closes everything in reverse
 * order and exits with 0 (1 if it failed to start). The layers must need nothing
 * the application does not provide (a type error otherwise).
 *
 * @since 0.1.0
 * @category running
 */
export const run = <const O extends Options<any, any, any>>(
  options: O & ([Missing<O>] extends [never] ? unknown : { readonly missing: Missing<O> })
): void => Layer.launch(layer(options) as Layer.Layer<never, unknown>).pipe(NodeRuntime.runMain({ teardown }))
