/**
 * The session hub: every connection's session, the topics, the heartbeat, the
 * upgrade checks, pushes and the bounded close at shutdown. Connections run on
 * plain `ws` (a `WebSocketServer` with `noServer`, fed by the socket route): a
 * frame is handled in the `ws` callback and only an emit gets a fiber, so an
 * idle connection holds no fiber and no Effect state. A session leaves every
 * table the moment its connection closes.
 *
 * @internal
 */
import { SocketProtocol } from "@specter-runtime/protocol"
import { Effect, type Fiber, Metric, type Tracer } from "effect"
import { type HttpServerRequest, HttpServerResponse } from "effect/http"
import { NodeHttpServerRequest } from "@effect/platform-node"
import type { IncomingMessage, ServerResponse } from "node:http"
import type { Duplex } from "node:stream"
import { type WebSocket, WebSocketServer } from "ws"
import type { SocketIngress } from "../SocketIngress.ts"
import type { Session } from "../SocketSession.ts"
import { causeOf, type SocketMeter } from "./metrics.ts"
import { type FrameHost, onFrame } from "./socketFrames.ts"
import { encodeOrThrow, type SessionHost, SessionImpl, Topics } from "./socketSession.ts"
import { asksForWebSocket, handOver, originAllowed, refuse } from "./socketUpgrade.ts"

/** The options of `SocketServer.Options`, with their defaults applied. */
export interface Settings {
  readonly allowedOrigins: ReadonlySet<string> | undefined
  readonly authorize: ((request: HttpServerRequest.HttpServerRequest) => Effect.Effect<unknown, { readonly status: 401 | 403; readonly message: string }>) | undefined
  readonly canJoin: ((session: Session, topic: string) => Effect.Effect<boolean>) | undefined
  readonly pingIntervalMs: number
  readonly missedPongs: number
  readonly maxBufferedBytes: number
  readonly frameRate: number
  readonly frameBurst: number
  readonly maxConnections: number
  readonly maxPayloadBytes: number
  readonly maxInFlight: number
  readonly closeTimeoutMs: number
}

/** Connections closed because their client stopped reading. */
export const slowConsumersClosed = Metric.counter("specter_socket_slow_consumers_closed_total", {
  description: "Socket connections closed because their unsent bytes passed maxBufferedBytes",
  incremental: true
})

/** Connections closed for sending frames above their rate limit. */
export const rateLimitClosed = Metric.counter("specter_socket_rate_limit_closed_total", {
  description: "Socket connections closed for sending frames faster than their rate limit",
  incremental: true
})

/** What the route answers once the connection belongs to a session: reported to middleware, never written. */
const switched = HttpServerResponse.empty({ status: 101 })

/**
 * The session of each connection. Kept beside the socket rather than on it: a
 * property added to a `ws` socket (or a field of a subclass) cost each
 * connection a 256-byte property array.
 */
const sessions = new WeakMap<WebSocket, SessionImpl>()

export class Hub implements SessionHost, FrameHost {
  readonly sessions = new Map<string, SessionImpl>()
  readonly topics = new Topics()
  readonly wss: WebSocketServer
  readonly maxBufferedBytes: number
  readonly maxInFlight: number
  readonly frameRate: number
  readonly frameBurst: number
  readonly canJoin: Settings["canJoin"]
  /** Set when shutdown starts: new upgrades are refused. */
  closing = false
  /** Woken when the last session leaves. */
  private emptied: Array<() => void> = []

  readonly settings: Settings
  readonly ingress: SocketIngress["Service"]
  readonly run: (effect: Effect.Effect<void>) => Fiber.Fiber<void>
  private readonly announce: (sid: string, connected: boolean) => void
  readonly meter: SocketMeter

