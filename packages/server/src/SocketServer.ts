/**
 * The socket endpoint and its sessions: a WebSocket route on the application's
 * one HTTP server, speaking `SocketProtocol`, with topics, and pushes to one
 * session, a topic, or everyone. Inbound events go through the `SocketIngress`.
 *
 * Hardened by default (see `Options`): the upgrade must ask for
 * `Upgrade: websocket` (else 426) from an allowed `Origin` (else 403); a
 * heartbeat cuts peers that stop answering; a client that stops reading is
 * closed (1013) instead of buffering without end; each connection's frames pass
 * a rate limit; connections and frame sizes are capped. A binary frame is
 * refused with an `error` frame and affects no other frame.
 *
 * The emits of one session are handled concurrently: a slow handler holds up
 * neither the session's `topic` frames nor the acks of its other emits (acks may
 * arrive out of order; the client matches them by `id`). An event whose handler
 * asks for `ordered` runs its frames of one session one at a time, in order. A
 * session has at most `maxInFlight` emits running, and starts at most that many
 * in one turn of the event loop; past that its frames wait unread, which pushes
 * back on the client, and other sessions take their turns in between.
 *
 * A frame that is not JSON, not an object, not a known envelope, or names an
 * event nobody handles gets an `error` frame (a failed ack when it carried an
 * `id`); a frame over the size limit closes the connection with 1009. None of it
 * affects other sessions or the server.
 *
 * For speed and memory the connections run on plain `ws` rather than Effect's
 * `Socket`: a session is one small object (no fiber while idle; the upgrade
 * request is released), `hello` and `topic` frames are answered in the `ws`
 * callback, only an emit gets a fiber, and a push is one encoded frame written
 * to each socket without an Effect per delivery. The bench rows "socket emit →
 * ack", "one message broadcast to 1,000 sockets" and "RSS per idle socket"
 * (`npm run bench:load`) measure it against bare Effect and raw `ws`.
 *
 * @since 0.1.0
 */
import { Bus } from "@specter-runtime/core"
import { SocketProtocol } from "@specter-runtime/protocol"
import { Context, Data, Effect, FiberSet, Layer, Schedule, type Scope } from "effect"
import { HttpRouter, HttpServerRequest, type HttpServerResponse } from "effect/http"
import { socketMeter } from "./internal/metrics.ts"
import * as internal from "./internal/socketServer.ts"
import * as Ingress from "./SocketIngress.ts"
import { SocketIngress } from "./SocketIngress.ts"
import type { Session } from "./SocketSession.ts"

/**
 * Published on the bus when a client connects (`sid`).
 *
 * @since 0.1.0
 * @category events
 */
export const Connected = Bus.event<{ readonly sid: string }>("socket:connected")

/**
 * Published on the bus when a client's connection ends (`sid`).
 *
 * @since 0.1.0
 * @category events
 */
export const Disconnected = Bus.event<{ readonly sid: string }>("socket:disconnected")

/**
 * What the server knows of a session.
 *
 * @since 0.1.0
 * @category models
 */
export interface SessionInfo {
  readonly sid: string
  readonly route: string | undefined
  readonly topics: ReadonlyArray<string>
}


/**
 * Counts connections closed because their client stopped reading (their unsent
 * bytes passed `maxBufferedBytes`).
 *
 * @since 0.1.0
 * @category metrics
 */
export const slowConsumersClosed = internal.slowConsumersClosed

/**
 * Counts connections closed for sending frames above their rate limit.
 *
 * @since 0.1.0
 * @category metrics
 */
export const rateLimitClosed = internal.rateLimitClosed

/**
 * An `authorize` hook's refusal of an upgrade: answered with `status` (401 when
 * the client must authenticate, 403 when it may not connect) and `message` as
 * the JSON `error`.
 *
 * @example
 * authorize: (request) =>
 *   request.headers["x-token"] === secret
 *     ? Effect.succeed({ role: "admin" })
 *     : Effect.fail(new SocketServer.Refused({ status: 401, message: "a token is required" }))
 *
 * @since 0.1.0
 * @category errors
 */
export class Refused extends Data.TaggedError("Refused")<{ readonly status: 401 | 403; readonly message: string }> {}

