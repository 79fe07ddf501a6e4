/**
 * The engine shared by Store and Model: an immutable state in a `SubscriptionRef`,
 * with atomic commits, optional change events on the bus, optional persistence,
 * subscriptions in the caller's scope, and `destroy`.
 *
 * A commit applies a pure transition to the current state inside the ref's
 * permit. A transition that returns the current state itself changes nothing: no
 * publish, no event, no write. A transition may also refuse (`Reject`), which
 * fails the commit and leaves the state as it was. The change event is emitted in
 * the same step that publishes the new state to `changes`, so the bus sees
 * exactly the sequence that subscribers see, in the same order.
 *
 * `destroy` starts a new generation: subscriptions of the old one see nothing
 * more (not even the reset) and end.
 *
 * @internal
 */
import { Cause, Deferred, Effect, Option, type Scope, Stream, SubscriptionRef } from "effect"
import type { KeyValueStore } from "effect/persistence"
import * as Bus from "../Bus.ts"
import type { InvalidState, PersistenceError, PersistOptions, StoredStateInvalid } from "../Persistence.ts"
import { type Freezer, freezer, isPlainObject, typeName } from "./immutable.ts"
import { type Ack, open, type Persisted } from "./persisted.ts"
import { forEachScoped } from "./listen.ts"

/** A transition's refusal: the commit fails with `error`. */
export class Reject<E> {
  readonly error: E
  constructor(error: E) {
    this.error = error
  }
}

/** A committed state that is durable once `ack` completes. */
class Pending<S> {
  readonly state: S
  readonly ack: Ack
  constructor(state: S, ack: Ack) {
    this.state = state
    this.ack = ack
  }
}

export interface Events<S> {
  readonly bus: Bus.Bus["Service"]
  readonly event: Bus.Event<S>
}

const NONE: unique symbol = Symbol("none")

export class Cell<S> {
  readonly kind: "store" | "model"
  readonly owner: string
  /** The state made with; `destroy` goes back to a copy of it. */
  readonly initial: S
  readonly ref: SubscriptionRef.SubscriptionRef<S>
  readonly events: Events<S> | undefined
  readonly persisted: Persisted<S> | undefined
  /** How this state's values are made immutable (see `Store.FreezeStates`). */
  readonly freezer: Freezer
  /** Bumped by `destroy`; subscriptions only deliver within their generation. */
  generation = 0
  /** Completed when the current generation ends (destroy or scope close). */
  ended: Deferred.Deferred<void> = Deferred.makeUnsafe()

  constructor(
    kind: "store" | "model",
    owner: string,
    initial: S,
    ref: SubscriptionRef.SubscriptionRef<S>,
    events: Events<S> | undefined,
    persisted: Persisted<S> | undefined,
    freezer: Freezer
  ) {
    this.kind = kind
    this.owner = owner
    this.initial = initial
    this.ref = ref
    this.events = events
    this.persisted = persisted
    this.freezer = freezer
  }

  get current(): S {
    return this.ref.value
  }

  /** Throws the `TypeError` of `operation` on a value that is not a plain object (see `requirePlainObject`). */
  require(operation: string, value: unknown): void {
    requirePlainObject(this.kind, this.owner, operation, value)
  }

  /**
   * Applies `transition` atomically and returns the resulting state. For a
   * persisted state, completes once that state is durable.
   */
  commit<E = never>(transition: (current: S) => S | Reject<E>, silent = false): Effect.Effect<S, E | PersistenceError | InvalidState> {
    const events = silent ? undefined : this.events
    const persisted = this.persisted
    // The outcome travels in the result of `modifySome`, so the effect holds no state of its own.
    const apply = (current: S): readonly [S | Reject<E | InvalidState> | Pending<S>, Option.Option<S>] => {
      const next = transition(current)
      if (next instanceof Reject || next === current) return [next, Option.none()]
      let outcome: S | Pending<S> = next
      if (persisted !== undefined) {
        const encoded = persisted.encode(next, current)
        if (encoded._tag === "Failure") return [new Reject(encoded.failure), Option.none()]
        outcome = new Pending(next, persisted.record(encoded.success))
      }
      if (events !== undefined) events.bus.emitUnsafe(events.event, next)
      return [outcome, Option.some(next)]
    }
    return Effect.flatMap(SubscriptionRef.modifySome(this.ref, apply), this.settle as (outcome: unknown) => Effect.Effect<S, E>)
  }

  private readonly settle = (outcome: S | Reject<unknown> | Pending<S>): Effect.Effect<S, unknown> => {
    if (outcome instanceof Reject) return Effect.fail(outcome.error)
    if (outcome instanceof Pending) return Effect.as(this.persisted!.acknowledge(outcome.ack), outcome.state)
    return Effect.succeed(outcome)
  }

  /** The current state, then every change, until the generation ends. */
  get changes(): Stream.Stream<S> {
    return Stream.suspend(() => {
      const generation = this.generation
      return Stream.takeWhile(SubscriptionRef.changes(this.ref), () => this.generation === generation)
    })
  }

