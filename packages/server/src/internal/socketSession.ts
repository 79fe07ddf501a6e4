/**
 * A connection's session and the topic membership shared by all sessions.
 *
 * A session is one small object per connection: its fields are plain values and
 * its methods live on the prototype, so an idle connection costs the `ws` socket
 * and this object, nothing else (no fiber, no decoder, no closures; the bench row
 * "idle memory per socket" measures it). Writes are `ws.send` guarded by the
 * socket's state and its buffered bytes: they never wait, and a write to a
 * connection that has ended is dropped.
 *
 * @internal
 */
import { SocketProtocol } from "@specter-runtime/protocol"
import { Deferred, Effect, type Tracer } from "effect"
import { randomUUID } from "node:crypto"
import type { Duplex } from "node:stream"
import type { WebSocket } from "ws"
import type { Session } from "../SocketSession.ts"
import type { SocketMeter } from "./metrics.ts"

const OPEN = 1

/**
 * The writes of one turn of the event loop go out together (`ws` writes each
 * frame as its own `writev`): a connection's first write of a turn corks it, and
 * one `nextTick` per turn uncorks every connection corked in it (a broadcast to
 * 1,000 connections schedules one, not 1,000).
 */
let corked: Array<SessionImpl> = []

const uncorkAll = (): void => {
  const batch = corked
  corked = []
  for (const session of batch) {
    session.corked = false
    session.socket.uncork()
  }
}
const TEXT = { binary: false } as const
const NO_TOPICS: ReadonlySet<string> = new Set()

/** A frame as JSON text; a frame JSON cannot represent is a defect of whoever built it. */
export const encodeOrThrow = (frame: SocketProtocol.ServerFrame): string => {
  const encoded = SocketProtocol.encode(frame)
  if (encoded._tag === "Success") return encoded.success
  throw encoded.failure
}

/** What a session needs from its server: limits, the topic table, and what to do with a slow reader. */
export interface SessionHost {
  readonly maxBufferedBytes: number
  readonly meter: SocketMeter
  readonly topics: Topics
  readonly overflow: (session: SessionImpl) => void
}

/** Which sessions are in which topic. */
export class Topics {
  private readonly members = new Map<string, Set<SessionImpl>>()

  join(topic: string, session: SessionImpl): void {
    session.ownTopics().add(topic)
    const members = this.members.get(topic)
    if (members === undefined) this.members.set(topic, new Set([session]))
    else members.add(session)
  }

  leave(topic: string, session: SessionImpl): void {
    session.topicSet?.delete(topic)
    const members = this.members.get(topic)
    members?.delete(session)
    if (members?.size === 0) this.members.delete(topic)
  }

  leaveAll(session: SessionImpl): void {
    const topics = session.topicSet
    if (topics === undefined) return
    for (const topic of topics) {
      const members = this.members.get(topic)
      members?.delete(session)
      if (members?.size === 0) this.members.delete(topic)
    }
    topics.clear()
  }

  /** The members of `topic`, live (do not keep it across a yield). */
  of(topic: string): ReadonlySet<SessionImpl> | undefined {
    return this.members.get(topic)
  }

  /** How many topics have members. */
  get size(): number {
    return this.members.size
  }
}

/** An emit waiting for a free slot of its session. */
export type EmitFrame = SocketProtocol.ClientFrame & { readonly type: "emit" }

export class SessionImpl implements Session {
  readonly sid: string = randomUUID()
  route: string | undefined = undefined
  /** False once the connection is closing or gone: later frames are not handled, writes are dropped. */
  open = true
  /** Emits of this session running now. */
  inFlight = 0
  /** Token bucket of the frame rate limit: tokens left and when they were last refilled (ms). */
  tokens: number
  refilledAt: number
  /** Pings sent since the last pong. */
  missedPongs = 0
  topicSet: Set<string> | undefined = undefined
  /** Whether the waiting emits are due to start on the next turn of the event loop. */
  draining = false
  /** The turn of the event loop (see `socketFrames.ts`) that `startedInTurn` counts for. */
  turn = -1
  /** Emits started in `turn`. */
  startedInTurn = 0
  /** The last turn in which this session was told it is over its frame rate. */
  limitedInTurn = -1
  /** Emits waiting for a slot (created on first use). */
  waiting: Array<EmitFrame> | undefined = undefined
  /** Per ordered event, the frame the next one of that event waits for (created on first use). */
  lanes: Map<string, Deferred.Deferred<void>> | undefined = undefined
  /** The span of the upgrade request, when spans are exported: each event's span links to it. */
  connection: Tracer.AnySpan | undefined = undefined

  /** Whether this turn's writes are being gathered into one write to the connection. */
  corked = false
  readonly host: SessionHost
  readonly ws: WebSocket
  readonly socket: Duplex
  readonly data: unknown

  constructor(host: SessionHost, ws: WebSocket, socket: Duplex, data: unknown, burst: number, now: number) {
    this.host = host
    this.ws = ws
    this.socket = socket
    this.data = data
    this.tokens = burst
    this.refilledAt = now
  }

  get topics(): ReadonlySet<string> {
    return this.topicSet ?? NO_TOPICS
  }

  ownTopics(): Set<string> {
    return this.topicSet ??= new Set()
  }

  /**
   * Writes `data` (JSON text, or its UTF-8 bytes) as one text frame, unless the
   * connection has ended; a client whose unsent bytes pass the cap is handed to
   * `overflow` instead. Never waits.
   */
  write(data: string | Buffer): boolean {
    if (!this.writeUncounted(data)) return false
    this.host.meter.framesSent(1)
    return true
  }

  /** `write`, leaving the frame to the caller to count (a broadcast counts its frames once). */
  writeUncounted(data: string | Buffer): boolean {
    const ws = this.ws
    if (!this.open || ws.readyState !== OPEN) return false
    if (ws.bufferedAmount > this.host.maxBufferedBytes) {
      this.host.overflow(this)
      return false
    }
    if (!this.corked) {
      this.corked = true
      this.socket.cork()
      if (corked.push(this) === 1) process.nextTick(uncorkAll)
    }
    ws.send(data, TEXT)
    return true
  }

  /** Writes `frame`; a frame JSON cannot represent is a defect (thrown). */
  sendNow(frame: SocketProtocol.ServerFrame): boolean {
    return this.write(encodeOrThrow(frame))
  }

  /** Starts the close handshake (bounded by the server's close timeout); later frames are not handled. */
  closeNow(code: number, reason: string): void {
    this.open = false
    if (this.ws.readyState === OPEN) this.ws.close(code, reason)
  }

  push(event: string, payload: unknown): Effect.Effect<void> {
    return Effect.sync(() => void this.sendNow(SocketProtocol.event(event, payload)))
  }

  send(frame: SocketProtocol.ServerFrame): Effect.Effect<void> {
    return Effect.sync(() => void this.sendNow(frame))
  }

  join(topic: string): Effect.Effect<void> {
    return Effect.sync(() => {
      if (this.open) this.host.topics.join(topic, this)
    })
  }

  leave(topic: string): Effect.Effect<void> {
    return Effect.sync(() => this.host.topics.leave(topic, this))
  }
}
