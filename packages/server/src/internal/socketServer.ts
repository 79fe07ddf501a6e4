/**
 * The protocol on one connection: read frames, answer `hello` and `topic` at
 * once, and run each `emit` on a fiber of its own (at most `maxInFlight` per
 * session; the reader waits for a free slot, which pushes back on the client
 * through TCP). Frames of an ordered event wait for the previous frame of that
 * event of the same session.
 *
 * @internal
 */
import { SocketProtocol } from "@specter-runtime/protocol"
import { Deferred, Effect, FiberSet, Result, Semaphore, type Scope } from "effect"
import { Socket } from "effect/socket"
import type { Dispatch, SocketIngress } from "../SocketIngress.ts"
import { closeCode, eventSpan, type SocketMeter } from "./metrics.ts"
import { unknownEventError } from "./socketIngress.ts"
import { SessionImpl, type Topics } from "./socketSession.ts"

export interface Settings {
  /** The largest inbound frame, UTF-8 bytes. */
  readonly maxFrameBytes: number
  /** Emits of one session being handled at once. */
  readonly maxInFlight: number
}

/** What every connection shares. */
export interface Hub {
  readonly settings: Settings
  readonly ingress: SocketIngress["Service"]
  readonly sessions: Map<string, SessionImpl>
  readonly topics: Topics
  readonly announce: (sid: string, connected: boolean) => Effect.Effect<void>
  readonly meter: SocketMeter
}

const internalError: SocketProtocol.AckError = { code: "internal", message: "internal server error" }

/** Answers an emit: an ack when it carried an `id`, an `error` frame for a failure without one. */
const reply = (hub: Hub, session: SessionImpl, frame: SocketProtocol.ClientFrame & { readonly type: "emit" }, dispatch: Dispatch) => {
  hub.meter.answered(frame.id !== undefined, dispatch._tag === "Ok" ? undefined : dispatch._tag === "Failed" ? dispatch.error.code : unknownEventError(frame.event).code)
  switch (dispatch._tag) {
    case "UnknownEvent":
      return session.send(SocketProtocol.failed(frame.id, unknownEventError(frame.event)))
    case "Failed":
      return session.send(SocketProtocol.failed(frame.id, dispatch.error))
    case "Ok": {
      if (frame.id === undefined) return Effect.void
      const encoded = SocketProtocol.encode(SocketProtocol.ack(frame.id, dispatch.payload))
      if (Result.isSuccess(encoded)) return session.write(encoded.success)
      return Effect.andThen(
        Effect.logError(`the ack of socket event '${frame.event}' cannot be sent`, encoded.failure),
        session.send(SocketProtocol.failed(frame.id, internalError))
      )
    }
  }
}

/** `effect` after the previous frame of `event` of this session; wired now, in arrival order. */
const inLane = (session: SessionImpl, event: string, effect: Effect.Effect<void>): Effect.Effect<void> => {
  const previous = session.lanes.get(event)
  const mine = Deferred.makeUnsafe<void>()
  session.lanes.set(event, mine)
  const done = Effect.sync(() => {
    Deferred.doneUnsafe(mine, Effect.void)
    if (session.lanes.get(event) === mine) session.lanes.delete(event)
  })
  return Effect.ensuring(previous === undefined ? effect : Effect.andThen(Deferred.await(previous), effect), done)
}

const emit = (hub: Hub, session: SessionImpl, frame: SocketProtocol.ClientFrame & { readonly type: "emit" }) => {
  const answer = Effect.flatMap(hub.ingress.dispatch(frame.event, frame.payload, { session }), (d) => reply(hub, session, frame, d))
  return eventSpan(frame.event, session.sid, hub.ingress.isOrdered(frame.event) ? inLane(session, frame.event, answer) : answer)
}

/** Handles one text frame; an emit is passed to `start`. */
const onFrame = (hub: Hub, session: SessionImpl, start: (work: Effect.Effect<void>) => Effect.Effect<void>) => (text: string): Effect.Effect<void> => {
  const max = hub.settings.maxFrameBytes
  hub.meter.frameIn()
  if (text.length > max / 3 && Buffer.byteLength(text, "utf8") > max) {
    session.open = false
    return session.close(1009, `frame larger than ${max} bytes`)
  }
  const decoded = SocketProtocol.decode(text)
  if (Result.isFailure(decoded)) {
    const { code, id, message } = decoded.failure
    hub.meter.answered(id !== undefined, code)
    return session.send(SocketProtocol.failed(id, { code, message }))
  }
  const frame = decoded.success
  switch (frame.type) {
    case "hello":
      session.route = frame.route
      return session.send(SocketProtocol.ready(session.sid))
    case "topic":
      return frame.action === "join" ? session.join(frame.topic) : session.leave(frame.topic)
    case "emit":
      return start(emit(hub, session, frame))
  }
}

/** Removes the session from the hub (once) and announces it. */
const retire = (hub: Hub, session: SessionImpl, code = 1006) =>
  Effect.suspend(() => {
    session.open = false
    if (!hub.sessions.delete(session.sid)) return Effect.void
    hub.meter.sessionClosed(session.closeCode ?? code)
    hub.topics.leaveAll(session)
    Deferred.doneUnsafe(session.gone, Effect.void)
    return hub.announce(session.sid, false)
  })

/**
 * Runs the protocol on `socket` until it closes. Handlers still running when the
 * client goes finish (their answers are dropped); closing the scope interrupts them.
 */
export const serve = (hub: Hub, socket: Socket.Socket): Effect.Effect<void, never, Scope.Scope> =>
  Effect.gen(function*() {
    const writer = yield* socket.writer
    const pull = yield* Socket.readerString(socket)
    const session = new SessionImpl(writer, hub.topics, hub.meter)
    hub.sessions.set(session.sid, session)
    hub.meter.sessionOpened()
    yield* Effect.addFinalizer(() => retire(hub, session))
    yield* hub.announce(session.sid, true)
    const running = yield* FiberSet.make<void, never>()
    const slots = yield* Semaphore.make(hub.settings.maxInFlight)
    const release = Semaphore.release(slots, 1)
    const handle = onFrame(hub, session, (work) =>
      Effect.andThen(Semaphore.take(slots, 1), FiberSet.run(running, Effect.ensuring(work, release))))
    yield* Effect.whileLoop({
      while: () => session.open,
      body: () =>
        Effect.flatMap(pull, (frames) =>
          Effect.forEach(frames, (text) => (session.open ? handle(text) : Effect.void), { discard: true })),
      step: () => {}
    }).pipe(Effect.catchTag("SocketError", (error) => retire(hub, session, closeCode(error))))
    yield* retire(hub, session)
    yield* FiberSet.awaitEmpty(running)
  }).pipe(Effect.catchTag("SocketError", () => Effect.void))
