/**
 * How `App` reads its configuration and assembles the application: the runtime,
 * the socket server, the health routes, the error envelope and the application's
 * own layer, served by Effect's router.
 *
 * @internal
 */
import { Specter } from "@specter-runtime/core"
import { ByteSize, Config, Duration, Effect, Layer, Option, SubscriptionRef } from "effect"
import { HttpIncomingMessage, HttpMiddleware, HttpRouter, HttpServer, HttpServerRequest, HttpServerResponse } from "effect/http"
import { createServer, type Server, STATUS_CODES } from "node:http"
import type { HttpOptions, Options } from "../App.ts"
import * as Health from "../Health.ts"
import * as SocketServer from "../SocketServer.ts"
import { recover } from "./failure.ts"
import { type Connections, type Drain, shutdown, track } from "./shutdown.ts"
import { httpMeter, routeRecorder } from "./metrics.ts"
import * as observability from "./observability.ts"
import * as OtlpEnvironment from "./otlpEnvironment.ts"

export const telemetry = observability.telemetry

const MiB = 1024 * 1024

/** What `App.Options` resolves to, every default filled in. */
export interface Settings {
  readonly port: number
  readonly host: string | undefined
  readonly json: boolean
  readonly maxBodyBytes: number
  readonly headersTimeoutMs: number
  readonly requestTimeoutMs: number
  readonly keepAliveTimeoutMs: number
  readonly maxConnections: number
  readonly shutdownTimeout: Duration.Duration
  /**
   * Whether anything reads the HTTP metrics (`/metrics`, the inspector, or an OTLP
   * exporter): without a reader a request pays nothing for them.
   */
  readonly meterHttp: boolean
}

const PORT = /^\d{1,5}$/

/** Milliseconds of a positive duration option, or the message saying what is wrong with it. */
const millis = (name: string, input: Duration.Input | undefined, fallback: number): number | string => {
  if (input === undefined) return fallback
  const ms = Option.match(Duration.fromInput(input), { onNone: () => Number.NaN, onSome: Duration.toMillis })
  return Number.isFinite(ms) && ms > 0 ? Math.ceil(ms) : `http.${name} must be a positive, finite duration, got ${String(input)}`
}

const count = (name: string, value: number | undefined, fallback: number, min: number): number | string =>
  value === undefined ? fallback : Number.isSafeInteger(value) && value >= min
  ? value
  : `http.${name} must be an integer of at least ${min}, got ${value}`

/** The HTTP limits of `options`, defaults filled in; a bad value is a one-line message. */
const limits = (http: HttpOptions) => {
  const values = {
    maxBodyBytes: count("maxBodyBytes", http.maxBodyBytes, MiB, 0),
    headersTimeoutMs: millis("headersTimeout", http.headersTimeout, 5_000),
    requestTimeoutMs: millis("requestTimeout", http.requestTimeout, 10_000),
    keepAliveTimeoutMs: millis("keepAliveTimeout", http.keepAliveTimeout, 5_000),
    maxConnections: count("maxConnections", http.maxConnections, 10_000, 1),
    shutdownTimeoutMs: millis("shutdownTimeout", http.shutdownTimeout, 1_000)
  }
  const bad = Object.values(values).find((value) => typeof value === "string")
  if (bad !== undefined) return Effect.fail(bad)
  const ok = values as { readonly [K in keyof typeof values]: number }
  if (ok.headersTimeoutMs > ok.requestTimeoutMs) {
    return Effect.fail(`http.headersTimeout (${ok.headersTimeoutMs} ms) must not be longer than http.requestTimeout (${ok.requestTimeoutMs} ms)`)
  }
  const { shutdownTimeoutMs, ...rest } = ok
  return Effect.succeed({ ...rest, shutdownTimeout: Duration.millis(shutdownTimeoutMs) })
}

