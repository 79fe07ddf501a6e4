/**
 * The `Metric`s of the server edge (sockets, HTTP), the recorder the socket
 * engine calls, the HTTP middleware that counts requests, and the span of a
 * socket event. Recorders are built once per socket hub with their attributes
 * fixed, so what runs per frame is one `updateUnsafe`.
 *
 * @internal
 */
import { Clock, Context, Effect, Exit, type Fiber, Metric, Tracer } from "effect"
import { HttpRouter, HttpServerRequest, type HttpServerResponse } from "effect/http"

const ms = Metric.exponentialBoundaries({ start: 1, factor: 2, count: 16 }) // 1 ms … ~33 s

export const socketSessions = Metric.gauge("specter_socket_sessions", { description: "Socket sessions open now" })
export const socketSessionsOpened = Metric.counter("specter_socket_sessions_opened_total", {
  description: "Socket sessions opened",
  incremental: true
})
export const socketFramesIn = Metric.counter("specter_socket_frames_in_total", {
  description: "Socket frames received",
  incremental: true
})
export const socketFramesOut = Metric.counter("specter_socket_frames_out_total", {
  description: "Socket frames sent (an event pushed to N sessions is N frames)",
  incremental: true
})
export const socketAcks = Metric.counter("specter_socket_acks_total", {
  description: "Acks sent for emits with an id, by outcome (ok, error)",
  incremental: true
})
export const socketErrors = Metric.counter("specter_socket_errors_total", {
  description: "Error answers sent to socket clients (failed acks and error frames), by code",
  incremental: true
})
export const socketCloses = Metric.counter("specter_socket_closes_total", {
  description: "Socket sessions closed, by WebSocket close code",
  incremental: true
})
export const httpRequests = Metric.counter("specter_http_requests_total", {
  description: "HTTP requests answered, by method, route (the pattern, or 'unmatched') and status",
  incremental: true
})
export const httpDuration = Metric.histogram("specter_http_request_duration_ms", {
  description: "HTTP request latency in milliseconds (until the response is ready), by method and route",
  boundaries: ms
})

/** The socket engine's recorder; one per socket hub. */
export class SocketMeter {
  private readonly context: Context.Context<never>
  private readonly open = socketSessions
  private readonly opened = socketSessionsOpened
  private readonly framesIn = socketFramesIn
  private readonly framesOut = socketFramesOut
  private readonly acksOk = Metric.withAttributes(socketAcks, { outcome: "ok" })
  private readonly acksError = Metric.withAttributes(socketAcks, { outcome: "error" })
  private readonly errors = new Map<string, Metric.Counter<number>>()
  private readonly closes = new Map<number, Metric.Counter<number>>()

  constructor(context: Context.Context<never>) {
    this.context = context
  }

  sessionOpened(): void {
    this.opened.updateUnsafe(1, this.context)
    this.open.modifyUnsafe(1, this.context)
  }

  /** A session ended with close `code` (1006 when the connection just went away). */
  sessionClosed(code: number): void {
    this.open.modifyUnsafe(-1, this.context)
    let counter = this.closes.get(code)
    if (counter === undefined) this.closes.set(code, counter = Metric.withAttributes(socketCloses, { code: String(code) }))
    counter.updateUnsafe(1, this.context)
  }

  frameIn(): void {
    this.framesIn.updateUnsafe(1, this.context)
  }

  framesSent(count: number): void {
    this.framesOut.updateUnsafe(count, this.context)
  }

  /** An answer to an emit: an ack (`id` given) and, when it failed, its error `code`. */
  answered(acked: boolean, errorCode: string | undefined): void {
    if (acked) (errorCode === undefined ? this.acksOk : this.acksError).updateUnsafe(1, this.context)
    if (errorCode === undefined) return
    let counter = this.errors.get(errorCode)
    if (counter === undefined) this.errors.set(errorCode, counter = Metric.withAttributes(socketErrors, { code: errorCode }))
    counter.updateUnsafe(1, this.context)
  }
}

