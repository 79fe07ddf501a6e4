/**
 * One connected socket client, as socket handlers see it: its id, the route it
 * said hello from, the topics it joined, and a way to push events to it.
 *
 * @since 0.1.0
 */
import type { Effect } from "effect"

/**
 * A session. Pushing never waits for the client (a closed connection drops the
 * frame); joining and leaving take effect at once.
 *
 * @since 0.1.0
 * @category models
 */
export interface Session {
  /** A random id (a UUID), unique per connection. */
  readonly sid: string
  /**
   * What the socket server's `authorize` hook returned for this connection's
   * upgrade (`undefined` without a hook): who the client is, for handlers and
   * `canJoin`.
   */
  readonly data: unknown
  /** The `route` of the client's `hello`, if it sent one. */
  readonly route: string | undefined
  /** The topics this session has joined. */
  readonly topics: ReadonlySet<string>
  /**
   * Sends `{"type":"event","event","payload"}` to this session only. A payload
   * JSON cannot represent (a cycle, a BigInt) is a defect.
   */
  readonly push: (event: string, payload: unknown) => Effect.Effect<void>
  /** Adds this session to `topic`. */
  readonly join: (topic: string) => Effect.Effect<void>
  /** Removes this session from `topic`. */
  readonly leave: (topic: string) => Effect.Effect<void>
}
