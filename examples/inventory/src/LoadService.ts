/**
 * The host's load average, watched: the one-minute load polled every 2 seconds,
 * rounded to hundredths, kept in the service state and pushed to every page as
 * `system:load` `{ oneMinute }` when it changes. A page that connects (or
 * reconnects) gets the current value at once, so it never waits for a change.
 */
import { Service, SocketServer, Watcher } from "@specter/server"
import { type Duration, Effect, Semaphore } from "effect"
import { loadavg } from "node:os"

/** The load service; its state is the last reading (0 before the first). */
export class Load extends Service.Tag<Load>()("load", { oneMinute: 0 }) {}

/**
 * Options of `makeLoadLive`.
 *
 * - `interval`: from the end of one reading to the next (default 2 seconds, at
 *   least 100 ms).
 * - `read`: how to read the load (default: `os.loadavg()[0]`); tests give their own.
 */
export interface LoadOptions {
  readonly interval?: Duration.Input | undefined
  readonly read?: Effect.Effect<number> | undefined
}

/**
 * The load service with `options`. A reading that fails is logged and retried
 * with backoff by the watcher; the service itself never fails to start for it.
 */
export const makeLoadLive = (options: LoadOptions = {}) =>
  Service.layer(Load, (self) =>
    Effect.gen(function*() {
      const sockets = yield* SocketServer.SocketServer
      // One push at a time: a new page's first value can never overtake a newer one.
      const lock = yield* Semaphore.make(1)
      const load = yield* self.adopt(Watcher.poll("loadavg", options.read ?? Effect.sync(() => loadavg()[0] ?? 0), {
        interval: options.interval ?? "2 seconds",
        transform: (value) => Math.round(value * 100) / 100,
        dedupe: true
      }))
      yield* load.subscribe(
        (oneMinute) =>
          lock.withPermit(Effect.andThen(self.setState({ oneMinute }), sockets.broadcast("system:load", { oneMinute }))),
        { immediate: true }
      )
      yield* self.listen(SocketServer.Connected, ({ sid }) =>
        lock.withPermit(Effect.flatMap(self.get, (state) => sockets.push(sid, "system:load", state))))
    }))

/** The load service as the app runs it: the host's load average every 2 seconds. */
export const LoadLive = makeLoadLive()
