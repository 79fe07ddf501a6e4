/**
 * The bounded shutdown of the application's edge, run before its services stop:
 * readiness goes `stopping`, then the sockets close while HTTP drains, both at
 * once. Effect's Node server closes only when the router's scope closes (after
 * the application) and leaves keep-alive connections open to new requests, so
 * the drain is done here, on the Node server itself.
 *
 * @internal
 */
import { type Duration, Effect, Layer, SubscriptionRef } from "effect"
import type { Server } from "node:http"
import * as Health from "../Health.ts"
import * as SocketServer from "../SocketServer.ts"

/** Whether the server is draining: from then on every answer closes its connection. */
export interface Drain {
  draining: boolean
}

/**
 * Stops accepting connections and closes the idle keep-alive ones at once;
 * connections with a request in flight close after its answer (`drain.draining`,
 * set before, makes it `Connection: close`). Waits for every connection to end, for at most
 * `grace`, then closes the HTTP connections still open. Upgraded sockets are the
 * socket server's to close.
 */
export const drainHttp = (server: Server, grace: Duration.Input): Effect.Effect<void> =>
  Effect.callback<void>((resume) => {
    if (!server.listening) return resume(Effect.void)
    server.close(() => resume(Effect.void))
    server.closeIdleConnections()
  }).pipe(
    Effect.timeoutOrElse({ duration: grace, orElse: () => Effect.void }),
    Effect.ensuring(Effect.sync(() => server.closeAllConnections()))
  )

/**
 * The shutdown as a layer with nothing to build: built last, its finalizer runs
 * first. Every answer from now on closes its connection and readiness goes
 * `stopping`; then the sockets close and HTTP drains, at the same time.
 */
export const shutdown = (
  server: Server,
  drain: Drain,
  grace: Duration.Input
): Layer.Layer<never, never, Health.Readiness | SocketServer.SocketServer> =>
  Layer.effectDiscard(Effect.gen(function*() {
    const { phase } = yield* Health.Readiness
    const sockets = yield* SocketServer.SocketServer
    yield* Effect.addFinalizer(() =>
      Effect.andThen(
        Effect.andThen(Effect.sync(() => drain.draining = true), SubscriptionRef.set(phase, "stopping")),
        Effect.all([sockets.closeAll(), drainHttp(server, grace)], { concurrency: 2, discard: true })
      )
    )
  }))
