/**
 * A connection's session and the topic membership shared by all sessions.
 *
 * @internal
 */
import { SocketProtocol } from "@specter-runtime/protocol"
import { Deferred, Effect, Result } from "effect"
import { Socket } from "effect/socket"
import { randomUUID } from "node:crypto"
import type { Session } from "../SocketSession.ts"
import type { SocketMeter } from "./metrics.ts"

/** A frame as JSON text; a frame JSON cannot represent is a defect of whoever built it. */
export const encodeOrDie = (frame: SocketProtocol.ServerFrame): Effect.Effect<string> => {
  const encoded = SocketProtocol.encode(frame)
  return Result.isSuccess(encoded) ? Effect.succeed(encoded.success) : Effect.die(encoded.failure)
}

/** Which sessions are in which topic. */
export class Topics {
  private readonly members = new Map<string, Set<SessionImpl>>()

  join(topic: string, session: SessionImpl): void {
    session.topics.add(topic)
    const members = this.members.get(topic)
    if (members === undefined) this.members.set(topic, new Set([session]))
    else members.add(session)
  }

  leave(topic: string, session: SessionImpl): void {
    session.topics.delete(topic)
    const members = this.members.get(topic)
    members?.delete(session)
    if (members?.size === 0) this.members.delete(topic)
  }

  leaveAll(session: SessionImpl): void {
    for (const topic of [...session.topics]) this.leave(topic, session)
  }

  of(topic: string): ReadonlyArray<SessionImpl> {
    const members = this.members.get(topic)
    return members === undefined ? [] : [...members]
  }
}

export class SessionImpl implements Session {
  readonly sid = randomUUID()
  route: string | undefined = undefined
  /** False once the connection is closing: later frames are not handled. */
  open = true
  readonly topics = new Set<string>()
  /** Completed when the session is retired (its connection is gone). */
  readonly gone = Deferred.makeUnsafe<void>()
  /** Per ordered event, the frame the next one of that event waits for. */
  readonly lanes = new Map<string, Deferred.Deferred<void>>()
  /** The close code the server sent, if it closed the connection. */
  closeCode: number | undefined = undefined
  readonly write: (text: string) => Effect.Effect<void>
  readonly send: (frame: SocketProtocol.ServerFrame) => Effect.Effect<void>
  readonly close: (code: number, reason: string) => Effect.Effect<void>
  readonly push: Session["push"]
  readonly join: Session["join"]
  readonly leave: Session["leave"]

  constructor(writer: Socket.Writer, topics: Topics, meter?: SocketMeter) {
    // A write to a connection that is gone is dropped: the session is being retired.
    this.write = (text) => {
      meter?.framesSent(1)
      return Effect.ignore(writer.write(text))
    }
    this.send = (frame) => Effect.flatMap(encodeOrDie(frame), this.write)
    this.close = (code, reason) => {
      this.closeCode ??= code
      return Effect.ignore(writer.write(new Socket.CloseEvent(code, reason)))
    }
    this.push = (event, payload) => this.send(SocketProtocol.event(event, payload))
    this.join = (topic) => Effect.sync(() => topics.join(topic, this))
    this.leave = (topic) => Effect.sync(() => topics.leave(topic, this))
  }
}
