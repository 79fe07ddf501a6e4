/**
 * Late binding between services. Static wiring is the Effect `Context`: a service
 * that needs another declares it, and a missing Layer is a type error. The Registry
 * is for what is only known at run time: a value one service provides while it runs
 * and another looks up, or waits for with a bounded wait.
 *
 * Every registration belongs to the scope that made it and is removed when that
 * scope closes, but only if it is still that scope's registration (a replacement by
 * someone else survives). Keys are typed values made once by `key`. Original: the
 * process-wide `registry` (`provide`, `resolve`, `require`, `has`, `list`,
 * `wait_for`, `clear`), keyed by strings.
 *
 * ```ts
 * const Tunnel = Registry.key<{ readonly url: string }>("tunnel")
 *
 * const registry = yield* Registry.Registry
 * yield* registry.provide(Tunnel, { url })                // until this scope closes
 * const tunnel = yield* registry.waitFor(Tunnel, "5 seconds") // elsewhere
 * ```
 *
 * @since 0.1.0
 */
import { Context, Data, Deferred, Duration, Effect, Layer, Option, type Scope } from "effect"

const KeyTypeId = "~@specter-runtime/core/Registry/Key" as const

/**
 * A registry key for values of type `A`. Two keys with the same name address the
 * same registration: declare each key once and share it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Key<A> {
  readonly [KeyTypeId]: { readonly _A: (_: never) => A }
  readonly name: string
}

/**
 * Declares a key. `name` is trimmed and must not be empty; an empty or non-string
 * name is a programming error, thrown as a `TypeError` where the key is declared.
 *
 * ```ts
 * const Port = Registry.key<number>("port")
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const key = <A>(name: string): Key<A> => {
  const trimmed = typeof name === "string" ? name.trim() : ""
  if (trimmed.length === 0) {
    throw new TypeError(`[specter:registry] a key must be a non-empty string, got ${typeof name === "string" ? `'${name}'` : typeof name}`)
  }
  return { [KeyTypeId]: { _A: (_: never) => _ }, name: trimmed }
}

/**
 * `provide` of a key that is provided, without `replace`.
 *
 * @since 0.1.0
 * @category errors
 */
export class AlreadyProvided extends Data.TaggedError("AlreadyProvided")<{ readonly key: string }> {
  override get message() {
    return `'${this.key}' is already provided; pass { replace: true } to overwrite`
  }
}

/**
 * `require` of a key that is not provided; `available` lists what is.
 *
 * @since 0.1.0
 * @category errors
 */
export class NotProvided extends Data.TaggedError("NotProvided")<{
  readonly key: string
  readonly available: ReadonlyArray<string>
}> {
  override get message() {
    return `'${this.key}' is not provided; provided: [${this.available.join(", ")}]`
  }
}

/**
 * `waitFor` gave up: nothing provided `key` within `timeout`.
 *
 * @since 0.1.0
 * @category errors
 */
export class WaitTimeout extends Data.TaggedError("WaitTimeout")<{
  readonly key: string
  readonly timeout: Duration.Duration
}> {
  override get message() {
    return `waitFor('${this.key}') timed out after ${Duration.format(this.timeout)}`
  }
}

/**
 * The registry was cleared (or its layer closed) while a `waitFor` was pending.
 *
 * @since 0.1.0
 * @category errors
 */
export class RegistryCleared extends Data.TaggedError("RegistryCleared")<{ readonly key: string }> {
  override get message() {
    return `the registry was cleared while waiting for '${this.key}'`
  }
}

/**
 * The registry of one application, as a `Context` service (`layer`).
 *
 * @since 0.1.0
 * @category services
 */
export class Registry extends Context.Service<Registry, {
  /**
   * Provides `value` under `key` until the calling scope closes. Fails with
   * `AlreadyProvided` if the key is taken, unless `replace` (the replaced
   * registration's scope closing later leaves this one in place). Wakes every
   * waiter. Any value counts as provided, `null` and `undefined` included.
   */
  readonly provide: <A>(
    key: Key<A>,
    value: A,
    options?: { readonly replace?: boolean | undefined }
  ) => Effect.Effect<void, AlreadyProvided, Scope.Scope>
  /** The value under `key`, if provided. */
  readonly resolve: <A>(key: Key<A>) => Effect.Effect<Option.Option<A>>
  /** The value under `key`, or `NotProvided`. */
  readonly require: <A>(key: Key<A>) => Effect.Effect<A, NotProvided>
  /** Whether `key` is provided (with any value, `null` included). */
  readonly has: (key: Key<unknown>) => Effect.Effect<boolean>
  /** The names of the provided keys, in the order they were first provided. */
  readonly list: Effect.Effect<ReadonlyArray<string>>
  /**
   * The value under `key`, waiting for a provider for at most `timeout` (there is
   * no unbounded wait). Fails with `WaitTimeout`, or `RegistryCleared`. An
   * interrupted wait leaves nothing behind.
   */
  readonly waitFor: <A>(key: Key<A>, timeout: Duration.Input) => Effect.Effect<A, WaitTimeout | RegistryCleared>
  /** Removes every registration and fails every pending `waitFor` with `RegistryCleared`. */
  readonly clear: Effect.Effect<void>
}>()("@specter-runtime/core/Registry") {}

