/**
 * The socket endpoint and its sessions: a WebSocket route on the application's
 * one HTTP server, speaking `SocketProtocol`, with topics, and pushes to one
 * session, a topic, or everyone. Inbound events go through the `SocketIngress`.
 *
 * The emits of one session are handled concurrently: a slow handler holds up
 * neither the session's `topic` frames nor the acks of its other emits (acks may
 * arrive out of order; the client matches them by `id`). An event whose handler
 * asks for `ordered` runs its frames of one session one at a time, in order. A
 * session has at most `maxInFlight` emits running; past that its frames wait
 * unread, which pushes back on the client.
 *
 * A frame that is not JSON, not an object, not a known envelope, or names an
 * event nobody handles gets an `error` frame (a failed ack when it carried an
 * `id`); a frame over the size limit closes the connection with 1009. None of it
 * affects other sessions or the server.
 *
 * @since 0.1.0
 */
import { Bus } from "@specter-runtime/core"
import { SocketProtocol } from "@specter-runtime/protocol"
import { Context, Deferred, Effect, Layer, Result, type Scope } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import type { Socket } from "effect/socket"
import { socketMeter } from "./internal/metrics.ts"
import * as internal from "./internal/socketServer.ts"
import { encodeOrDie, type SessionImpl, Topics } from "./internal/socketSession.ts"
import * as Ingress from "./SocketIngress.ts"
import { SocketIngress } from "./SocketIngress.ts"

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
 * The socket server of an application, as a `Context` service: push to the
 * connected clients from anywhere (a service, a bus listener, a handler).
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
  /** Pushes an event to session `sid`; `false` when there is no such session. */
  readonly push: (sid: string, event: string, payload: unknown) => Effect.Effect<boolean>
  /** Pushes an event to every session in `topic`; returns how many. */
  readonly publish: (topic: string, event: string, payload: unknown) => Effect.Effect<number>
  /** Pushes an event to every session; returns how many. */
  readonly broadcast: (event: string, payload: unknown) => Effect.Effect<number>
  /** The connected sessions. */
  readonly sessions: () => ReadonlyArray<SessionInfo>
  /**
   * Closes every connection with `code` (default 1001, going away) and `reason`,
   * and waits up to 500 ms for the close handshakes; the application does this
   * first thing at shutdown, so that clients learn at once and reconnect.
   */
  readonly closeAll: (code?: number, reason?: string) => Effect.Effect<void>
  /**
   * Runs the protocol on an upgraded socket until it closes; the session is
   * removed (from its topics too) when it does. Emits still running then finish;
   * closing the calling scope interrupts them.
   */
  readonly serve: (socket: Socket.Socket) => Effect.Effect<void, never, Scope.Scope>
}>()("@specter-runtime/server/SocketServer") {}

/**
 * Options of the socket server.
 *
 * - `maxFrameBytes`: the largest inbound frame, UTF-8 bytes (default 1 MiB); a
 *   larger one closes its connection with 1009.
 * - `maxInFlight`: emits of one session handled at once (default 32, at least 1).
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly maxFrameBytes?: number | undefined
  readonly maxInFlight?: number | undefined
}

/** Pushes are encoded once for all their sessions; a payload JSON cannot represent is a defect. */
const sendAll = (sessions: ReadonlyArray<SessionImpl>, frame: SocketProtocol.ServerFrame) =>
  Effect.flatMap(encodeOrDie(frame), (text) =>
    Effect.as(Effect.forEach(sessions, (s) => s.write(text), { discard: true }), sessions.length))

/**
 * Builds the session hub; needs the `SocketIngress` to dispatch to and the `Bus`
 * to announce connections on (`Connected`, `Disconnected`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<SocketServer["Service"], never, SocketIngress | Bus.Bus> =>
  Effect.gen(function*() {
    const bus = yield* Bus.Bus
    const hub: internal.Hub = {
      settings: {
        maxFrameBytes: options.maxFrameBytes ?? 1024 * 1024,
        maxInFlight: Math.max(1, Math.floor(options.maxInFlight ?? 32))
      },
      ingress: yield* SocketIngress,
      sessions: new Map(),
      topics: new Topics(),
      announce: (sid, connected) => bus.emit(connected ? Connected : Disconnected, { sid }),
      meter: yield* socketMeter
    }
    return SocketServer.of({
      push: (sid, event, payload) => {
        const session = hub.sessions.get(sid)
        return session === undefined ? Effect.succeed(false) : Effect.as(session.push(event, payload), true)
      },
      publish: (topic, event, payload) => sendAll(hub.topics.of(topic), SocketProtocol.event(event, payload)),
      broadcast: (event, payload) => sendAll([...hub.sessions.values()], SocketProtocol.event(event, payload)),
      sessions: () => [...hub.sessions.values()].map((s) => ({ sid: s.sid, route: s.route, topics: [...s.topics] })),
      closeAll: (code = 1001, reason = "server shutting down") =>
        Effect.suspend(() => {
          const closing = [...hub.sessions.values()]
          for (const session of closing) session.open = false // frames still arriving are not handled
          return Effect.forEach(closing, (s) => s.close(code, reason), { discard: true }).pipe(
            Effect.andThen(Effect.timeoutOption(Effect.forEach(closing, (s) => Deferred.await(s.gone), { discard: true }), "500 millis")),
            Effect.asVoid
          )
        }),
      serve: (socket) => internal.serve(hub, socket)
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
 * The WebSocket endpoint at `path` (default `/ws`) on the application's router.
 * A plain HTTP request there answers 426.
 *
 * @since 0.1.0
 * @category layers
 */
export const route = (path: `/${string}` = "/ws"): Layer.Layer<never, never, HttpRouter.HttpRouter | SocketServer> =>
  HttpRouter.use((router) =>
    Effect.flatMap(SocketServer, (server) =>
      router.add(
        "GET",
        path,
        Effect.gen(function*() {
          const request = yield* HttpServerRequest.HttpServerRequest
          const socket = yield* Effect.result(request.upgrade)
          if (Result.isFailure(socket)) {
            return HttpServerResponse.jsonUnsafe({ error: "expected a WebSocket upgrade" }, { status: 426 })
          }
          yield* server.serve(socket.success)
          return HttpServerResponse.empty()
        })
      ))
  )
