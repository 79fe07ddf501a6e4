/**
 * The socket endpoint and its sessions: a WebSocket route on the application's
 * one HTTP server, speaking `SocketProtocol`, with topics, and pushes to one
 * session, a topic, or everyone. Inbound events go through the `SocketIngress`.
 *
 * A frame that is not JSON, not an object, not a known envelope, or names an
 * event nobody handles gets an `error` frame (or a failed ack when it carried an
 * `id`); a frame over the size limit closes the connection with 1009. None of it
 * affects other sessions or the server. Original: Flask-SocketIO with
 * `SocketIngress` dispatch, rooms, and `emit(to=…)`.
 *
 * @since 0.1.0
 */
import { Bus } from "@specter/core"
import { Context, Deferred, Effect, Layer, Result, type Scope } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { Socket } from "effect/socket"
import { randomUUID } from "node:crypto"
import * as Ingress from "./SocketIngress.ts"
import { SocketIngress } from "./SocketIngress.ts"
import * as Protocol from "./SocketProtocol.ts"
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
 * @since 0.1.0
 * @category services
 */
export interface Service {
  /** Pushes an event to session `sid`; `false` when there is no such session. */
  readonly push: (sid: string, event: string, payload: unknown) => Effect.Effect<boolean>
  /** Pushes an event to every session in `topic`; returns how many. */
  readonly publish: (topic: string, event: string, payload: unknown) => Effect.Effect<number>
  /** Pushes an event to every session; returns how many. */
  readonly broadcast: (event: string, payload: unknown) => Effect.Effect<number>
  /** The connected sessions. */
  readonly sessions: () => ReadonlyArray<SessionInfo>
  /**
   * Closes every connection with `code` (default 1001, going away) and `reason`;
   * the application does this first thing at shutdown, so that clients learn at
   * once and reconnect, instead of holding the shutdown up.
   */
  readonly closeAll: (code?: number, reason?: string) => Effect.Effect<void>
  /**
   * Runs the protocol on an upgraded socket until it closes; the session is
   * removed (from its topics too) when it does.
   */
  readonly serve: (socket: Socket.Socket) => Effect.Effect<void, never, Scope.Scope>
}

/**
 * @since 0.1.0
 * @category services
 */
export class SocketServer extends Context.Service<SocketServer, Service>()("@specter/server/SocketServer") {}

class SessionImpl implements Session {
  readonly sid = randomUUID()
  route: string | undefined = undefined
  /** False once the server decided to close the connection: later frames are ignored. */
  open = true
  readonly topics = new Set<string>()
  readonly send: (frame: string) => Effect.Effect<void>
  readonly close: (code: number, reason: string) => Effect.Effect<void>
  readonly push: Session["push"]
  readonly join: Session["join"]
  readonly leave: Session["leave"]
  /** Completed when the connection is gone (the session's finalizer ran). */
  readonly gone = Deferred.makeUnsafe<void>()
  private readonly all: Map<string, Set<SessionImpl>>
  constructor(
    write: (frame: string | Socket.CloseEvent) => Effect.Effect<void, Socket.SocketError>,
    topics: Map<string, Set<SessionImpl>>
  ) {
    this.all = topics
    this.send = (frame) => Effect.ignore(write(frame))
    this.close = (code, reason) => Effect.ignore(write(new Socket.CloseEvent(code, reason)))
    this.push = (event, payload) => this.send(Protocol.event(event, payload))
    this.join = (topic) =>
      Effect.sync(() => {
        this.topics.add(topic)
        const members = topics.get(topic) ?? new Set()
        members.add(this)
        topics.set(topic, members)
      })
    this.leave = (topic) => Effect.sync(() => this.removeFrom(topic))
  }

  removeFrom(topic: string): void {
    this.topics.delete(topic)
    const members = this.all.get(topic)
    members?.delete(this)
    if (members?.size === 0) this.all.delete(topic)
  }
}

const sendAll = (sessions: Iterable<SessionImpl>, frame: string) => {
  const targets = [...sessions]
  return Effect.as(Effect.forEach(targets, (s) => s.send(frame), { discard: true }), targets.length)
}

