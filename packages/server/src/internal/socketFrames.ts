/**
 * What happens to one inbound text frame: the rate limit, the envelope, and for
 * an emit its scheduling. `hello` and `topic` frames are answered at once, in the
 * `ws` callback, without an Effect; each `emit` runs on a fiber of its own (at
 * most `maxInFlight` per session; past that the session's frames wait in arrival
 * order and its socket is paused, which pushes back on the client through TCP).
 * Frames of an ordered event wait for the previous frame of that event of the
 * same session.
 *
 * Fairness between connections comes from three bounds:
 * - each connection's frames pass a token bucket: excess frames never reach a
 *   handler, the connection gets one `error` frame per turn for them, and one that
 *   keeps going is closed with 1008;
 * - each connection has at most `maxInFlight` emits running and starts at most
 *   `maxInFlight` in one turn of the event loop, its backlog waiting for the next
 *   turn. The per-turn bound matters for handlers that finish at once: their slot
 *   is free again before the next frame of the same read, and without it one read
 *   of a flooding client (a thousand frames in 64 KiB) ran a thousand handlers
 *   before anyone else's turn;
 * - `ws` hands the event loop one TCP read at a time.
 *
 * @internal
 */
import { SocketProtocol } from "@specter-runtime/protocol"
import { Deferred, Effect, type Fiber, Result } from "effect"
import type { Dispatch, SocketIngress } from "../SocketIngress.ts"
import type { Session } from "../SocketSession.ts"
import { eventSpan, type SocketMeter } from "./metrics.ts"
import { unknownEventError } from "./socketIngress.ts"
import type { EmitFrame, SessionImpl } from "./socketSession.ts"

/** What the frame handler needs from its server. */
export interface FrameHost {
  readonly ingress: SocketIngress["Service"]
  readonly meter: SocketMeter
  /** Forks `effect` into the server's scope (interrupted when the server stops). */
  readonly run: (effect: Effect.Effect<void>) => Fiber.Fiber<void>
  readonly maxInFlight: number
  /** Frames per second a connection may send, on average. */
  readonly frameRate: number
  /** Frames a connection may send at once above the rate. */
  readonly frameBurst: number
  readonly canJoin: ((session: Session, topic: string) => Effect.Effect<boolean>) | undefined
  /** Called when a connection is closed for its frame rate. */
  readonly rateClosed: (session: SessionImpl) => void
}

const internalError: SocketProtocol.AckError = { code: "internal", message: "internal server error" }
/** The `error` frames sent most often, encoded once. */
const rateLimited = Buffer.from(JSON.stringify(SocketProtocol.failed(undefined, { code: "rate_limited", message: "too many frames; slow down" })))
const binaryRefused = Buffer.from(JSON.stringify(
  SocketProtocol.failed(undefined, { code: "bad_frame", message: "binary frames are not accepted; send JSON text" })
))

/**
 * Takes one token from the session's bucket. `false` means the frame is over the
 * limit (its sender gets an `error` frame); a connection whose debt reaches one
 * more burst is closed with 1008.
 */
const admit = (host: FrameHost, session: SessionImpl, now: number): boolean => {
  const elapsed = now - session.refilledAt
  if (elapsed > 0) {
    session.tokens = Math.min(host.frameBurst, session.tokens + (elapsed * host.frameRate) / 1000)
    session.refilledAt = now
  }
  session.tokens -= 1
  if (session.tokens >= 0) return true
  if (session.tokens <= -host.frameBurst) {
    session.closeNow(1008, "frame rate limit exceeded")
    host.rateClosed(session)
  }
  return false
}

/** Answers an emit: an ack when it carried an `id`, an `error` frame for a failure without one. */
const reply = (session: SessionImpl, frame: EmitFrame, dispatch: Dispatch): Effect.Effect<void> => {
  switch (dispatch._tag) {
    case "UnknownEvent":
      return session.send(SocketProtocol.failed(frame.id, unknownEventError(frame.event)))
    case "Failed":
      return session.send(SocketProtocol.failed(frame.id, dispatch.error))
    case "Ok": {
      if (frame.id === undefined) return Effect.void
      const encoded = SocketProtocol.encode(SocketProtocol.ack(frame.id, dispatch.payload))
      if (Result.isSuccess(encoded)) return Effect.sync(() => void session.write(encoded.success))
      return Effect.andThen(
        Effect.logError(`the ack of socket event '${frame.event}' cannot be sent`, encoded.failure),
        session.send(SocketProtocol.failed(frame.id, internalError))
      )
    }
  }
}

/** `effect` after the previous frame of `event` of this session; wired now, in arrival order. */
const inLane = (session: SessionImpl, event: string, effect: Effect.Effect<void>): Effect.Effect<void> => {
  const lanes = session.lanes ??= new Map()
  const previous = lanes.get(event)
  const mine = Deferred.makeUnsafe<void>()
  lanes.set(event, mine)
  const done = Effect.sync(() => {
    Deferred.doneUnsafe(mine, Effect.void)
    if (lanes.get(event) === mine) lanes.delete(event)
  })
  return Effect.ensuring(previous === undefined ? effect : Effect.andThen(Deferred.await(previous), effect), done)
}

/**
 * The turn of the event loop: a counter that a `setImmediate` moves on once per
 * turn in which anything asked for it (so an idle server schedules nothing).
 */
