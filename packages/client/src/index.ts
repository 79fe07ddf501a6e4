/**
 * `@specter-runtime/client`: the Specter socket client for browsers and Node. No runtime
 * dependencies; served to browsers as one bundled ES module
 * (`dist/specter-client.js`, see `ClientModule` of `@specter-runtime/server`).
 *
 * @since 0.1.0
 */
export { connect, type ConnectOptions, type SocketClient, type Status, type Untyped, type WireOf } from "./Client.ts"
export { SocketAckError, type SocketAckErrorCode } from "./SocketAckError.ts"
export { backoffDelay, defaultReconnect, makeBackoff, type Backoff, type ReconnectOptions } from "./Backoff.ts"
export {
  decodeFrame,
  encodeFrame,
  type AckError,
  type ClientFrame,
  type ErrorFrame,
  type ServerFrame
} from "./Protocol.ts"
export type { WebSocketConstructor, WebSocketLike } from "./WebSocketLike.ts"
