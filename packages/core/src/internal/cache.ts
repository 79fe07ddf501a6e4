/**
 * The cache engine: Effect's `Cache` (public API only) holding a `Stored` per
 * key, the per-call compute carried into its lookup, the detection of a compute
 * reading its own key, and the hit fast path.
 *
 * The fast path is `hits`, a map the engine owns of the same `Stored` objects
 * Effect's Cache holds, read before it (bench row "cache.get hit"). Every change
 * Effect's Cache makes to a key passes through here, and `hits` follows it:
 * - a lookup starts (Effect's Cache calls `lookup` as it creates the entry): its
 *   `Stored` goes into `hits`, incomplete, and is completed (value, expiry) when
 *   Effect's Cache asks its time to live; a failed or interrupted lookup stays
 *   incomplete, which the fast path ignores;
 * - `set`: its `Stored` goes into `hits` when Effect's Cache asks its time to live,
 *   just before storing it;
 * - `invalidate` / `invalidateAll`: removed from Effect's Cache, then from `hits`
 *   (a lookup that starts in between leaves `hits` too: `hits` may miss what
 *   Effect's Cache holds, never hold what it dropped).
 * So an entry of `hits` is Effect's current entry for its key, unless Effect's
 * Cache dropped it for capacity (the value is still a valid one); a key missing
 * from `hits`, incomplete or expired there, is read through Effect's Cache.
 *
 * Expiry is computed on the Clock the cache was made with, at the moment Effect's
 * Cache computes its own, and checked with the same inclusive boundary.
 *
 * @internal
 */
import { Cache as EffectCache, type Clock, Context, Duration, Effect, Equal, Exit, MutableHashMap, Option, type Scope } from "effect"
import { logFailure } from "./failure.ts"

const isPlain = (key: unknown) => typeof key !== "object" && typeof key !== "function"

/**
 * A map by `Equal` key, as Effect's Cache keys its entries: plain values in a
 * `Map` (one lookup per read), objects in a `MutableHashMap`.
 */
class Hits<K, V> {
  private readonly plain = new Map<K, V>()
  private readonly hashed = MutableHashMap.empty<K, V>()

  get size(): number {
    return this.plain.size + MutableHashMap.size(this.hashed)
  }

  get(key: K): V | undefined {
    return isPlain(key) ? this.plain.get(key) : Option.getOrUndefined(MutableHashMap.get(this.hashed, key))
  }

  set(key: K, value: V): void {
    if (isPlain(key)) this.plain.set(key, value)
    else MutableHashMap.set(this.hashed, key, value)
  }

  remove(key: K): void {
    if (isPlain(key)) this.plain.delete(key)
    else MutableHashMap.remove(this.hashed, key)
  }

  clear(): void {
    this.plain.clear()
    MutableHashMap.clear(this.hashed)
  }

  /** Drops the entry stored longest ago among the plain keys, or else among the others. */
  dropOldest(): void {
    for (const key of this.plain.keys()) return void this.plain.delete(key)
    for (const [key] of this.hashed) return void MutableHashMap.remove(this.hashed, key)
  }
}

/** What Effect's Cache holds for a key: the value and what the fast path needs. */
export class Stored<A> {
  value: A
  /** The time to live a `set` asked for (else the cache's). */
  readonly timeToLive: Duration.Duration | undefined
  /** Made by `set`: Effect's Cache stores it the moment it asks its time to live. */
  readonly fromSet: boolean
  /** The fast path's answer, once Effect's Cache has kept the value. */
  exit: Exit.Exit<A> | undefined = undefined
  /** Clock milliseconds from which the value has expired, if it expires. */
  expiresAt: number | undefined = undefined
  constructor(value: A, fromSet: boolean, timeToLive?: Duration.Duration) {
    this.value = value
    this.fromSet = fromSet
    this.timeToLive = timeToLive
  }
}

/** A lookup in progress: which cache, which key. */
export interface Frame {
  readonly cache: object
  readonly key: unknown
}

/** The lookups the current fiber runs inside (to detect a compute reading its own key). */
export const LookupStack = Context.Reference<ReadonlyArray<Frame>>("@specter-runtime/core/Cache/LookupStack", {
  defaultValue: () => []
})

