/**
 * The bounded shutdown of the application's edge, run before its services stop:
 * readiness goes `stopping`, then the sockets close while HTTP drains, both at
 * once and both bounded by the grace; then every connection still open, HTTP or
 * upgraded, is destroyed. Effect's Node server closes only when the router's
 * scope closes (after the application), leaves keep-alive connections open to
 * new requests, and waits for `ws` to close every WebSocket, which gives a silent
 * peer 30 s; so the drain is done here, on the Node server itself.
 *
 * @internal
 */
import { type Duration, Effect, Layer, SubscriptionRef } from "effect"
import type { Server } from "node:http"
import type { Socket } from "node:net"
import * as Health from "../Health.ts"
import * as SocketServer from "../SocketServer.ts"

/** The state shared with the error envelope: once draining, every answer closes its connection. */
export interface Drain {
  draining: boolean
}

/** Every TCP connection of a server, upgraded ones included, for the last step of the drain. */
export interface Connections {
  readonly open: Set<Socket>
}

/**
 * Starts keeping the open connections of `server`: one `Set` entry per
 * connection, removed when it closes (with one shared listener, no closure per
 * connection).
 */
export const track = (server: Server): Connections => {
  const open = new Set<Socket>()
  function forget(this: Socket) {
    open.delete(this)
  }
  server.on("connection", (socket: Socket) => {
    open.add(socket)
    socket.on("close", forget)
  })
  return { open }
}

/**
 * Stops accepting connections and closes the idle keep-alive ones at once;
 * connections with a request in flight close after its answer (`Connection:
 * close`, see `Drain`). Completes when every connection has ended (upgraded ones
 * included: the socket server closes those meanwhile), or after `grace`.
 */
export const drainHttp = (server: Server, grace: Duration.Input): Effect.Effect<void> =>
  Effect.callback<void>((resume) => {
    if (!server.listening) return resume(Effect.void)
    server.close(() => resume(Effect.void))
    server.closeIdleConnections()
  }).pipe(Effect.timeoutOrElse({ duration: grace, orElse: () => Effect.void }))

/**
 * The shutdown as a layer with nothing to build: built last, its finalizer runs
 * first. Every answer from now on closes its connection and readiness goes
 * `stopping`; then the sockets close and HTTP drains, at the same time, each for
 * at most `grace`; then what is still connected is destroyed.
 */
export const shutdown = (
  server: Server,
  drain: Drain,
  connections: Connections,
  grace: Duration.Input
): Layer.Layer<never, never, Health.Readiness | SocketServer.SocketServer> =>
  Layer.effectDiscard(Effect.gen(function*() {
    const { phase } = yield* Health.Readiness
    const sockets = yield* SocketServer.SocketServer
    const closeSockets = Effect.timeoutOrElse(sockets.closeAll(), { duration: grace, orElse: () => Effect.void })
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => drain.draining = true).pipe(
        Effect.andThen(SubscriptionRef.set(phase, "stopping")),
        Effect.andThen(Effect.all([closeSockets, drainHttp(server, grace)], { concurrency: 2, discard: true })),
        Effect.andThen(Effect.sync(() => {
          for (const socket of connections.open) socket.destroy()
        }))
      )
    )
  }))
