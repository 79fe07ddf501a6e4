/**
 * A named, keyed cache on Effect's `Cache`: one lookup per key however many fibers
 * ask at once, no lock held while a lookup runs (other keys, readers, `set` and
 * `invalidate` never wait for it), time to live on the Effect `Clock` (so
 * `TestClock` drives expiry), `null`/`undefined` cached like any value, failures
 * not kept (by default), and invalidation published on the bus as
 * `<name>:invalidated`, cascading to the caches that declared `dependsOn` it.
 * Original: `create_cache` / `Cache` (`get`, `set`, `get_or_compute`, `is_valid`,
 * `invalidate`, `on_invalidate`, `depends_on`, `destroy`); the original held one
 * value, which is the case of one key.
 *
 * ```ts
 * const users = yield* Cache.make("users", {
 *   lookup: (id: string) => fetchUser(id),
 *   timeToLive: "5 minutes",
 *   dependsOn: ["accounts:invalidated"]
 * })
 * const user = yield* users.get("u1")    // looks up once, then served from the cache
 * yield* users.invalidate("u1")          // publishes users:invalidated
 * ```
 *
 * Invalidation runs as a wave: the cache is cleared, its `onInvalidate` handlers
 * run in order, the event is published, and every cache that depends on it is
 * invalidated in turn before `invalidate` returns, each cache at most once per
 * wave. A dependency cycle between caches is refused when declared (`CacheCycle`).
 *
 * @since 0.1.0
 */
import { Cache as EffectCache, Clock, Data, Duration, Effect, Exit, Option, Scope } from "effect"
import * as Bus from "./Bus.ts"
import * as internal from "./internal/cache.ts"
import { logFailure } from "./internal/failure.ts"

/**
 * The payload of `<name>:invalidated`: which cache, which key (`None` for all),
 * and the caches invalidated so far in this wave, in order (this one last).
 *
 * @since 0.1.0
 * @category models
 */
export interface Invalidated<K> {
  readonly cache: string
  readonly key: Option.Option<K>
  readonly wave: ReadonlyArray<string>
}

/**
 * Options of `make`.
 *
 * - `lookup`: computes the value of a key on a miss (then the cache has `get`).
 * - `timeToLive`: how long a value stays valid, on the Effect `Clock`; the boundary
 *   is inclusive (expired when exactly that long has passed). Omitted: never
 *   expires. Must be positive. Original: `ttl` (0 meant "never expires").
 * - `failureTimeToLive`: how long a failed lookup is remembered (default 0: not
 *   at all, the next call looks up again).
 * - `capacity`: at most this many keys (default 10 000); when full, the entries
 *   stored longest ago go first (hits do not refresh an entry's place).
 * - `dependsOn`: bus events that invalidate the whole cache, e.g. another cache's
 *   `<name>:invalidated`. Original: `depends_on`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options<K, A, E, R> {
  readonly lookup?: ((key: K) => Effect.Effect<A, E, R>) | undefined
  readonly timeToLive?: Duration.Input | undefined
  readonly failureTimeToLive?: Duration.Input | undefined
  readonly capacity?: number | undefined
  readonly dependsOn?: ReadonlyArray<Bus.EventRef<any>> | undefined
}

/**
 * Declaring the cache would close a dependency cycle: `cycle` lists it, each
 * cache invalidating the next (`["a", "b", "a"]`).
 *
 * @since 0.1.0
 * @category errors
 */
export class CacheCycle extends Data.TaggedError("CacheCycle")<{
  readonly cache: string
  readonly cycle: ReadonlyArray<string>
  readonly message: string
}> {}

/**
 * Another cache with the same name exists on this bus (their events would collide).
 *
 * @since 0.1.0
 * @category errors
 */
export class DuplicateCache extends Data.TaggedError("DuplicateCache")<{
  readonly cache: string
  readonly message: string
}> {}