/**
 * Options of the socket server. `maxFrameBytes` is the largest inbound frame
 * (UTF-8 bytes, default 1 MiB); a larger one closes its connection with 1009.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly maxFrameBytes?: number | undefined
}

/**
 * Builds the session hub; needs the `SocketIngress` to dispatch to and the `Bus`
 * to announce connections on.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<Service, never, SocketIngress | Bus.Bus> => Effect.gen(function*() {
  const maxFrameBytes = options.maxFrameBytes ?? 1024 * 1024
  const ingress = yield* SocketIngress
  const bus = yield* Bus.Bus
  const sessions = new Map<string, SessionImpl>()
  const topics = new Map<string, Set<SessionImpl>>()

  const reply = (session: SessionImpl, id: number | string | undefined, error: Protocol.AckError) =>
    session.send(id === undefined ? Protocol.error(error.code, error.message) : Protocol.ackError(id, error))

  const handle = (session: SessionImpl, text: string): Effect.Effect<void> => {
    if (text.length > maxFrameBytes / 3 && Buffer.byteLength(text, "utf8") > maxFrameBytes) {
      session.open = false
      return session.close(1009, `frame larger than ${maxFrameBytes} bytes`)
    }
    const parsed = Protocol.parse(text)
    if (Result.isFailure(parsed)) {
      const { code, id, message } = parsed.failure
      return reply(session, id, { code, message })
    }
    const frame = parsed.success
    switch (frame.type) {
      case "hello":
        session.route = frame.route
        return session.send(Protocol.ready(session.sid))
      case "topic":
        return frame.action === "join" ? session.join(frame.topic) : session.leave(frame.topic)
      case "emit":
        return Effect.flatMap(ingress.dispatch(frame.event, frame.payload, { session }), (dispatch) => {
          switch (dispatch._tag) {
            case "UnknownEvent":
              return reply(session, frame.id, { code: "unknown_event", message: `no handler for event '${frame.event}'` })
            case "Failed": {
              const { code, fields, message } = dispatch.failure
              return reply(session, frame.id, { code, message, fields })
            }
            case "Ok":
              return frame.id === undefined ? Effect.void : session.send(Protocol.ackOk(frame.id, dispatch.payload))
          }
        })
    }
  }

  const serve: Service["serve"] = (socket) =>
    Effect.gen(function*() {
      const writer = yield* socket.writer
      const pull = yield* Socket.readerString(socket)
      const session = new SessionImpl(writer.write, topics)
      sessions.set(session.sid, session)
      yield* Effect.addFinalizer(() =>
        Effect.andThen(
          Effect.sync(() => {
            sessions.delete(session.sid)
            for (const topic of [...session.topics]) session.removeFrom(topic)
            Deferred.doneUnsafe(session.gone, Effect.void)
          }),
          bus.emit(Disconnected, { sid: session.sid })
        )
      )
      yield* bus.emit(Connected, { sid: session.sid })
      // Frames of one session are handled in order; other sessions are not affected.
      yield* Effect.whileLoop({
        while: () => session.open,
        body: () =>
          Effect.flatMap(pull, (frames) =>
            Effect.forEach(frames, (text) => (session.open ? handle(session, text) : Effect.void), { discard: true })),
        step: () => {}
      })
    }).pipe(Effect.catchTag("SocketError", () => Effect.void))

  return {
    push: (sid, event, payload) => {
      const session = sessions.get(sid)
      return session === undefined ? Effect.succeed(false) : Effect.as(session.push(event, payload), true)
    },
    publish: (topic, event, payload) => sendAll(topics.get(topic) ?? [], Protocol.event(event, payload)),
    broadcast: (event, payload) => sendAll(sessions.values(), Protocol.event(event, payload)),
    sessions: () => [...sessions.values()].map((s) => ({ sid: s.sid, route: s.route, topics: [...s.topics] })),
    closeAll: (code = 1001, reason = "server shutting down") =>
      Effect.suspend(() => {
        const closing = [...sessions.values()]
        for (const session of closing) session.open = false // frames still arriving are not handled
        return Effect.forEach(closing, (s) => s.close(code, reason), { discard: true }).pipe(
          // Give clients a moment to complete the close handshake.
          Effect.andThen(Effect.timeoutOption(Effect.forEach(closing, (s) => Deferred.await(s.gone), { discard: true }), "500 millis")),
          Effect.asVoid
        )
      }),
    serve
  }
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
