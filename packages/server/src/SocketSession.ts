/**
 * One connected socket client: its id, the route it said hello from, the topics
 * it joined, and a way to push events to it.
 *
 * @since 0.1.0
 */
import type { Effect } from "effect"

/**
 * A session, as socket handlers see it. Pushing never waits for the client.
 * Original: a Flask-SocketIO `sid` with `join_room`/`leave_room`/`emit(to=sid)`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Session {
  /** A random id, unique per connection. */
  readonly sid: string
  /** The `route` of the client's `hello`, if it sent one. */
  readonly route: string | undefined
  /** The topics this session has joined. */
  readonly topics: ReadonlySet<string>
  /** Sends `{type: "event", event, payload}` to this session only. */
  readonly push: (event: string, payload: unknown) => Effect.Effect<void>
  readonly join: (topic: string) => Effect.Effect<void>
  readonly leave: (topic: string) => Effect.Effect<void>
}