/** The compute `getOrCompute` asks the cache's lookup to run for its key on a miss. */
export const PendingCompute = Context.Reference<(Frame & { readonly compute: Effect.Effect<unknown, unknown> }) | undefined>(
  "@specter-runtime/core/Cache/PendingCompute",
  { defaultValue: () => undefined }
)

export const sameFrame = (frame: Frame, cache: object, key: unknown) => frame.cache === cache && Equal.equals(frame.key, key)

export interface EngineOptions<K> {
  /** The cache's name, for defects. */
  readonly name: string
  readonly capacity: number
  readonly timeToLive: Duration.Duration
  readonly failureTimeToLive: Duration.Duration
  readonly clock: Clock.Clock
  /** The compute of `key` when no `getOrCompute` gave one; `undefined` when the cache has no lookup. */
  readonly lookup: (key: K) => Effect.Effect<unknown, unknown> | undefined
}

/** Effect's Cache and the fast path over it, for one Specter cache. */
export class Engine<K, A, E> {
  readonly hits = new Hits<K, Stored<A>>()
  cache!: EffectCache.Cache<K, Stored<A>, E>
  private readonly options: EngineOptions<K>

  private constructor(options: EngineOptions<K>) {
    this.options = options
  }

  static make<K, A, E>(options: EngineOptions<K>): Effect.Effect<Engine<K, A, E>> {
    return Effect.suspend(() => {
      const engine = new Engine<K, A, E>(options)
      return Effect.map(
        EffectCache.makeWith((key: K) => engine.lookup(key), {
          capacity: options.capacity,
          timeToLive: (exit, key) => engine.timeToLive(exit, key)
        }),
        (cache) => {
          engine.cache = cache
          return engine
        }
      )
    })
  }

  /**
   * The value of `key`: a valid hit from the fast path, else through Effect's
   * Cache, which joins or starts its computation (`compute`, or the cache's
   * lookup). Reading a key whose computation the current fiber runs inside is a
   * defect, not a wait for itself.
   */
  getOrCompute<R>(key: K, compute: Effect.Effect<A, E, R> | undefined): Effect.Effect<A, E, R> {
    return Effect.withFiber((fiber) => {
      const hit = this.probe(key)
      if (hit !== undefined && !this.expired(hit)) return hit.exit!
      if (fiber.getRef(LookupStack).some((frame) => sameFrame(frame, this, key))) {
        return Effect.die(
          new Error(
            `[specter:cache] the computation of cache '${this.options.name}' for key ${render(key)} reads that same key: it would wait for itself forever`
          )
        )
      }
      const get = Effect.map(EffectCache.get(this.cache, key), (stored) => stored.value)
      if (compute === undefined) return get
      return Effect.provideService(get, PendingCompute, { cache: this, key, compute: compute as Effect.Effect<unknown, unknown> })
    })
  }

  /** The valid value of `key`, without computing or waiting; an expired entry leaves Effect's Cache. */
  getOption(key: K): Effect.Effect<Option.Option<A>> {
    return Effect.suspend(() => {
      const hit = this.probe(key)
      if (hit !== undefined && !this.expired(hit)) return Effect.succeed(Option.some(hit.value))
      return Effect.map(EffectCache.getSuccess(this.cache, key), Option.map((stored) => stored.value))
    })
  }

  /**
   * Whether `key` holds a valid value. An expired entry the fast path knows is
   * left in place; only a key the fast path does not know is asked of Effect's
   * Cache (which drops it if expired).
   */
  has(key: K): Effect.Effect<boolean> {
    return Effect.suspend(() => {
      const hit = this.probe(key)
      if (hit !== undefined) return Effect.succeed(!this.expired(hit))
      return Effect.map(EffectCache.getSuccess(this.cache, key), Option.isSome)
    })
  }

  get size(): Effect.Effect<number> {
    return EffectCache.size(this.cache)
  }

  set(key: K, value: A, timeToLive?: Duration.Duration): Effect.Effect<void> {
    return EffectCache.set(this.cache, key, new Stored(value, true, timeToLive))
  }

