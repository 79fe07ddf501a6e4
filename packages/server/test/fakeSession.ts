/**
 * A session with no connection behind it, for tests that call handlers and the
 * ingress directly: pushes, joins and leaves do nothing.
 */
import type { Session } from "@specter-runtime/server"
import { Effect } from "effect"

export const fakeSession = (sid: string): Session => ({
  sid,
  data: undefined,
  route: undefined,
  topics: new Set(),
  push: () => Effect.void,
  join: () => Effect.void,
  leave: () => Effect.void
})