/**
 * A time to live that is negative, zero or not a duration (the original treated a
 * negative one as "never expires"). Nothing was changed.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidTimeToLive extends Data.TaggedError("InvalidTimeToLive")<{
  readonly cache: string
  readonly message: string
}> {}

/**
 * A cache of `A` by `K`, whose computations fail with `E`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Cache<K, A, E = never> {
  readonly name: string
  /** `<name>:invalidated`. */
  readonly invalidated: Bus.Event<Invalidated<K>>
  /**
   * The value of `key`: from the cache when valid, else computed by `compute` (or
   * joined to the computation already running for `key`: one per key at a time).
   * A failure is returned to every waiting caller and not kept (see
   * `failureTimeToLive`). A compute that reads its own key is a defect (it would
   * wait for itself). Original: `get_or_compute(factory, ttl)`.
   */
  readonly getOrCompute: <R>(key: K, compute: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /**
   * The valid value of `key`, without computing; an expired entry is removed.
   * Original: `get(default)` (`Option.getOrElse` gives the default).
   */
  readonly getOption: (key: K) => Effect.Effect<Option.Option<A>>
  /** Whether `key` holds a valid value; does not remove an expired one. Original: `is_valid()`. */
  readonly has: (key: K) => Effect.Effect<boolean>
  /**
   * Stores `value` for `key`, valid for `timeToLive` (default: the cache's).
   * Original: `set(value, ttl)`.
   */
  readonly set: {
    (key: K, value: A): Effect.Effect<void>
    (key: K, value: A, options: { readonly timeToLive: Duration.Input }): Effect.Effect<void, InvalidTimeToLive>
  }
  /**
   * Removes `key`, runs the `onInvalidate` handlers, publishes `<name>:invalidated`
   * and invalidates the dependent caches, even if `key` held nothing. Original:
   * `invalidate()`.
   */
  readonly invalidate: (key: K) => Effect.Effect<void>
  /** `invalidate` for every key. */
  readonly invalidateAll: Effect.Effect<void>
  /**
   * Runs `handler` on every invalidation of this cache, in registration order,
   * inside `invalidate`, until the calling scope closes. A failing handler is
   * logged; the others and the event still happen. Original: `on_invalidate(cb)`.
   */
  readonly onInvalidate: <X, R>(
    handler: (event: Invalidated<K>) => Effect.Effect<void, X, R>
  ) => Effect.Effect<void, never, Scope.Scope | R>
  /** How many keys are held (expired ones included until touched). */
  readonly size: Effect.Effect<number>
  /**
   * Detaches the cache: stops listening to `dependsOn`, removes the `onInvalidate`
   * handlers and empties it, without an event (also done when its scope closes).
   * Original: `destroy()`.
   */
  readonly destroy: Effect.Effect<void>
}

/**
 * A cache made with a `lookup`: `get(key)` is `getOrCompute(key, lookup(key))`.
 *
 * @since 0.1.0
 * @category models
 */
export interface LookupCache<K, A, E = never> extends Cache<K, A, E> {
  readonly get: (key: K) => Effect.Effect<A, E>
}

/**
 * How `make` fails.
 *
 * @since 0.1.0
 * @category errors
 */
export type MakeError = DuplicateCache | CacheCycle | InvalidTimeToLive

const DEFAULT_CAPACITY = 10_000

const timeToLive = (
  name: string,
  input: Duration.Input,
  what: "timeToLive" | "failureTimeToLive"
): Effect.Effect<Duration.Duration, InvalidTimeToLive> =>
  Effect.suspend(() => {
    const duration = Duration.fromInput(input)
    const millis = Option.isSome(duration) ? Duration.toMillis(duration.value) : Number.NaN
    if (Option.isSome(duration) && (millis > 0 || (millis === 0 && what === "failureTimeToLive"))) {
      return Effect.succeed(duration.value)
    }
    return Effect.fail(
      new InvalidTimeToLive({
        cache: name,
        message: `[specter:cache] cache '${name}': ${what} must be a ${what === "timeToLive" ? "positive" : "non-negative"} duration, got ${
          String(input)
        }${what === "timeToLive" ? " (omit it for values that never expire)" : ""}`
      })
    )
  })

const render = (key: unknown): string => {
  try {
    return JSON.stringify(key) ?? String(key)
  } catch {
    return String(key)
  }
}