  constructor(
    settings: Settings,
    ingress: SocketIngress["Service"],
    run: (effect: Effect.Effect<void>) => Fiber.Fiber<void>,
    announce: (sid: string, connected: boolean) => void,
    meter: SocketMeter
  ) {
    this.meter = meter
    this.settings = settings
    this.ingress = ingress
    this.run = run
    this.announce = announce
    this.maxBufferedBytes = settings.maxBufferedBytes
    this.maxInFlight = settings.maxInFlight
    this.frameRate = settings.frameRate
    this.frameBurst = settings.frameBurst
    this.canJoin = settings.canJoin
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: settings.maxPayloadBytes,
      // `ws` waits this long for a peer's close frame before cutting the connection (its default is 30 s).
      closeTimeout: settings.closeTimeoutMs
    } as ConstructorParameters<typeof WebSocketServer>[0])
  }

  /** Answers an upgrade request: 426, 403, 503, the `authorize` refusal, or the 101 of a new session. */
  upgrade(request: HttpServerRequest.HttpServerRequest): Effect.Effect<HttpServerResponse.HttpServerResponse> {
    return Effect.withFiber((fiber) => {
      const connection = causeOf(fiber)
      const message = NodeHttpServerRequest.toIncomingMessage(request) as IncomingMessage
      if (!asksForWebSocket(message)) return Effect.succeed(refuse(426, "expected a WebSocket upgrade", { upgrade: "websocket" }))
      if (!originAllowed(message, this.settings.allowedOrigins)) return Effect.succeed(refuse(403, "origin not allowed"))
      if (this.closing) return Effect.succeed(refuse(503, "server shutting down"))
      if (this.sessions.size >= this.settings.maxConnections) return Effect.succeed(refuse(503, "too many connections"))
      const authorize = this.settings.authorize
      if (authorize === undefined) return Effect.succeed(this.accept(request, message, undefined, connection))
      return Effect.match(authorize(request), {
        onFailure: (refusal) => refuse(refusal.status, refusal.message),
        onSuccess: (data) => this.accept(request, message, data, connection)
      })
    })
  }

  private accept(request: HttpServerRequest.HttpServerRequest, message: IncomingMessage, data: unknown, connection: Tracer.AnySpan | undefined) {
    const response = NodeHttpServerRequest.toServerResponse(request) as ServerResponse
    handOver(message, response, this.wss, (ws, socket) => this.open(ws, socket, data, connection))
    return switched
  }

  private open(ws: WebSocket, socket: Duplex, data: unknown, connection: Tracer.AnySpan | undefined): void {
    if (this.closing) return void ws.terminate()
    const session = new SessionImpl(this, ws, socket, data, this.frameBurst, Date.now())
    session.connection = connection
    this.meter.sessionOpened()
    sessions.set(ws, session)
    this.sessions.set(session.sid, session)
    ws.on("message", onMessage)
    ws.on("close", onClose)
    ws.on("pong", onPong)
    ws.on("error", onError)
    this.announce(session.sid, true)
  }

  /** Removes the session from every table (once) and announces it. */
  retire(session: SessionImpl, code = 1006): void {
    session.open = false
    session.waiting = undefined
    if (!this.sessions.delete(session.sid)) return
    this.meter.sessionClosed(code)
    this.topics.leaveAll(session)
    this.announce(session.sid, false)
    if (this.sessions.size === 0 && this.emptied.length > 0) {
      const waiters = this.emptied
      this.emptied = []
      for (const wake of waiters) wake()
    }
  }

  overflow(session: SessionImpl): void {
    if (!session.open) return
    session.closeNow(1013, "too much unread data; reconnect")
    this.run(Effect.andThen(
      Metric.update(slowConsumersClosed, 1),
      Effect.logWarning(`socket ${session.sid} closed: its client stopped reading (over ${this.maxBufferedBytes} bytes unsent)`)
    ))
  }

  rateClosed(session: SessionImpl): void {
    this.run(Effect.andThen(
      Metric.update(rateLimitClosed, 1),
      Effect.logWarning(`socket ${session.sid} closed: it kept sending frames above its rate limit`)
    ))
  }

  /** Pings every session; a session that missed `missedPongs` pongs in a row is cut. */
  beat(): void {
    for (const session of this.sessions.values()) {
      if (session.missedPongs >= this.settings.missedPongs) {
        session.open = false
        session.ws.terminate()
        continue
      }
      session.missedPongs++
      if (session.ws.readyState === 1) session.ws.ping()
    }
  }

  /** Writes one text frame to each of `sessions`, encoded once; returns how many were written. */
  sendAll(sessions: Iterable<SessionImpl> | undefined, frame: SocketProtocol.ServerFrame): number {
    if (sessions === undefined) return 0
    let bytes: Buffer | undefined
    let sent = 0
    for (const session of sessions) {
      bytes ??= Buffer.from(encodeOrThrow(frame), "utf8")
      if (session.writeUncounted(bytes)) sent++
    }
    if (sent > 0) this.meter.framesSent(sent)
    return sent
  }

  /**
   * Sends every connection a close frame with `code` at once, waits up to
   * `closeTimeoutMs` for them to go, and cuts those still there.
   */
  closeAll(code: number, reason: string): Effect.Effect<void> {
    return Effect.suspend(() => {
      this.closing = true
      const closing = [...this.sessions.values()]
      if (closing.length === 0) return Effect.void
      for (const session of closing) session.closeNow(code, reason)
      const gone = Effect.callback<void>((resume) => {
        if (this.sessions.size === 0) return resume(Effect.void)
        const wake = () => resume(Effect.void)
        this.emptied.push(wake)
        return Effect.sync(() => {
          this.emptied = this.emptied.filter((w) => w !== wake)
        })
      })
      return Effect.timeoutOption(gone, this.settings.closeTimeoutMs).pipe(Effect.flatMap(() => {
        const cut = [...this.sessions.values()]
        for (const session of cut) {
          session.ws.terminate()
          this.retire(session)
        }
        const silent = cut.length === 0 ? "" : `, ${cut.length} of them cut after ${this.settings.closeTimeoutMs} ms without an answer`
        return Effect.logInfo(`closed ${closing.length} socket connection(s) with ${code}${silent}`)
      }))
    })
  }
}

const sessionOf = (ws: WebSocket): SessionImpl | undefined => sessions.get(ws)

function onMessage(this: WebSocket, data: Buffer, isBinary: boolean): void {
  const session = sessionOf(this)
  if (session !== undefined) onFrame(session.host as Hub, session, data, isBinary)
}

function onClose(this: WebSocket, code: number): void {
  const session = sessionOf(this)
  if (session !== undefined) (session.host as Hub).retire(session, code)
}

function onPong(this: WebSocket): void {
  const session = sessionOf(this)
  if (session !== undefined) session.missedPongs = 0
}

/** A connection error (a reset, a protocol violation) is followed by `close`, which retires the session. */
function onError(this: WebSocket): void {}
