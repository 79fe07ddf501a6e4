/**
 * What the client sends: frames go out at once while the connection is open and
 * wait in order in a bounded queue while it is not; an emit's promise settles
 * with its ack (see `pending.ts`) or rejects with a `SocketAckError`.
 *
 * @internal
 */
import { encodeFrame } from "../Protocol.ts"
import { SocketAckError } from "../SocketAckError.ts"
import type { Ack, PendingAcks } from "./pending.ts"

interface Queued {
  readonly frame: string
  readonly id: number | undefined
  readonly ack: Ack | undefined
}

/** @internal The part of the connection the outbox writes to. */
export interface Link {
  /** Whether the connection is open (its hello sent, its queue flushed). */
  readonly isOpen: () => boolean
  /** Writes one frame; `false` when it could not. */
  readonly transmit: (frame: string) => boolean
}

/** @internal */
export interface OutboxOptions {
  /** ms from sending an emit to rejecting it with `"timeout"`. */
  readonly ackTimeout: number
  /** Frames held while offline. */
  readonly maxQueue: number
}

/** @internal */
export class Outbox {
  readonly #link: Link
  readonly #pending: PendingAcks
  readonly #options: OutboxOptions
  readonly #queue: Array<Queued> = []
  #nextId = 1
  #closed = false

  constructor(link: Link, pending: PendingAcks, options: OutboxOptions) {
    this.#link = link
    this.#pending = pending
    this.#options = options
  }

  /** Sends an emit with an id and resolves with its ack's payload (see `SocketClient.emit`). */
  emit(event: string, payload: unknown): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      if (this.#closed) return reject(new SocketAckError("closed", `"${event}": the client is closed`))
      const id = this.#nextId++
      let frame: string
      try {
        frame = encodeFrame({ type: "emit", event, payload, id })
      } catch (error) {
        return reject(new SocketAckError("invalid_payload", `"${event}": the payload is not JSON (${String(error)})`))
      }
      if (!this.#submit({ frame, id, ack: { event, resolve, reject } })) {
        reject(new SocketAckError("queue_full", `"${event}": ${this.#options.maxQueue} emits are already waiting to be sent`))
      }
    })
  }

  /** Sends an emit without an id; `false` when it was dropped (see `SocketClient.send`). */
  send(event: string, payload: unknown): boolean {
    return !this.#closed && this.#submit({ frame: encodeFrame({ type: "emit", event, payload }), id: undefined, ack: undefined })
  }

  /** Sends the queued frames in order, as long as the connection takes them. */
  flush(): void {
    while (this.#queue.length > 0) {
      const entry = this.#queue[0]
      if (entry === undefined || !this.#link.transmit(entry.frame)) return
      this.#queue.shift()
      this.#await(entry)
    }
  }

  /** The connection dropped: emits sent and not acked reject with `"disconnected"`; queued ones stay. */
  disconnected(): void {
    this.#pending.rejectAll("disconnected", "the connection dropped before the ack arrived")
  }

  /** The client closed: every queued and pending emit rejects with `"closed"`, later ones too. */
  close(): void {
    this.#closed = true
    for (const entry of this.#queue.splice(0)) {
      entry.ack?.reject(new SocketAckError("closed", `"${entry.ack.event}": the client was closed before it was sent`))
    }
    this.#pending.rejectAll("closed", "the client was closed before the ack arrived")
  }

  /** Sends `entry` now if open, else queues it; `false` when the queue is full. */
  #submit(entry: Queued): boolean {
    if (this.#link.isOpen() && this.#link.transmit(entry.frame)) {
      this.#await(entry)
      return true
    }
    if (this.#queue.length >= this.#options.maxQueue) return false
    this.#queue.push(entry)
    return true
  }

  #await(entry: Queued): void {
    if (entry.id !== undefined && entry.ack !== undefined) this.#pending.add(entry.id, entry.ack, this.#options.ackTimeout)
  }
}