/** `PORT`, `HOST` and `LOG_FORMAT`, unless `options` gives them, and the HTTP limits; a bad value is a one-line message. */
export const settings = (options: Options) =>
  Effect.gen(function*() {
    const http = options.http ?? {}
    const read = <A>(config: Config.Config<A>) => Effect.mapError(config, (error) => String(error.message))
    const rawPort = http.port === undefined ? yield* read(Config.option(Config.String("PORT"))) : Option.some(String(http.port))
    const port = Option.match(rawPort, { onNone: () => 3000, onSome: (text) => Number(text.trim()) })
    if (Option.isSome(rawPort) && (!PORT.test(rawPort.value.trim()) || port > 65535)) {
      return yield* Effect.fail(`PORT must be a port number, got '${rawPort.value}'`)
    }
    const host = http.host ?? Option.getOrUndefined(yield* read(Config.option(Config.String("HOST"))))
    const format = Option.getOrUndefined(yield* read(Config.option(Config.String("LOG_FORMAT"))))
    if (format !== undefined && format !== "json" && format !== "text") {
      return yield* Effect.fail(`LOG_FORMAT must be 'json' or 'text', got '${format}'`)
    }
    const otlpFromEnv = yield* OtlpEnvironment.asks(["METRICS"])
    return { port, host, json: format === "json", meterHttp: readsMetrics(options, otlpFromEnv), ...(yield* limits(http)) } satisfies Settings
  })

/** The Node server of the application, and the connections it has open. */
export interface NodeServer {
  readonly server: Server
  readonly connections: Connections
}

/** Whether `options` serve `/metrics` or the inspector, or export metrics over OTLP (configured here or by the `OTEL_*` environment). */
const readsMetrics = (options: Options, otlpFromEnv: boolean): boolean => {
  const { metrics, otlp } = options.observability ?? {}
  if ((metrics !== undefined && metrics !== false) || (options.inspector !== undefined && options.inspector !== false)) return true
  if (otlp === false) return false
  return otlpFromEnv || (typeof otlp === "object" && otlp.endpoint !== undefined)
}

/**
 * The Node server with the limits of `settings`. Node checks the header and
 * request timeouts on an interval: a fifth of the shorter one, at most a second.
 */
export const nodeServer = (settings: Settings): NodeServer => {
  const server = createServer({
    headersTimeout: settings.headersTimeoutMs,
    requestTimeout: settings.requestTimeoutMs,
    keepAliveTimeout: settings.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(settings.headersTimeoutMs / 5)))
  })
  server.maxConnections = settings.maxConnections
  return { server, connections: track(server) }
}

export const serverOptions = (options: Options, settings: Settings) => ({
  port: settings.port,
  ...(settings.host === undefined ? {} : { host: settings.host }),
  // The drain of `assemble` bounds the shutdown; this only covers a server it did not close.
  gracefulShutdownTimeout: settings.shutdownTimeout,
  // ws refuses larger frames before buffering them; SocketServer checks too.
  websocket: { maxPayload: options.sockets?.maxPayloadBytes ?? MiB }
})

/** Whether the Node server's `ServeError` means the port is taken. */
export const portInUse = (error: { readonly cause: unknown }): boolean =>
  typeof error.cause === "object" && error.cause !== null && (error.cause as { readonly code?: unknown }).code === "EADDRINUSE"

/**
 * Answers every failure of every route with the JSON error envelope, and logs
 * the ones that are server faults (with the request line); while the server
 * drains, every answer closes its connection. While the application starts, a path
 * that has no route yet answers 503 with `Retry-After: 1` instead of 404: its
 * route may be registered a moment later.
 */
const errorEnvelope = (drain: Drain) =>
  HttpRouter.middleware(Effect.gen(function*() {
    const { phase } = yield* Health.Readiness
    const finish = (answer: HttpServerResponse.HttpServerResponse) => {
      const ready = answer.status === 404 && phase.value === "starting" ? notReady : answer
      return drain.draining ? HttpServerResponse.setHeader(ready, "connection", "close") : ready
    }
    return (app: Effect.Effect<HttpServerResponse.HttpServerResponse, any, any>) =>
      app.pipe(
        // An error answer without a body (a static file that is not there) gets one too.
        Effect.map((response) =>
          finish(
            response.status >= 400 && response.body._tag === "Empty"
              ? HttpServerResponse.jsonUnsafe({ error: STATUS_CODES[response.status]?.toLowerCase() ?? "error" }, {
                status: response.status,
                headers: response.headers
              })
              : response
          )
        ),
        Effect.catchCause((cause) =>
          HttpServerRequest.HttpServerRequest.use((request) =>
            Effect.map(recover(cause, `${request.method} ${request.url}`), (failure) =>
              finish(HttpServerResponse.jsonUnsafe(failure.body, { status: failure.status, headers: failure.headers ?? {} })))))
      ) as Effect.Effect<HttpServerResponse.HttpServerResponse, any, HttpServerRequest.HttpServerRequest>
  }), { global: true })

