/**
 * The socket client: one WebSocket to a Specter server, kept open across drops, with
 * acked emits, topics and an offline queue.
 *
 * @since 0.1.0
 */
import type { SocketApi } from "@specter-runtime/protocol"
import type { ReconnectOptions } from "./Backoff.ts"
import type { ErrorFrame } from "./Protocol.ts"
import type { WebSocketConstructor } from "./WebSocketLike.ts"
import { makeClient } from "./internal/client.ts"

/**
 * Where the connection stands, as a value with a `state`:
 *
 * - `connecting`: a WebSocket is being opened; `attempt` is 0 for the first
 *   connection, else the number of the reconnect attempt since the last open.
 * - `open`: the WebSocket is open, the hello sent, the topics re-joined and the
 *   queue flushed (the session id follows with the `ready` frame: `onReady`).
 * - `reconnecting`: the connection dropped and attempt `attempt` (1 for the first
 *   after a drop) starts in `delay` ms, at `at` (ms since the epoch, from
 *   `Date.now()`), e.g. for a banner "reconnecting in 3 s".
 * - `closed`: for good, after `close()` or after a drop with `reconnect: false`.
 *
 * @example
 * client.onStatus((status) => {
 *   banner.textContent = status.state === "reconnecting" ? `reconnecting in ${Math.ceil(status.delay / 1000)} s` : status.state
 * })
 *
 * @since 0.1.0
 * @category models
 */
export type Status =
  | { readonly state: "connecting"; readonly attempt: number }
  | { readonly state: "open" }
  | { readonly state: "reconnecting"; readonly attempt: number; readonly delay: number; readonly at: number }
  | { readonly state: "closed" }

/**
 * The API of a client made without a type parameter: any event, push or action
 * name, every payload `unknown`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Untyped {
  readonly events: { readonly [event: string]: { readonly payload: unknown; readonly ack: unknown } }
  readonly pushes: { readonly [push: string]: unknown }
  readonly actions: { readonly [action: `${string}/${string}`]: { readonly payload: unknown; readonly result: unknown } }
}

/**
 * What a client of `Api` sends and receives: `SocketApi.Wire<Api>` for a
 * declared API, `Untyped` otherwise.
 *
 * @since 0.1.0
 * @category models
 */
export type WireOf<Api> = Api extends SocketApi.Any ? SocketApi.Wire<Api> : Untyped

/** The payload argument: optional when `undefined` is a valid payload. */
type PayloadArg<P> = undefined extends P ? [payload?: P] : [payload: P]

/** `T[K]`, for a `T` that TypeScript cannot prove has `K`. */
type Get<T, K extends string> = T extends { readonly [key in K]: infer V } ? V : never

type EventOf<Api> = keyof WireOf<Api>["events"] & string
type PushOf<Api> = keyof WireOf<Api>["pushes"] & string
type ActionOf<Api> = keyof WireOf<Api>["actions"] & string
type WireEvent<Api, E extends EventOf<Api>> = WireOf<Api>["events"][E]
type WireAction<Api, A extends ActionOf<Api>> = WireOf<Api>["actions"][A]

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
 * A connected (or reconnecting) client of the socket API `Api` (see `connect`).
 * Created by `connect`.
 *
 * @since 0.1.0
 * @category models
 */
export interface SocketClient<Api extends SocketApi.Any | Untyped = Untyped> {
  /** The current `Status`. */
  readonly status: Status
  /** The session id from the server's `ready` frame; `undefined` until it arrives and after a drop. */
  readonly sid: string | undefined
  /**
   * Sends `{"type":"emit","event","payload","id"}` and resolves with the `payload` of
   * the matching ack. While offline the emit is queued and sent after the next open.
   * Rejects with a `SocketAckError`: the server's code (and `fields`) for
   * `ok: false`, or `"timeout"`, `"queue_full"`, `"disconnected"`, `"closed"`,
   * `"invalid_payload"`.
   */
  emit<E extends EventOf<Api>>(event: E, ...payload: PayloadArg<Get<WireEvent<Api, E>, "payload">>): Promise<Get<WireEvent<Api, E>, "ack">>
  /**
   * Sends `{"type":"emit","event","payload"}` without an id: the server sends no ack.
   * Queued while offline like `emit`. Returns `false` when the frame was dropped (the
   * client is closed or the queue is full). Throws the `TypeError` of
   * `JSON.stringify` for a payload that is not JSON.
   */
  send<E extends EventOf<Api>>(event: E, ...payload: PayloadArg<Get<WireEvent<Api, E>, "payload">>): boolean
  /**
   * Calls the server action `<controller>/<action>` (e.g. `"items/rename"`), which is
   * the socket event of that name, and resolves with its result; rejects as `emit`.
   */
  call<A extends ActionOf<Api>>(action: A, ...payload: PayloadArg<Get<WireAction<Api, A>, "payload">>): Promise<Get<WireAction<Api, A>, "result">>
  /**
   * Calls `handler` with the payload of every `{"type":"event","event"}` frame of that
   * name, from a direct push, a joined topic or a broadcast. Returns the `off`. A
   * handler that throws is reported via `console.error`; the other handlers still run.
   */
  on<P extends PushOf<Api>>(push: P, handler: (payload: WireOf<Api>["pushes"][P]) => void): () => void
  /** Removes a handler added with `on`. */
  off<P extends PushOf<Api>>(push: P, handler: (payload: WireOf<Api>["pushes"][P]) => void): void
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
   * Calls `listener` with the session id of every `ready` frame: once per
   * connection, after the hello of each (re)connect. Returns its removal.
   */
  onReady(listener: (sid: string) => void): () => void
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
 * With the type of a declared socket API (`connect<typeof Api>(url)`, the API
 * imported with `import type`, so none of it is bundled) `emit`, `send`, `call`
 * and `on` take only its names, check each payload and type each ack, result and
 * push (their JSON form, `SocketApi.Wire`). Without one every name is accepted
 * and every payload is `unknown`.
 *
 * Throws a `TypeError` when no WebSocket constructor is available, and whatever the
 * constructor throws for the first attempt (a `SyntaxError` for an invalid URL).
 *
 * @example
 * import type { Api } from "../server/api.ts"
 *
 * const client = connect<typeof Api>("wss://example.com/ws", { route: "/items" })
 * client.on("items:changed", ({ items }) => render(items))
 * client.join("items")
 * const item = await client.emit("items:add", { name: "bolt", quantity: 3 })
 *
 * @since 0.1.0
 * @category constructors
 */
export const connect = <Api extends SocketApi.Any | Untyped = Untyped>(url: string | URL, options: ConnectOptions = {}): SocketClient<Api> =>
  makeClient(String(url), options) as unknown as SocketClient<Api>
