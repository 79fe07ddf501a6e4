/**
 * Late binding between services. Static wiring is the Effect `Context`: a service
 * that needs another declares it, and a missing Layer is a type error. The Registry
 * is for what is only known at run time: a value one service provides while it runs
 * and another looks up, or waits for with a bounded wait.
 *
 * Every registration belongs to the scope that made it and is removed when that
 * scope closes, but only if it is still that scope's registration (a replacement by
 * someone else survives). Original: the process-wide `registry` (`provide`,
 * `resolve`, `require`, `has`, `list`, `wait_for`, `clear`).
 *
 * @since 0.1.0
 */
import { Context, Data, Deferred, Duration, Effect, Layer, Option, type Scope } from "effect"

const KeyTypeId = "~@specter/core/Registry/Key" as const

/**
 * A registry key for values of type `A`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Key<A> {
  readonly [KeyTypeId]: { readonly _A: (_: never) => A }
  readonly name: string
}

/**
 * Declares a key. `name` is trimmed and must not be empty; an empty name is a
 * defect (a programming error found at definition time).
 *
 * @since 0.1.0
 * @category constructors
 */
export const key = <A>(name: string): Key<A> => {
  const trimmed = name.trim()
  if (trimmed.length === 0) throw new TypeError("[specter:registry] a key must be a non-empty string")
  return { [KeyTypeId]: { _A: (_: never) => _ }, name: trimmed }
}

/**
 * A key, or its name (values `unknown`).
 *
 * @since 0.1.0
 * @category models
 */
export type KeyRef<A> = Key<A> | string

/** The value type of a `KeyRef`. */
export type ValueOf<K> = K extends Key<infer A> ? A : unknown

const nameOf = (ref: KeyRef<any>): string => (typeof ref === "string" ? key(ref).name : ref.name)

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
 * The registry was cleared while a `waitFor` was pending.
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
 * @since 0.1.0
 * @category services
 */
export interface Service {
  /**
   * Provides `value` under `key` until the calling scope closes. Fails with
   * `AlreadyProvided` if the key is taken, unless `replace`. Wakes every waiter.
   * Any value counts as provided, `null` and `undefined` included.
   */
  readonly provide: <K extends KeyRef<any>>(
    key: K,
    value: ValueOf<K>,
    options?: { readonly replace?: boolean | undefined }
  ) => Effect.Effect<void, AlreadyProvided, Scope.Scope>
  /** The value under `key`, if provided. */
  readonly resolve: <K extends KeyRef<any>>(key: K) => Effect.Effect<Option.Option<ValueOf<K>>>
  /** The value under `key`, or `NotProvided`. */
  readonly require: <K extends KeyRef<any>>(key: K) => Effect.Effect<ValueOf<K>, NotProvided>
  readonly has: (key: KeyRef<any>) => Effect.Effect<boolean>
  /** The provided keys, in the order they were first provided. */
  readonly list: Effect.Effect<ReadonlyArray<string>>
  /**
   * The value under `key`, waiting for a provider for at most `timeout` (there is
   * no unbounded wait). Fails with `WaitTimeout`, or `RegistryCleared`. An
   * interrupted wait leaves nothing behind.
   */
  readonly waitFor: <K extends KeyRef<any>>(
    key: K,
    timeout: Duration.Input
  ) => Effect.Effect<ValueOf<K>, WaitTimeout | RegistryCleared>
  /** Removes every registration and fails every pending `waitFor` with `RegistryCleared`. */
  readonly clear: Effect.Effect<void>
}

/**
 * @since 0.1.0
 * @category services
 */
export class Registry extends Context.Service<Registry, Service>()("@specter/core/Registry") {}

interface Entry {
  readonly value: unknown
  readonly token: object
}

/**
 * Builds an empty registry.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<Service> = Effect.sync(() => {
  const entries = new Map<string, Entry>()
  const waiters = new Map<string, Set<Deferred.Deferred<unknown, RegistryCleared>>>()

  const provide: Service["provide"] = (ref, value, options) =>
    Effect.gen(function*() {
      const name = nameOf(ref)
      if (entries.has(name) && options?.replace !== true) return yield* new AlreadyProvided({ key: name })
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

  const lookup = (ref: KeyRef<any>): Option.Option<any> => {
    const entry = entries.get(nameOf(ref))
    return entry === undefined ? Option.none() : Option.some(entry.value)
  }

  const waitFor: Service["waitFor"] = (ref, timeout) =>
    Effect.suspend(() => {
      const found = lookup(ref)
      if (Option.isSome(found)) return Effect.succeed(found.value)
      const name = nameOf(ref)
      const waiter = Deferred.makeUnsafe<unknown, RegistryCleared>()
      const set = waiters.get(name) ?? new Set()
      set.add(waiter)
      waiters.set(name, set)
      const duration = Duration.fromInputUnsafe(timeout)
      return Deferred.await(waiter).pipe(
        Effect.timeoutOrElse({
          duration,
          orElse: () => Effect.fail(new WaitTimeout({ key: name, timeout: duration }))
        }),
        Effect.ensuring(Effect.sync(() => {
          const current = waiters.get(name)
          current?.delete(waiter)
          if (current?.size === 0) waiters.delete(name)
        }))
      )
    })

  return {
    provide,
    resolve: (ref) => Effect.sync(() => lookup(ref)),
    require: (ref) =>
      Effect.suspend(() => {
        const found = lookup(ref)
        return Option.isSome(found)
          ? Effect.succeed(found.value)
          : Effect.fail(new NotProvided({ key: nameOf(ref), available: [...entries.keys()] }))
      }),
    has: (ref) => Effect.sync(() => entries.has(nameOf(ref))),
    list: Effect.sync(() => [...entries.keys()]),
    waitFor,
    clear: Effect.sync(() => {
      entries.clear()
      const pending = [...waiters]
      waiters.clear()
      for (const [name, set] of pending) {
        for (const waiter of set) Deferred.doneUnsafe(waiter, Effect.fail(new RegistryCleared({ key: name })))
      }
    })
  }
})

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