/**
 * Creates a cache in the calling scope (closing it is `destroy`).
 *
 * Fails with `DuplicateCache`, `CacheCycle`, or `InvalidTimeToLive`.
 * Original: `create_cache(name, ttl, depends_on)`.
 *
 * @since 0.1.0
 * @category constructors
 */
export function make<K, A, E = never, R = never>(
  name: string,
  options: Options<K, A, E, R> & { readonly lookup: (key: K) => Effect.Effect<A, E, R> }
): Effect.Effect<LookupCache<K, A, E>, MakeError, Scope.Scope | Bus.Bus | R>
export function make<K, A, E = never>(
  name: string,
  options?: Options<K, A, E, never>
): Effect.Effect<Cache<K, A, E>, MakeError, Scope.Scope | Bus.Bus>
export function make<K, A, E, R>(
  name: string,
  options: Options<K, A, E, R> = {}
): Effect.Effect<Cache<K, A, E> | LookupCache<K, A, E>, MakeError, Scope.Scope | Bus.Bus | R> {
  return Effect.gen(function*() {
    const bus = yield* Bus.Bus
    const graph = internal.graphOf(bus)
    const ttl = options.timeToLive === undefined ? Duration.infinity : yield* timeToLive(name, options.timeToLive, "timeToLive")
    const failureTtl = options.failureTimeToLive === undefined
      ? Duration.zero
      : yield* timeToLive(name, options.failureTimeToLive, "failureTimeToLive")
    const dependsOn = new Set((options.dependsOn ?? []).map((ref) => (typeof ref === "string" ? ref : ref.name)))
    const invalidated = Bus.event<Invalidated<K>>(internal.invalidatedEvent(name))
    const handlers: Array<(event: Invalidated<K>) => Effect.Effect<void>> = []
    const self = {}

    const lookup = (key: K): Effect.Effect<A, unknown> =>
      Effect.withFiber((fiber) => {
        const pending = fiber.getRef(internal.PendingCompute)
        const compute = pending !== undefined && internal.sameFrame(pending, self, key)
          ? pending.compute as Effect.Effect<A, unknown>
          : options.lookup?.(key) as Effect.Effect<A, unknown> | undefined
        if (compute === undefined) return Effect.die(new Error(`[specter:cache] cache '${name}' has no lookup`))
        const stack = [...fiber.getRef(internal.LookupStack), { cache: self, key }]
        return compute.pipe(Effect.provideService(internal.PendingCompute, undefined), Effect.provideService(internal.LookupStack, stack))
      })
    const cache = yield* EffectCache.makeWith(lookup as (key: K) => Effect.Effect<A, unknown, R>, {
      capacity: options.capacity ?? DEFAULT_CAPACITY,
      timeToLive: (exit) => (Exit.isSuccess(exit) ? ttl : failureTtl)
    })

    const getOrCompute = <R2>(key: K, compute: Effect.Effect<A, E, R2> | undefined): Effect.Effect<A, E, R2> =>
      Effect.withFiber((fiber) => {
        const exit = internal.hit(cache, key, fiber)
        if (exit !== undefined) return exit as Exit.Exit<A, E>
        if (fiber.getRef(internal.LookupStack).some((frame) => internal.sameFrame(frame, self, key))) {
          return Effect.die(
            new Error(
              `[specter:cache] the lookup of cache '${name}' for key ${render(key)} reads that same key: it would wait for itself forever`
            )
          )
        }
        const get = EffectCache.get(cache, key) as Effect.Effect<A, E>
        if (compute === undefined) return get
        return Effect.provideService(get, internal.PendingCompute, { cache: self, key, compute: compute as Effect.Effect<unknown> })
      })

    const runHandlers = (event: Invalidated<K>) =>
      Effect.forEach(handlers.slice(), (handler) =>
        logFailure(`cache '${name}': an onInvalidate handler`)(handler(event)), { discard: true })

    /** Invalidates `key` (or all) as part of `visited`'s wave, or of a new one. */
    const wave = (key: Option.Option<K>, within?: Array<string>): Effect.Effect<void> =>
      Effect.suspend(() => {
        const visited = within ?? []
        if (visited.includes(name)) return Effect.void
        visited.push(name)
        const event: Invalidated<K> = { cache: name, key, wave: [...visited] }
        // While registered, dependents are invalidated directly and their bus listeners skip this event.
        const registered = graph.nodes.get(name) === node
        if (registered) graph.direct.add(event)
        return Effect.gen(function*() {
          yield* Option.isSome(key) ? EffectCache.invalidate(cache, key.value) : EffectCache.invalidateAll(cache)
          yield* runHandlers(event)
          yield* bus.emit(invalidated, event)
          if (registered) for (const dependent of graph.dependents(name)) yield* dependent.cascade(visited)
        })
      })

    const node: internal.Node = { name, dependsOn, cascade: (visited) => wave(Option.none(), visited) }
    // The name check, the cycle check and the registration with no yield between
    // them, so that two caches made at once cannot both take one name.
    if (graph.nodes.has(name)) {
      return yield* new DuplicateCache({ cache: name, message: `[specter:cache] a cache named '${name}' already exists` })
    }
    const cycle = graph.cycleThrough(node)
    if (cycle !== undefined) {
      return yield* new CacheCycle({
        cache: name,
        cycle,
        message: `[specter:cache] cache '${name}' would close a dependency cycle: ${cycle.join(" -> ")}`
      })
    }

    graph.nodes.set(name, node)
    // The cache's own scope: `destroy` closes it early.
    const scope = yield* Scope.fork(yield* Effect.scope)
    yield* Effect.addFinalizer(() => Scope.close(scope, Exit.void))
    yield* Scope.addFinalizer(scope, Effect.suspend(() => {
      if (graph.nodes.get(name) === node) graph.nodes.delete(name)
      handlers.length = 0
      return EffectCache.invalidateAll(cache)
    }))
    for (const event of dependsOn) {
      yield* Scope.provide(
        bus.listen(event, (payload) =>
          typeof payload === "object" && payload !== null && graph.direct.has(payload) ? Effect.void : wave(Option.none()), {
          label: `cache '${name}' dependsOn`
        }),
        scope
      )
    }

    const set = (key: K, value: A, setOptions?: { readonly timeToLive: Duration.Input }) =>
      setOptions === undefined
        ? EffectCache.set(cache, key, value)
        : Effect.flatMap(timeToLive(name, setOptions.timeToLive, "timeToLive"), (duration) =>
          Effect.andThen(EffectCache.set(cache, key, value), Effect.withFiber((fiber) => {
            const entry = internal.entryOf(cache, key)
            if (entry !== undefined) {
              entry.expiresAt = Duration.isFinite(duration)
                ? fiber.getRef(Clock.Clock).currentTimeMillisUnsafe() + Duration.toMillis(duration)
                : undefined
            }
            return Effect.void
          })))

    const result: Cache<K, A, E> = {
      name,
      invalidated,
      getOrCompute,
      getOption: (key) => EffectCache.getSuccess(cache, key),
      has: (key) => Effect.withFiber((fiber) => Effect.succeed(internal.hit(cache, key, fiber) !== undefined)),
      set: set as Cache<K, A, E>["set"],
      invalidate: (key) => wave(Option.some(key)),
      invalidateAll: wave(Option.none()),
      onInvalidate: (handler) =>
        Effect.flatMap(Effect.context<any>(), (context) => {
          const entry = (event: Invalidated<K>) => Effect.provideContext(handler(event), context) as Effect.Effect<void>
          return Effect.acquireRelease(
            Effect.sync(() => void handlers.push(entry)),
            () =>
              Effect.sync(() => {
                const index = handlers.indexOf(entry)
                if (index >= 0) handlers.splice(index, 1)
              })
          )
        }),
      size: EffectCache.size(cache),
      destroy: Scope.close(scope, Exit.void)
    }
    if (options.lookup === undefined) return result
    return { ...result, get: (key: K) => getOrCompute(key, undefined) } satisfies LookupCache<K, A, E>
  })
}