/**
 * How the socket server guards itself; every field is optional and every limit
 * is on by default.
 *
 * @example
 * SocketServer.layer({
 *   allowedOrigins: ["https://app.example"],
 *   canJoin: (session, topic) => Effect.succeed(!topic.startsWith("private:") || session.data === topic),
 *   maxConnections: 20_000
 * })
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * Browser origins allowed to open a socket, as `scheme://host[:port]`
   * (`"*"`: any). Default: the server's own origin (the request's `Host`) and
   * `localhost`/`127.0.0.1`/`[::1]` on any port. An upgrade from another
   * origin is answered 403; one without `Origin` (not a browser) is allowed.
   */
  readonly allowedOrigins?: ReadonlyArray<string> | undefined
  /**
   * Runs on every upgrade that passed the other checks. Its success value
   * becomes the session's `data`; a `Refused` failure answers with its status
   * (401 or 403). Default: everyone is let in, with `data` `undefined`.
   */
  readonly authorize?: ((request: HttpServerRequest.HttpServerRequest) => Effect.Effect<unknown, Refused>) | undefined
  /**
   * Decides whether `session` may join `topic`; `false` (or a failure) refuses
   * the join with a failed ack (or `error` frame) of code `forbidden`, and the
   * session gets none of the topic's pushes. Default: every join is allowed.
   */
  readonly canJoin?: ((session: Session, topic: string) => Effect.Effect<boolean>) | undefined
  /** Milliseconds between the server's pings to every connection (default 25 000). */
  readonly pingIntervalMs?: number | undefined
  /** Pings in a row a peer may leave unanswered; at the next ping it is cut (default 2). */
  readonly missedPongs?: number | undefined
  /**
   * Bytes waiting to be sent to one client, past which it counts as not reading:
   * its connection is closed with 1013, counted in
   * `specter_socket_slow_consumers_closed_total` and logged (default 4 MiB).
   * Other clients never wait for it.
   */
  readonly maxBufferedBytes?: number | undefined
  /**
   * Frames per second one connection may send on average (default 500); frames
   * above it are not handled, and the connection gets an `error` frame with code
   * `rate_limited` (one per turn of the event loop, however many of its frames
   * that turn refused: a flood is not answered frame by frame).
   */
  readonly maxFramesPerSecond?: number | undefined
  /**
   * Frames one connection may send at once above its rate (default 1 000). A
   * connection that goes on sending this many more frames over its limit is
   * closed with 1008.
   */
  readonly frameBurst?: number | undefined
  /** Connections at once; further upgrades are answered 503 (default 10 000). */
  readonly maxConnections?: number | undefined
  /** The largest inbound frame, bytes (default 1 MiB); a larger one closes its connection with 1009. */
  readonly maxPayloadBytes?: number | undefined
  /**
   * Emits of one session handled at once, and started in one turn of the event
   * loop (default 32, at least 1); past that its frames wait in order for a later
   * turn and its connection is not read.
   */
  readonly maxInFlight?: number | undefined
  /**
   * Milliseconds a closing connection may take to answer the close handshake
   * before it is cut (default 500), which bounds shutdown.
   */
  readonly closeTimeoutMs?: number | undefined
}

/**
 * The socket server of an application, as a `Context` service: push to the
 * connected clients from anywhere (a service, a bus listener, a handler).
 * Pushes never wait: a frame for a connection that has ended is dropped, and
 * each push is encoded once for all its sessions (and not at all when nobody
 * would receive it).
 *
 * @example
 * const sockets = yield* SocketServer.SocketServer
 * yield* sockets.publish("items", "items:changed", items) // every session that joined "items"
 * yield* sockets.push(session.sid, "welcome", { at: Date.now() })
 *
 * @since 0.1.0
 * @category services
 */
export class SocketServer extends Context.Service<SocketServer, {
  /** Pushes an event to session `sid`; `false` when there is no such open session. */
  readonly push: (sid: string, event: string, payload: unknown) => Effect.Effect<boolean>
  /** Pushes an event to every session in `topic`; returns to how many it was written. */
  readonly publish: (topic: string, event: string, payload: unknown) => Effect.Effect<number>
  /** Pushes an event to every session; returns to how many it was written. */
  readonly broadcast: (event: string, payload: unknown) => Effect.Effect<number>
  /** The connected sessions. */
  readonly sessions: () => ReadonlyArray<SessionInfo>
  /**
   * Closes every connection with `code` (default 1001, going away) and `reason`,
   * all at once, waits up to `closeTimeoutMs` for the close handshakes and cuts
   * the connections still open; from then on upgrades are answered 503. Logs one
   * line. The application does this first thing at shutdown, so that clients
   * learn at once and reconnect.
   */
  readonly closeAll: (code?: number, reason?: string) => Effect.Effect<void>
  /**
   * Answers a WebSocket upgrade request: 426 unless it asks for
   * `Upgrade: websocket`, 403 for a foreign `Origin`, 503 past `maxConnections`
   * or during shutdown, the `authorize` refusal, or the connection becomes a
   * session (the answer is then a 101 that is never written: the connection
   * belongs to the session).
   */
  readonly upgrade: (request: HttpServerRequest.HttpServerRequest) => Effect.Effect<HttpServerResponse.HttpServerResponse>
}>()("@specter-runtime/server/SocketServer") {}