let turn = 0
let turnEnding = false
const nextTurn = (): void => {
  turn++
  turnEnding = false
}
const currentTurn = (): number => {
  if (!turnEnding) {
    turnEnding = true
    setImmediate(nextTurn)
  }
  return turn
}

/** Whether `session` may start one more emit in this turn, counting it if so. */
const takeStart = (host: FrameHost, session: SessionImpl): boolean => {
  const now = currentTurn()
  if (session.turn !== now) {
    session.turn = now
    session.startedInTurn = 0
  }
  if (session.startedInTurn >= host.maxInFlight) return false
  session.startedInTurn++
  return true
}

/** Runs `frame` now; when it ends, the next waiting emit of the session takes its slot. */
const start = (host: FrameHost, session: SessionImpl, frame: EmitFrame): void => {
  session.inFlight++
  const answer = Effect.flatMap(host.ingress.dispatch(frame.event, frame.payload, { session }), (d) => {
    host.meter.answered(frame.id !== undefined, d._tag === "Ok" ? undefined : d._tag === "Failed" ? d.error.code : unknownEventError(frame.event).code)
    return reply(session, frame, d)
  })
  const work = eventSpan(frame.event, session, host.ingress.isOrdered(frame.event) ? inLane(session, frame.event, answer) : answer)
  host.run(Effect.ensuring(work, Effect.sync(() => finished(host, session))))
}

/**
 * A freed slot is not refilled at once: the session's waiting emits start on a
 * later turn of the event loop (`setImmediate`), after the other connections'
 * reads, so a client with a backlog takes turns with everyone else.
 */
const finished = (host: FrameHost, session: SessionImpl): void => {
  session.inFlight--
  if (session.waiting !== undefined && session.waiting.length > 0) drainLater(host, session)
  else if (session.ws.isPaused && session.open) session.ws.resume()
}

/** Starts the session's waiting emits that a slot and this turn allow; the rest wait for another turn. */
const drain = (host: FrameHost, session: SessionImpl): void => {
  session.draining = false
  const waiting = session.waiting
  if (waiting === undefined || !session.open) return
  while (waiting.length > 0 && session.inFlight < host.maxInFlight && takeStart(host, session)) start(host, session, waiting.shift()!)
  if (waiting.length === 0) {
    if (session.ws.isPaused) session.ws.resume()
  } else if (session.inFlight < host.maxInFlight) {
    drainLater(host, session)
  }
}

const drainLater = (host: FrameHost, session: SessionImpl): void => {
  if (session.draining) return
  session.draining = true
  setImmediate(drain, host, session)
}

const schedule = (host: FrameHost, session: SessionImpl, frame: EmitFrame): void => {
  if (session.inFlight < host.maxInFlight && !session.draining && takeStart(host, session)) return start(host, session, frame)
  ;(session.waiting ??= []).push(frame)
  if (!session.ws.isPaused) session.ws.pause()
  // Waiting for this turn to end rather than for a slot: nothing running will call `finished`.
  if (session.inFlight < host.maxInFlight) drainLater(host, session)
}

const topic = (host: FrameHost, session: SessionImpl, frame: SocketProtocol.ClientFrame & { readonly type: "topic" }): void => {
  const id = frame.id
  if (frame.action === "leave" || host.canJoin === undefined) {
    if (frame.action === "join") session.host.topics.join(frame.topic, session)
    else session.host.topics.leave(frame.topic, session)
    if (id !== undefined) session.sendNow(SocketProtocol.ack(id, null))
    return
  }
  const forbidden: SocketProtocol.AckError = { code: "forbidden", message: `joining topic '${frame.topic}' is not allowed` }
  host.run(Effect.flatMap(Effect.orElseSucceed(host.canJoin(session, frame.topic), () => false), (allowed) =>
    Effect.sync(() => {
      if (!allowed) return void session.sendNow(SocketProtocol.failed(id, forbidden))
      if (session.open) session.host.topics.join(frame.topic, session)
      if (id !== undefined) session.sendNow(SocketProtocol.ack(id, null))
    })))
}

/** Handles one frame of `session`, as `ws` delivered it. */
export const onFrame = (host: FrameHost, session: SessionImpl, data: Buffer, isBinary: boolean): void => {
  if (!session.open) return
  host.meter.frameIn()
  if (!admit(host, session, Date.now())) {
    host.meter.answered(false, "rate_limited")
    const now = currentTurn()
    if (session.limitedInTurn !== now) {
      session.limitedInTurn = now
      session.write(rateLimited)
    }
    return
  }
  // A binary frame is refused on its own; `ws` decodes every text frame whole, so nothing carries over.
  if (isBinary) {
    host.meter.answered(false, "bad_frame")
    return void session.write(binaryRefused)
  }
  const decoded = SocketProtocol.decode(data.toString("utf8"))
  if (Result.isFailure(decoded)) {
    const { code, id, message } = decoded.failure
    host.meter.answered(id !== undefined, code)
    return void session.sendNow(SocketProtocol.failed(id, { code, message }))
  }
  const frame = decoded.success
  switch (frame.type) {
    case "hello":
      session.route = frame.route
      return void session.sendNow(SocketProtocol.ready(session.sid))
    case "topic":
      return topic(host, session, frame)
    case "emit":
      return schedule(host, session, frame)
  }
}