interface Entry {
  readonly value: unknown
  readonly token: object
}

/**
 * Builds an empty registry (for a registry outside the application's; `layer`
 * gives the application's).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<Registry["Service"]> = Effect.sync(() => {
  const entries = new Map<string, Entry>()
  const waiters = new Map<string, Set<Deferred.Deferred<unknown, RegistryCleared>>>()
  const lookup = (key: Key<unknown>): Option.Option<any> => {
    const entry = entries.get(key.name)
    return entry === undefined ? Option.none() : Option.some(entry.value)
  }
  return Registry.of({
    provide: (key, value, options) => provide(entries, waiters, key, value, options?.replace === true),
    resolve: (key) => Effect.sync(() => lookup(key)),
    require: (key) =>
      Effect.suspend(() => {
        const found = lookup(key)
        return Option.isSome(found)
          ? Effect.succeed(found.value)
          : Effect.fail(new NotProvided({ key: key.name, available: [...entries.keys()] }))
      }),
    has: (key) => Effect.sync(() => entries.has(key.name)),
    list: Effect.sync(() => [...entries.keys()]),
    waitFor: (key, timeout) =>
      Effect.suspend(() => {
        const found = lookup(key)
        return Option.isSome(found) ? Effect.succeed(found.value) : wait(waiters, key.name, Duration.fromInputUnsafe(timeout))
      }),
    clear: Effect.sync(() => {
      entries.clear()
      const pending = [...waiters]
      waiters.clear()
      for (const [name, set] of pending) {
        for (const waiter of set) Deferred.doneUnsafe(waiter, Effect.fail(new RegistryCleared({ key: name })))
      }
    })
  })
})

type Waiters = Map<string, Set<Deferred.Deferred<unknown, RegistryCleared>>>

/** Stores `value` under `key` for the calling scope, then wakes the key's waiters. */
const provide = <A>(
  entries: Map<string, Entry>,
  waiters: Waiters,
  key: Key<A>,
  value: A,
  replace: boolean
): Effect.Effect<void, AlreadyProvided, Scope.Scope> =>
  Effect.gen(function*() {
    const name = key.name
    if (entries.has(name) && !replace) return yield* new AlreadyProvided({ key: name })
    const token = {}
    entries.set(name, { value, token })
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        if (entries.get(name)?.token === token) entries.delete(name)
      })
    )
    const pending = waiters.get(name)
    if (pending !== undefined) {
      waiters.delete(name)
      for (const waiter of pending) Deferred.doneUnsafe(waiter, Effect.succeed(value))
    }
  })

/** Waits for `name` to be provided, for at most `timeout`; the waiter goes however the wait ends. */
const wait = (waiters: Waiters, name: string, timeout: Duration.Duration): Effect.Effect<any, WaitTimeout | RegistryCleared> => {
  const waiter = Deferred.makeUnsafe<unknown, RegistryCleared>()
  const set = waiters.get(name) ?? new Set()
  set.add(waiter)
  waiters.set(name, set)
  return Deferred.await(waiter).pipe(
    Effect.timeoutOrElse({
      duration: timeout,
      orElse: () => Effect.fail(new WaitTimeout({ key: name, timeout }))
    }),
    Effect.ensuring(Effect.sync(() => {
      const current = waiters.get(name)
      current?.delete(waiter)
      if (current?.size === 0) waiters.delete(name)
    }))
  )
}

/**
 * A `Layer` providing a fresh `Registry`. When the layer's scope closes, pending
 * waiters fail with `RegistryCleared`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Registry> = Layer.effect(
  Registry,
  Effect.tap(make, (registry) => Effect.addFinalizer(() => registry.clear))
)
