/**
 * One WebSocket at a time to the server, re-opened after every drop on the
 * backoff schedule until the client closes, and the client's `Status`.
 *
 * @internal
 */
import type { Backoff } from "../Backoff.ts"
import type { Status } from "../Client.ts"
import { OPEN, type WebSocketConstructor, type WebSocketLike } from "../WebSocketLike.ts"
import { makeListeners } from "./listeners.ts"

/** @internal What the connection tells its owner, each at the moment it happens. */
export interface ConnectionEvents {
  /** A socket opened; the status becomes `open` right after this returns. */
  readonly opened: () => void
  /** The `data` of a message of the current socket. */
  readonly message: (data: unknown) => void
  /** The current socket dropped (it will be re-opened unless the client closes). */
  readonly dropped: () => void
  /** The client closed for good, by `close()` or after a drop with reconnect off. */
  readonly closed: () => void
}

const noop = (): void => {}

const attemptOf = (status: Status): number | undefined => "attempt" in status ? status.attempt : undefined

/** Statuses that differ only in `at` are the same: a listener hears of each change once. */
const same = (a: Status, b: Status): boolean => a.state === b.state && attemptOf(a) === attemptOf(b)

/** @internal */
export class Connection {
  readonly #target: string
  readonly #WebSocket: WebSocketConstructor
  readonly #backoff: Backoff | undefined
  readonly #events: ConnectionEvents
  readonly #listeners = makeListeners<Status>("status")
  #socket: WebSocketLike | undefined = undefined
  #status: Status = { state: "connecting", attempt: 0 }
  #timer: ReturnType<typeof setTimeout> | undefined = undefined
  #closed = false

  /** `backoff` is `undefined` when the client does not reconnect. */
  constructor(target: string, WebSocket: WebSocketConstructor, backoff: Backoff | undefined, events: ConnectionEvents) {
    this.#target = target
    this.#WebSocket = WebSocket
    this.#backoff = backoff
    this.#events = events
  }

  get status(): Status {
    return this.#status
  }

  /** Whether the client closed for good. */
  get closed(): boolean {
    return this.#closed
  }

  /** Opens the first socket; throws what the WebSocket constructor throws. */
  start(): void {
    this.#open()
  }

  onStatus(listener: (status: Status) => void): () => void {
    return this.#listeners.add(listener)
  }

  /** Writes one frame on the current socket; `false` when it is not open. */
  transmit(frame: string): boolean {
    const socket = this.#socket
    if (socket === undefined || socket.readyState !== OPEN) return false
    try {
      socket.send(frame)
      return true
    } catch {
      return false
    }
  }

  /** Closes the socket with 1000 and stops reconnecting. Idempotent. */
  close(): void {
    if (this.#closed) return
    const socket = this.#socket
    this.#socket = undefined
    if (socket !== undefined) {
      socket.onopen = null
      socket.onmessage = null
      socket.onclose = null
      try {
        socket.close(1000)
      } catch {
        // Already closing.
      }
    }
    this.#shutdown()
  }

  #setStatus(next: Status): void {
    if (same(this.#status, next)) return
    this.#status = next
    this.#listeners.emit(next)
  }

  #shutdown(): void {
    this.#closed = true
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#events.closed()
    this.#setStatus({ state: "closed" })
  }

  #open(): void {
    this.#setStatus({ state: "connecting", attempt: this.#backoff?.attempt ?? 0 })
    const ws = new this.#WebSocket(this.#target)
    this.#socket = ws
    ws.onopen = () => {
      if (this.#socket === ws) this.#opened()
    }
    ws.onmessage = (event: { readonly data: unknown }) => {
      if (this.#socket === ws) this.#events.message(event.data)
    }
    ws.onclose = () => {
      if (this.#socket === ws) this.#dropped()
    }
    // A close always follows an error; `ws` throws on an error without a listener.
    ws.onerror = noop
  }

  #opened(): void {
    this.#backoff?.reset()
    this.#events.opened()
    this.#setStatus({ state: "open" })
  }

  #dropped(): void {
    this.#socket = undefined
    this.#events.dropped()
    if (this.#backoff === undefined) return this.#shutdown()
    const delay = this.#backoff.next()
    this.#setStatus({ state: "reconnecting", attempt: this.#backoff.attempt, delay, at: Date.now() + delay })
    // A status listener may have called close().
    if (!this.#closed) this.#timer = setTimeout(() => this.#reconnect(), delay)
  }

  #reconnect(): void {
    this.#timer = undefined
    if (this.#closed) return
    try {
      this.#open()
    } catch (error) {
      console.error("[@specter-runtime/client] could not open a WebSocket", error)
      this.#dropped()
    }
  }
}
