/**
 * The host's load average, watched: the one-minute load polled every 2 seconds,
 * rounded to hundredths, kept as the service's state and pushed to every page as
 * `system:load` `{ oneMinute }` when it changes. A page that connects (or
 * reconnects) gets the current value at once, so it never waits for a change.
 */
import { Service, Watcher } from "@specter-runtime/server"
import { Context, type Duration, Effect, Stream, SubscriptionRef } from "effect"
import { loadavg } from "node:os"
import { live } from "./Live.ts"

/** A load reading. */
export interface Reading {
  readonly oneMinute: number
}

/** The load service; `current` is the last reading (0 before the first). */
export class Load extends Context.Service<Load, { readonly current: SubscriptionRef.SubscriptionRef<Reading> }>()("load") {}

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
  Service.layer(Load, Effect.gen(function*() {
    const current = yield* SubscriptionRef.make<Reading>({ oneMinute: 0 })
    const readings = Watcher.poll(options.read ?? Effect.sync(() => loadavg()[0] ?? 0), {
      name: "loadavg",
      interval: options.interval ?? "2 seconds",
      transform: (value) => Math.round(value * 100) / 100,
      dedupe: true
    })
    yield* Effect.forkScoped(Stream.runForEach(readings, (oneMinute) => SubscriptionRef.set(current, { oneMinute })))
    yield* live("system:load", current)
    yield* Service.health(SubscriptionRef.get(current))
    return { current }
  }))

/** The load service as the app runs it: the host's load average every 2 seconds. */
export const LoadLive = makeLoadLive()