  /**
   * Runs `handler` with `select(state)` after every change that changes it
   * (by `equals`, when given), in the caller's scope, until the caller's scope
   * closes or the generation ends. A selector that throws is logged and the
   * subscription goes on; so is a failing handler.
   */
  listen<A, X, R>(
    select: ((state: S) => A) | undefined,
    equals: ((a: A, b: A) => boolean) | undefined,
    handler: (value: A) => Effect.Effect<void, X, R>,
    immediate: boolean
  ): Effect.Effect<void, never, Scope.Scope | R> {
    return Effect.suspend(() => {
      const generation = this.generation
      let last: A | typeof NONE = NONE
      let first = true
      const owner = this.owner
      return forEachScoped(
        SubscriptionRef.changes(this.ref),
        owner,
        (state: S): Effect.Effect<void, X, R> => {
          if (this.generation !== generation) return Effect.void
          let value: A
          try {
            value = select === undefined ? (state as unknown as A) : select(state)
          } catch (error) {
            first = false
            last = NONE
            return Effect.logWarning(`${owner}: selector failed`, Cause.die(error))
          }
          const previous = last
          last = value
          if (first) {
            first = false
            return immediate ? handler(value) : Effect.void
          }
          if (equals !== undefined && previous !== NONE && equals(previous, value)) return Effect.void
          return handler(value)
        },
        Deferred.await(this.ended)
      )
    })
  }

  /** Starts a new generation; returns the effect that ends the subscriptions of the old one. */
  private nextGeneration(): Effect.Effect<void> {
    const ended = this.ended
    this.generation++
    this.ended = Deferred.makeUnsafe()
    return Deferred.succeed(ended, undefined)
  }

  /**
   * Ends every subscription and stream (the state's scope is closing): the current
   * state is published once more, which the old generation's streams end on.
   */
  close(): Effect.Effect<void> {
    return Effect.suspend(() => {
      const endOld = this.nextGeneration()
      return Effect.ensuring(SubscriptionRef.set(this.ref, this.ref.value), endOld)
    })
  }

  /**
   * Ends the current subscriptions and streams without notifying them, and commits
   * `reset(current)` (default: a copy of the initial state; a new object, so it is
   * always published; without a change event).
   * Streams end on the reset itself, after delivering every earlier state.
   */
  destroy(reset?: (current: S) => S): Effect.Effect<void, PersistenceError | InvalidState> {
    return Effect.suspend(() => {
      const endOld = this.nextGeneration()
      // A new object, so that the reset is always published.
      const next = reset ?? (() => this.freezer.seal({ ...this.initial as object }) as S)
      return Effect.ensuring(Effect.asVoid(this.commit(next, true)), endOld)
    })
  }
}

/** The options Store and Model are made with. */
export interface CellOptions<S> {
  readonly events?: boolean | Bus.Event<S> | undefined
  readonly persist?: PersistOptions<S> | undefined
}

/**
 * Throws the `TypeError` for a state that is not a plain object: a defect, since
 * the types already forbid it (only untyped callers get here).
 */
export const requirePlainObject = (kind: "store" | "model", owner: string, operation: string, value: unknown): void => {
  if (!isPlainObject(value)) {
    throw new TypeError(`[specter:${kind}] ${operation} on ${owner} requires a plain object, got ${typeName(value)}`)
  }
}

/**
 * The cell of a Store or Model named `name`: `initial` frozen in place, the stored
 * state instead when persisted, the change event (`<name>:changed` or the given
 * name) wired when asked for, and closed (pending writes flushed) with the scope.
 */
export const makeCell = <S extends object>(
  kind: "store" | "model",
  name: string,
  initial: S,
  options: CellOptions<S> | undefined,
  keyed = false
): Effect.Effect<
  { readonly cell: Cell<S>; readonly changed: Bus.Event<S>; readonly owner: string },
  PersistenceError | StoredStateInvalid,
  Scope.Scope | KeyValueStore.KeyValueStore | Bus.Bus
> =>
  Effect.gen(function*() {
    const owner = `${kind} '${name}'`
    requirePlainObject(kind, owner, "make()", initial)
    const changed = typeof options?.events === "object" ? options.events : Bus.event<S>(`${name}:changed`)
    const events = options?.events ? { bus: yield* Bus.Bus, event: changed } : undefined
    const chosen = yield* freezer
    const first = chosen.freeze(initial)
    let start = first
    let persisted: Persisted<S> | undefined
    if (options?.persist !== undefined) {
      const opened = yield* open(owner, name, start, options.persist, chosen, keyed)
      persisted = opened.persisted
      start = opened.state
    }
    const cell = new Cell<S>(kind, owner, first, yield* SubscriptionRef.make(start), events, persisted, chosen)
    yield* Effect.addFinalizer(() => cell.close())
    return { cell, changed, owner }
  })