const settingsOf = (options: Options): internal.Settings => {
  const positive = (value: number | undefined, fallback: number) =>
    value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback
  return {
    allowedOrigins: options.allowedOrigins === undefined
      ? undefined
      : new Set(options.allowedOrigins.map((o) => o.toLowerCase().replace(/\/+$/, ""))),
    authorize: options.authorize,
    canJoin: options.canJoin,
    pingIntervalMs: positive(options.pingIntervalMs, 25_000),
    missedPongs: Math.max(1, Math.floor(positive(options.missedPongs, 2))),
    maxBufferedBytes: positive(options.maxBufferedBytes, 4 * 1024 * 1024),
    frameRate: positive(options.maxFramesPerSecond, 500),
    frameBurst: Math.max(1, positive(options.frameBurst, 1000)),
    maxConnections: positive(options.maxConnections, 10_000),
    maxPayloadBytes: positive(options.maxPayloadBytes, 1024 * 1024),
    maxInFlight: Math.max(1, Math.floor(positive(options.maxInFlight, 32))),
    closeTimeoutMs: positive(options.closeTimeoutMs, 500)
  }
}

/**
 * Builds the session hub in the calling scope (closing it interrupts running
 * emits and stops the heartbeat); needs the `SocketIngress` to dispatch to and
 * the `Bus` to announce connections on (`Connected`, `Disconnected`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<SocketServer["Service"], never, SocketIngress | Bus.Bus | Scope.Scope> =>
  Effect.gen(function*() {
    const bus = yield* Bus.Bus
    const connected = bus.publisher(Connected)
    const disconnected = bus.publisher(Disconnected)
    const run = yield* FiberSet.makeRuntime<never, void, never>()
    const settings = settingsOf(options)
    const hub = new internal.Hub(settings, yield* SocketIngress, (effect) => run(effect), (sid, isConnected) =>
      (isConnected ? connected : disconnected).emit({ sid }), yield* socketMeter)
    yield* Effect.forkScoped(Effect.repeat(Effect.sync(() => hub.beat()), Schedule.spaced(settings.pingIntervalMs)))
    yield* Effect.addFinalizer(() => Effect.sync(() => hub.wss.close()))
    return SocketServer.of({
      push: (sid, event, payload) =>
        Effect.sync(() => hub.sessions.get(sid)?.sendNow(SocketProtocol.event(event, payload)) ?? false),
      publish: (topic, event, payload) => Effect.sync(() => hub.sendAll(hub.topics.of(topic), SocketProtocol.event(event, payload))),
      broadcast: (event, payload) => Effect.sync(() => hub.sendAll(hub.sessions.values(), SocketProtocol.event(event, payload))),
      sessions: () => [...hub.sessions.values()].map((s) => ({ sid: s.sid, route: s.route, topics: [...s.topics] })),
      closeAll: (code = 1001, reason = "server shutting down") => hub.closeAll(code, reason),
      upgrade: (request) => hub.upgrade(request)
    })
  })

/**
 * Provides `SocketServer` and the `SocketIngress` it dispatches to.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<SocketServer | SocketIngress, never, Bus.Bus> =>
  Layer.effect(SocketServer, make(options)).pipe(Layer.provideMerge(Ingress.layer))

/**
 * The WebSocket endpoint at `path` (default `/ws`) on the application's router;
 * see `SocketServer.upgrade` for its answers (a plain HTTP request gets 426).
 *
 * @since 0.1.0
 * @category layers
 */
export const route = (path: `/${string}` = "/ws"): Layer.Layer<never, never, HttpRouter.HttpRouter | SocketServer> =>
  HttpRouter.use((router) =>
    Effect.flatMap(SocketServer, (server) =>
      router.add("GET", path, HttpServerRequest.HttpServerRequest.use((request) => server.upgrade(request)))))
