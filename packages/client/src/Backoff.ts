/**
 * Reconnect delays: exponential growth, a ceiling, and random jitter so that many
 * clients dropped by one server restart do not all come back in the same instant.
 * The delay is a pure function of the attempt number; `makeBackoff` adds the attempt
 * counter the client keeps between drops.
 *
 * @since 0.1.0
 */

/**
 * How the client waits between reconnect attempts. Every field is optional; missing
 * fields take the values of `defaultReconnect`.
 *
 * - `initialDelay`: ms before the first attempt after a drop (default 250).
 * - `maxDelay`: ms, a hard ceiling on every delay, jitter included (default 10_000).
 * - `factor`: growth per failed attempt (default 2).
 * - `jitter`: 0..1, the fraction by which a delay is randomly stretched or shrunk
 *   (default 0.2, i.e. ±20 %); values outside 0..1 are clamped.
 *
 * Original: SPRAG's browser runtime reconnected after a fixed delay; this is new.
 *
 * @since 0.1.0
 * @category models
 */
export interface ReconnectOptions {
  readonly initialDelay?: number
  readonly maxDelay?: number
  readonly factor?: number
  readonly jitter?: number
}

/**
 * The defaults behind `ReconnectOptions`: 250 ms, doubling, capped at 10 s, ±20 %.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultReconnect: Required<ReconnectOptions> = {
  initialDelay: 250,
  maxDelay: 10_000,
  factor: 2,
  jitter: 0.2
}

/**
 * The delay in whole ms before reconnect attempt `attempt` (0 for the first attempt
 * after a drop): `initialDelay × factor^attempt`, capped at `maxDelay`, then scaled by
 * a random factor in `[1 − jitter, 1 + jitter)` and capped at `maxDelay` again.
 *
 * `random` returns a number in `[0, 1)` like `Math.random` (the default); pass a
 * constant to get a deterministic delay (0.5 means no jitter). Never throws.
 *
 * @example
 * backoffDelay(3, { initialDelay: 100, jitter: 0 }) // 800
 *
 * @since 0.1.0
 * @category constructors
 */
export const backoffDelay = (
  attempt: number,
  options: ReconnectOptions = {},
  random: () => number = Math.random
): number => {
  const { initialDelay, maxDelay, factor, jitter } = { ...defaultReconnect, ...options }
  const grown = initialDelay * factor ** Math.max(0, attempt)
  // 0 × Infinity is NaN: an initialDelay of 0 stays 0 however many attempts failed.
  const base = Math.min(maxDelay, Number.isNaN(grown) ? 0 : grown)
  const spread = Math.min(1, Math.max(0, jitter)) * (2 * random() - 1)
  return Math.round(Math.min(maxDelay, Math.max(0, base * (1 + spread))))
}

/**
 * A reconnect schedule with its own attempt counter: `next()` returns the delay in
 * ms for the current attempt and counts it; `reset()` starts over from
 * `initialDelay` (the client calls it after every successful open); `attempt` is the
 * number of delays handed out since the last reset.
 *
 * @since 0.1.0
 * @category models
 */
export interface Backoff {
  readonly attempt: number
  next(): number
  reset(): void
}

/**
 * Makes a `Backoff` over `backoffDelay` with the given options and random source.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeBackoff = (options: ReconnectOptions = {}, random: () => number = Math.random): Backoff => {
  let attempt = 0
  return {
    get attempt() {
      return attempt
    },
    next: () => backoffDelay(attempt++, options, random),
    reset: () => {
      attempt = 0
    }
  }
}
