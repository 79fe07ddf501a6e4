/**
 * The one error an emit promise rejects with.
 *
 * @since 0.1.0
 */

/**
 * Why an emit failed. The client itself produces:
 *
 * - `"timeout"`: no ack within `ackTimeout` ms of the frame being sent.
 * - `"queue_full"`: the client was offline and `maxQueue` emits were already waiting.
 * - `"disconnected"`: the frame was sent but the connection dropped before its ack;
 *   the emit is not re-sent (at most once), the server may or may not have run it.
 * - `"closed"`: `close()` was called (or the connection dropped with reconnect off)
 *   before the emit was acked or sent.
 * - `"invalid_payload"`: the payload cannot be written as JSON (a cycle, a BigInt).
 *
 * Any other code comes from the server's `ack` frame (`ok: false`), e.g. a
 * validation failure.
 *
 * @since 0.1.0
 * @category models
 */
export type SocketAckErrorCode =
  | "timeout"
  | "queue_full"
  | "disconnected"
  | "closed"
  | "invalid_payload"
  | (string & {})

/**
 * The rejection of `client.emit` / `client.call`: a `code` (see `SocketAckErrorCode`),
 * a human `message`, and for validation errors `fields`, a map from field name to
 * message taken from the server's `{"type":"ack","ok":false,"error":{…,"fields":{…}}}`.
 *
 * Original: SPRAG's browser runtime had no acks; a failed handler only produced an
 * `error` frame that could not be matched to the emit that caused it.
 *
 * @since 0.1.0
 * @category errors
 */
export class SocketAckError extends Error {
  readonly _tag = "SocketAckError"
  override readonly name = "SocketAckError"
  readonly code: SocketAckErrorCode
  readonly fields: Readonly<Record<string, string>> | undefined

  constructor(code: SocketAckErrorCode, message: string, fields?: Readonly<Record<string, string>>) {
    super(message)
    this.code = code
    this.fields = fields
  }
}