  invalidate(key: K): Effect.Effect<void> {
    return Effect.andThen(EffectCache.invalidate(this.cache, key), Effect.sync(() => this.hits.remove(key)))
  }

  readonly invalidateAll: Effect.Effect<void> = Effect.suspend(() =>
    Effect.andThen(EffectCache.invalidateAll(this.cache), Effect.sync(() => this.hits.clear()))
  )

  /** The complete `Stored` of `key` in the fast path (expired or not), or `undefined`. */
  private probe(key: K): Stored<A> | undefined {
    const found = this.hits.get(key)
    return found !== undefined && found.exit !== undefined ? found : undefined
  }

  private expired(stored: Stored<A>): boolean {
    return stored.expiresAt !== undefined && this.options.clock.currentTimeMillisUnsafe() >= stored.expiresAt
  }

  /**
   * Effect's Cache's lookup: runs the compute `getOrCompute` carried in (or the
   * cache's lookup) inside a frame of `LookupStack`, into a new `Stored` that
   * enters the fast path incomplete.
   */
  private lookup(key: K): Effect.Effect<Stored<A>, E> {
    return Effect.withFiber((fiber) => {
      const pending = fiber.getRef(PendingCompute)
      const compute = pending !== undefined && sameFrame(pending, this, key) ? pending.compute : this.options.lookup(key)
      if (compute === undefined) return Effect.die(new Error(`[specter:cache] cache '${this.options.name}' has no lookup`))
      const stored = new Stored<A>(undefined as A, false)
      this.remember(key, stored)
      const stack = [...fiber.getRef(LookupStack), { cache: this, key }]
      return (compute as Effect.Effect<A, E>).pipe(
        Effect.map((value) => {
          stored.value = value
          return stored
        }),
        Effect.provideService(PendingCompute, undefined),
        Effect.provideService(LookupStack, stack)
      )
    })
  }

  /** Effect's Cache's time to live, which also completes the fast path's entry. */
  private timeToLive(exit: Exit.Exit<Stored<A>, E>, key: K): Duration.Duration {
    if (Exit.isFailure(exit)) return this.options.failureTimeToLive
    const stored = exit.value
    const ttl = stored.timeToLive ?? this.options.timeToLive
    if (stored.fromSet) this.remember(key, stored)
    stored.expiresAt = Duration.isFinite(ttl) ? this.options.clock.currentTimeMillisUnsafe() + Duration.toMillis(ttl) : undefined
    stored.exit = Exit.succeed(stored.value)
    return ttl
  }

  /** Puts `stored` in the fast path, dropping its oldest entry beyond capacity. */
  private remember(key: K, stored: Stored<A>): void {
    this.hits.set(key, stored)
    if (this.hits.size > this.options.capacity) this.hits.dropOldest()
  }
}

/** The `onInvalidate` handlers of one cache, run in registration order. */
export class Handlers<A> {
  private readonly list: Array<(event: A) => Effect.Effect<void, unknown>> = []
  private readonly label: string
  constructor(label: string) {
    this.label = label
  }

  /** Adds `handler` (run with the caller's context) until the calling scope closes. */
  add<X, R>(handler: (event: A) => Effect.Effect<void, X, R>): Effect.Effect<void, never, Scope.Scope | R> {
    return Effect.flatMap(Effect.context<R>(), (context) => {
      const entry = (event: A) => Effect.provideContext(handler(event), context) as Effect.Effect<void, X>
      return Effect.acquireRelease(
        Effect.sync(() => void this.list.push(entry)),
        () =>
          Effect.sync(() => {
            const index = this.list.indexOf(entry)
            if (index >= 0) this.list.splice(index, 1)
          })
      )
    })
  }

  /** Runs every handler present now; a failure is logged and the next one runs. */
  run(event: A): Effect.Effect<void> {
    return Effect.forEach(this.list.slice(), (handler) => logFailure(this.label)(handler(event)), { discard: true })
  }

  clear(): void {
    this.list.length = 0
  }
}

const render = (key: unknown): string => {
  try {
    return JSON.stringify(key) ?? String(key)
  } catch {
    return String(key)
  }
}