/** A recorder for the calling context's metric registry. */
export const socketMeter: Effect.Effect<SocketMeter> = Effect.map(Effect.context<never>(), (context) => new SocketMeter(context))

/**
 * `answer` in a span `socket.event <event>` of its own (a root: a frame starts a
 * new trace), linked to the span of the connection's upgrade request. Nothing is
 * added when no tracer is installed (the native tracer).
 */
export const eventSpan = <A, E, R>(
  event: string,
  session: { readonly sid: string; readonly connection: Tracer.AnySpan | undefined },
  answer: Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> =>
  Effect.withFiber((fiber) => {
    if (fiber.getRef(Tracer.Tracer) === Tracer.nativeTracer) return answer
    const connection = session.connection
    return Effect.withSpan(answer, `socket.event ${event}`, {
      root: true,
      kind: "server",
      links: connection === undefined ? [] : [{ span: connection, attributes: { "specter.link": "connection" } }],
      attributes: { "specter.event": event, "specter.sid": session.sid }
    })
  })

/** The span `fiber` runs in, when spans are exported: what a socket connection's events link to. */
export const causeOf = (fiber: Fiber.Fiber<unknown, unknown>): Tracer.AnySpan | undefined =>
  fiber.getRef(Tracer.Tracer) === Tracer.nativeTracer ? undefined : Context.getOrUndefined(fiber.context, Tracer.ParentSpan)

/** Where the router leaves the pattern of the route that answered, for the HTTP meter outside it. */
class MatchedRoute extends Context.Service<MatchedRoute, { path: string }>()("@specter-runtime/server/internal/MatchedRoute") {}

/**
 * A global router middleware that tells the HTTP meter which route answered:
 * the router's `RouteContext` is only visible inside it.
 */
export const routeRecorder = HttpRouter.middleware((app) =>
  Effect.onExit(app, () =>
    Effect.withFiber((fiber) => {
      const slot = Context.getOrUndefined(fiber.context, MatchedRoute)
      const matched = Context.getOrUndefined(fiber.context, HttpRouter.RouteContext)
      if (slot !== undefined && matched !== undefined) slot.path = matched.route.path
      return Effect.void
    })), { global: true })

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])

/** The series of one method, route and status, made once: the label values are few (route patterns, known methods). */
const httpSeries = new Map<string, { readonly requests: Metric.Counter<number>; readonly duration: Metric.Histogram<number> }>()

const seriesOf = (method: string, route: string, status: number) => {
  const key = `${method} ${status} ${route}`
  let series = httpSeries.get(key)
  if (series === undefined) {
    httpSeries.set(key, series = {
      requests: Metric.withAttributes(httpRequests, { method, route, status: String(status) }),
      duration: Metric.withAttributes(httpDuration, { method, route })
    })
  }
  return series
}

/**
 * The HTTP middleware that counts every request by method (`OTHER` for a method
 * no route can take), route and status and records its latency. It sits outside
 * the router (and its error envelope), so a failure is counted with the status it
 * was answered with (500 for a defect).
 */
export const httpMeter = <E, R>(
  app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R | HttpServerRequest.HttpServerRequest>
): Effect.Effect<HttpServerResponse.HttpServerResponse, E, R | HttpServerRequest.HttpServerRequest> =>
  Effect.withFiber((fiber) => {
    const context = fiber.context as Context.Context<never>
    const clock = fiber.getRef(Clock.Clock)
    const start = clock.currentTimeNanosUnsafe()
    const slot = { path: "unmatched" }
    return Effect.onExit(Effect.provideService(app, MatchedRoute, slot), (exit) =>
      Effect.sync(() => {
        const method = Context.getUnsafe(context, HttpServerRequest.HttpServerRequest).method
        const series = seriesOf(METHODS.has(method) ? method : "OTHER", slot.path, Exit.isSuccess(exit) ? exit.value.status : 500)
        series.requests.updateUnsafe(1, context)
        series.duration.updateUnsafe(Number(clock.currentTimeNanosUnsafe() - start) / 1e6, context)
      }))
  })
