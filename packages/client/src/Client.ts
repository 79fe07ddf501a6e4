/**
 * The socket client: one WebSocket to a Specter server, kept open across drops, with
 * acked emits, topics and an offline queue.
 *
 * @since 0.1.0
 */
import type { ReconnectOptions } from "./Backoff.ts"
import type { ErrorFrame } from "./Protocol.ts"
import type { WebSocketConstructor } from "./WebSocketLike.ts"
import { makeClient } from "./internal/client.ts"

/**
 * `"connecting"` while a WebSocket is being opened, `"open"` once it is open (hello
 * sent, topics re-joined, queue flushed), `"closed"` while waiting to reconnect after
 * a drop and for good after `close()`.
 *
 * @since 0.1.0
 * @category models
 */
export type Status = "connecting" | "open" | "closed"

/**
 * Options of `connect`; every field is optional.
 *
 * - `route`: sent in the `hello` frame of every connection.
 * - `reconnect`: backoff between attempts (see `ReconnectOptions`), or `false` to stay
 *   closed after the first drop.
 * - `ackTimeout`: ms from sending an emit to rejecting it with code `"timeout"`
 *   (default 10_000; `Infinity` waits forever). Time spent queued offline is not
 *   counted.
 * - `maxQueue`: emits and sends held while offline (default 1000); beyond it a new
 *   emit rejects with code `"queue_full"` and a new send is dropped.
 * - `WebSocket`: the constructor to use (default `globalThis.WebSocket`), e.g. the
 *   `ws` package on Node before 22.
 *
 * @since 0.1.0
 * @category models
 */
export interface ConnectOptions {
  readonly route?: string
  readonly reconnect?: ReconnectOptions | false
  readonly ackTimeout?: number
  readonly maxQueue?: number
  readonly WebSocket?: WebSocketConstructor
}

/**
 * A connected (or reconnecting) client. Created by `connect`.
 *
 * @since 0.1.0
 * @category models
 */
export interface SocketClient {
  /** The current `Status`. */
  readonly status: Status
  /** The session id from the server's `ready` frame; `undefined` until it arrives and after a drop. */
  readonly sid: string | undefined
  /**
   * Sends `{"type":"emit","event","payload","id"}` and resolves with the `payload` of
   * the matching ack. While offline the emit is queued and sent after the next open.
   * Rejects with a `SocketAckError`: the server's code (and `fields`) for
   * `ok: false`, or `"timeout"`, `"queue_full"`, `"disconnected"`, `"closed"`,
   * `"invalid_payload"`. Original: SPRAG's `emit`, which had no answer.
   */
  emit(event: string, payload?: unknown): Promise<unknown>
  /**
   * Sends `{"type":"emit","event","payload"}` without an id: the server sends no ack.
   * Queued while offline like `emit`. Returns `false` when the frame was dropped (the
   * client is closed or the queue is full). Throws the `TypeError` of
   * `JSON.stringify` for a payload that is not JSON.
   */
  send(event: string, payload?: unknown): boolean
  /**
   * Calls the server action `<controller>/<action>` (e.g. `"items/rename"`), which is
   * the socket event of that name: the same as `emit(action, payload)`.
   */
  call(action: `${string}/${string}`, payload?: unknown): Promise<unknown>
  /**
   * Calls `handler` with the payload of every `{"type":"event","event"}` frame of that
   * name, from a direct push, a joined topic or a broadcast. Returns the `off`. A
   * handler that throws is reported via `console.error`; the other handlers still run.
   */
  on(event: string, handler: (payload: unknown) => void): () => void
  /** Removes a handler added with `on`. */
  off(event: string, handler: (payload: unknown) => void): void
  /**
   * Joins `topic` now if open, and again after every reconnect until `leave`.
   * Joining a topic already joined sends nothing. No ack.
   */
  join(topic: string): void
  /** Leaves `topic` now if open, and stops re-joining it. No ack. */
  leave(topic: string): void
  /** Calls `listener` on every change of `status`; returns its removal. */
  onStatus(listener: (status: Status) => void): () => void
  /**
   * Calls `listener` with every server `error` frame not tied to an emit (those reject
   * the emit instead). While no listener is registered they go to `console.error`.
   */
  onError(listener: (error: ErrorFrame) => void): () => void
  /**
   * Closes the socket for good: stops reconnecting and rejects queued and pending
   * emits with code `"closed"`. Idempotent.
   */
  close(): void
}

/**
 * Opens a socket to `url` (`ws:` or `wss:`) and keeps it open: on every open the
 * client sends `hello` (with `route` if given), re-joins remembered topics, then sends
 * the queued emits in order. After a drop, emits that were sent but not acked reject
 * with `"disconnected"` (never re-sent), and the client reconnects with exponential
 * backoff, the attempt counter reset after each successful open.
 *
 * Throws a `TypeError` when no WebSocket constructor is available, and whatever the
 * constructor throws for the first attempt (a `SyntaxError` for an invalid URL).
 * Original: SPRAG's browser socket runtime (`hello`/`emit`/`topic` in,
 * `event`/`error`/`ready` out); acks, the queue and backoff are new.
 *
 * @example
 * const client = connect("wss://example.com/socket", { route: "/items" })
 * client.on("items:changed", render)
 * client.join("items")
 * await client.call("items/rename", { id: 7, name: "bolt" })
 *
 * @since 0.1.0
 * @category constructors
 */
export const connect = (url: string | URL, options: ConnectOptions = {}): SocketClient =>
  makeClient(String(url), options)
