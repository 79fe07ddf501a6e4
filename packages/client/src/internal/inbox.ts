/**
 * What the client receives: each server frame goes where it belongs (`ready` to
 * the session id and the ready listeners, an `ack` to the emit waiting for it,
 * an `event` to its handlers, an `error` to its emit or the error listeners).
 *
 * @internal
 */
import { decodeFrame, type ErrorFrame } from "../Protocol.ts"
import { SocketAckError } from "../SocketAckError.ts"
import { type Listeners, makeListeners } from "./listeners.ts"
import type { PendingAcks } from "./pending.ts"

/** @internal */
export class Inbox {
  /** The session id of the current connection, from its `ready` frame. */
  sid: string | undefined = undefined
  readonly #pending: PendingAcks
  readonly #handlers = new Map<string, Listeners<unknown>>()
  readonly #errors = makeListeners<ErrorFrame>("error")
  readonly #ready = makeListeners<string>("ready")

  constructor(pending: PendingAcks) {
    this.#pending = pending
  }

  /** Handles the `data` of one message; what is not a server envelope is reported and ignored. */
  receive(data: unknown): void {
    const frame = decodeFrame(data)
    if (frame === undefined) {
      console.error("[@specter-runtime/client] ignored a frame that is not a server envelope", data)
      return
    }
    switch (frame.type) {
      case "ready":
        this.sid = frame.sid
        this.#ready.emit(frame.sid)
        return
      case "ack":
        if (frame.ok) this.#pending.resolve(frame.id, frame.payload)
        else this.#pending.reject(frame.id, new SocketAckError(frame.error.code, frame.error.message, frame.error.fields))
        return
      case "event":
        this.#handlers.get(frame.event)?.emit(frame.payload)
        return
      case "error":
        if (frame.id !== undefined && this.#pending.reject(frame.id, new SocketAckError(frame.code, frame.message))) return
        return this.#error({ type: "error", code: frame.code, message: frame.message })
    }
  }

  on(event: string, handler: (payload: unknown) => void): () => void {
    let listeners = this.#handlers.get(event)
    if (listeners === undefined) {
      listeners = makeListeners<unknown>(`"${event}"`)
      this.#handlers.set(event, listeners)
    }
    listeners.add(handler)
    return () => this.off(event, handler)
  }

  off(event: string, handler: (payload: unknown) => void): void {
    const listeners = this.#handlers.get(event)
    listeners?.remove(handler)
    if (listeners?.size === 0) this.#handlers.delete(event)
  }

  onError(listener: (error: ErrorFrame) => void): () => void {
    return this.#errors.add(listener)
  }

  onReady(listener: (sid: string) => void): () => void {
    return this.#ready.add(listener)
  }

  /** An error frame tied to no emit: to the error listeners, or the console while there are none. */
  #error(error: ErrorFrame): void {
    if (this.#errors.size > 0) this.#errors.emit(error)
    else console.error(`[@specter-runtime/client] server error ${error.code}: ${error.message}`)
  }
}
