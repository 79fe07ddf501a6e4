/**
 * Emits that were sent and wait for their ack, each with its timeout.
 *
 * @internal
 */
import { SocketAckError, type SocketAckErrorCode } from "../SocketAckError.ts"

/** @internal The settlement side of one emit promise. */
export interface Ack {
  readonly event: string
  readonly resolve: (payload: unknown) => void
  readonly reject: (error: SocketAckError) => void
}

/** @internal */
export interface PendingAcks {
  readonly size: number
  /**
   * Waits for the ack of emit `id`; after `timeout` ms rejects it with code
   * `"timeout"` and forgets it. A non-finite `timeout` waits forever.
   */
  add(id: number, ack: Ack, timeout: number): void
  /**
   * Settles emit `id` and forgets it; `false` when no emit `id` is waiting (the
   * client's ids are numbers, so an ack with a string id settles nothing).
   */
  resolve(id: number | string, payload: unknown): boolean
  reject(id: number | string, error: SocketAckError): boolean
  /** Rejects every waiting emit with `code` and forgets them all. */
  rejectAll(code: SocketAckErrorCode, message: string): void
}

interface Entry {
  readonly ack: Ack
  readonly timer: ReturnType<typeof setTimeout> | undefined
}

/** @internal */
export const makePendingAcks = (): PendingAcks => {
  const entries = new Map<number | string, Entry>()
  const take = (id: number | string): Ack | undefined => {
    const entry = entries.get(id)
    if (entry === undefined) return undefined
    entries.delete(id)
    clearTimeout(entry.timer)
    return entry.ack
  }
  return {
    get size() {
      return entries.size
    },
    add: (id, ack, timeout) => {
      const timer = Number.isFinite(timeout)
        ? setTimeout(() => {
          if (take(id) === undefined) return
          ack.reject(new SocketAckError("timeout", `no ack for "${ack.event}" within ${timeout} ms`))
        }, timeout)
        : undefined
      entries.set(id, { ack, timer })
    },
    resolve: (id, payload) => {
      const ack = take(id)
      ack?.resolve(payload)
      return ack !== undefined
    },
    reject: (id, error) => {
      const ack = take(id)
      ack?.reject(error)
      return ack !== undefined
    },
    rejectAll: (code, message) => {
      for (const id of [...entries.keys()]) {
        const ack = take(id)
        ack?.reject(new SocketAckError(code, `"${ack.event}": ${message}`))
      }
    }
  }
}
