/**
 * The part of a WebSocket the client uses, so that the browser's `WebSocket`, Node's
 * global `WebSocket` (Node 22+) and the `ws` package all fit.
 *
 * @since 0.1.0
 */

/**
 * A WebSocket as the client drives it: `readyState` (1 is open), `send` of text,
 * `close`, and the four `on…` handler slots. The client reads only `data` from
 * message events; the event parameters are typed `never` so that handler slots typed
 * with the DOM's events and with `ws`'s own event classes are both accepted.
 *
 * @since 0.1.0
 * @category models
 */
export interface WebSocketLike {
  readonly readyState: number
  send(data: string): void
  close(code?: number, reason?: string): void
  onopen: ((event: never) => void) | null
  onmessage: ((event: never) => void) | null
  onclose: ((event: never) => void) | null
  onerror: ((event: never) => void) | null
}

/**
 * A WebSocket constructor taking the URL, e.g. `globalThis.WebSocket` or the default
 * export of the `ws` package. May throw (a `SyntaxError` for an invalid URL).
 *
 * @since 0.1.0
 * @category models
 */
export type WebSocketConstructor = new (url: string) => WebSocketLike

/**
 * The value of `readyState` for an open socket (`WebSocket.OPEN`); a constant here
 * because injected constructors need not carry the static fields.
 *
 * @since 0.1.0
 * @category constants
 */
export const OPEN = 1