const notReady = HttpServerResponse.jsonUnsafe({ error: "starting" }, { status: 503, headers: { "retry-after": "1" } })

/**
 * The socket route, which refuses upgrades (503, `Retry-After: 1`) until the
 * application is ready. The route is served with the infrastructure, before the
 * application has registered its socket handlers; an emit on a socket opened
 * then would be answered `unknown_event`. A client retries, as after any failed
 * connection.
 */
const socketRoute = (path: `/${string}`) =>
  HttpRouter.use((router) =>
    Effect.gen(function*() {
      const server = yield* SocketServer.SocketServer
      const { phase } = yield* Health.Readiness
      const upgrade = HttpServerRequest.HttpServerRequest.use((request) => server.upgrade(request))
      yield* router.add("GET", path, Effect.flatMap(SubscriptionRef.get(phase), (now) => now === "starting" ? Effect.succeed(notReady) : upgrade))
    }))

/**
 * The infrastructure (runtime, socket server, router, health and socket routes, the
 * error envelope), served as soon as it is built; then the application, which adds
 * its routes to the running router; then the readiness mark and the shutdown.
 * Closing runs it backwards: readiness goes `stopping`; the sockets close while
 * HTTP drains, then every connection left is destroyed (see `shutdown.ts`); then
 * the application stops, and only then does the router stop serving.
 */
export const assemble = <ROut, E>(
  app: Layer.Layer<ROut, E, any>,
  options: Options,
  settings: Settings,
  node: NodeServer,
  inspector: Layer.Layer<never, any, any> = Layer.empty
) => {
  const runtime = SocketServer.layer(options.sockets ?? {}).pipe(
    Layer.provideMerge(Layer.merge(Specter.layer, Health.Readiness.layer))
  )
  const router = HttpRouter.layer.pipe(Layer.provide(Layer.succeed(HttpRouter.RouterConfig, { ignoreTrailingSlash: true })))
  const drain: Drain = { draining: false }
  const infrastructure = Layer.mergeAll(
    Health.routes(),
    socketRoute(options.sockets?.path ?? "/ws"),
    errorEnvelope(drain),
    observability.metricsRoute(options.observability),
    settings.meterHttp ? routeRecorder : Layer.empty
  ).pipe(Layer.provideMerge(router), Layer.provideMerge(runtime))
  const quiet = options.http?.logRequests !== true
  const serving = Layer.unwrap(HttpRouter.HttpRouter.use((router) => {
    const handler = settings.meterHttp ? httpMeter(router.asHttpEffect()) : router.asHttpEffect()
    // The listen address is always logged; each request only with `logRequests`.
    return Effect.succeed(HttpServer.withLogAddress(quiet ? HttpServer.serve(handler) : HttpServer.serve(handler, HttpMiddleware.logger)))
  })).pipe(
    // In the context every request starts from: set once, not per request.
    Layer.provide(Layer.succeed(HttpIncomingMessage.MaxBodySize, ByteSize.bytes(settings.maxBodyBytes)))
  )
  const served = serving.pipe(Layer.provideMerge(infrastructure))
  return shutdown(node.server, drain, node.connections, settings.shutdownTimeout).pipe(
    Layer.provideMerge(Health.markReady),
    Layer.provideMerge(observability.openApiRoutes(options.observability)),
    Layer.provideMerge(app as Layer.Layer<ROut, E, never>),
    // Built before the application, so it sees every service, watcher and process start.
    Layer.provideMerge(inspector as Layer.Layer<never, never, never>),
    Layer.provideMerge(served)
  )
}
