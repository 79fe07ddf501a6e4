/**
 * The fan-out for inbound socket events: any number of handlers per event name,
 * run in order of priority (lower first, then subscription order), each with its
 * own optional payload Schema. A failing handler does not stop the others. The
 * ack of an event is the last non-null result, or the first failure.
 *
 * Every subscription belongs to the scope that made it (a controller's, a
 * service's) and is removed when that scope closes. Original: `SocketIngress`
 * (`subscribe`, `dispatch`, priorities, snapshot dispatch, owner cleanup) and the
 * `Handler` class, whose setup/teardown is the scope here.
 *
 * @since 0.1.0
 */
import { Field, Outcome } from "@specter/core"
import { Context, Effect, Exit, Layer, type Schema, type Scope } from "effect"
import { type Failure, fromOutcome, recover } from "./internal/failure.ts"
import type { Session } from "./SocketSession.ts"

/**
 * What a handler receives besides the payload: the session that sent the event.
 *
 * @since 0.1.0
 * @category models
 */
export interface EventContext {
  readonly session: Session
}

/**
 * One handler of an event. `payload` validates (and coerces) the raw payload;
 * `priority` orders handlers (default 100, lower runs first); the result of
 * `handle` is the ack payload unless a later handler returns a non-null one.
 *
 * @since 0.1.0
 * @category models
 */
export interface Handler<P extends Schema.Top | undefined, E, R> {
  readonly payload?: P
  readonly priority?: number | undefined
  readonly label?: string | undefined
  readonly handle: (payload: P extends Schema.Top ? P["Type"] : unknown, context: EventContext) => Effect.Effect<unknown, E, R>
}

/**
 * The outcome of a dispatch: no handler for the event, or handled with an ack
 * payload, or handled with a failure (`Failure.code`, message and fields).
 *
 * @since 0.1.0
 * @category models
 */
export type Dispatch =
  | { readonly _tag: "UnknownEvent" }
  | { readonly _tag: "Ok"; readonly payload: unknown }
  | { readonly _tag: "Failed"; readonly failure: Failure }

/**
 * @since 0.1.0
 * @category services
 */
export interface Service {
  /**
   * Adds `handler` for `event` until the calling scope closes. `event` is trimmed
   * and must not be empty (an empty name is a defect). The handler runs with the
   * services of the subscriber's context.
   */
  readonly subscribe: <P extends Schema.Top | undefined, E, R>(
    event: string,
    handler: Handler<P, E, R>
  ) => Effect.Effect<void, never, Scope.Scope | R>
  /**
   * Runs the handlers of `event` over the handlers present when it starts (a
   * handler added or removed meanwhile does not change this dispatch).
   */
  readonly dispatch: (event: string, payload: unknown, context: EventContext) => Effect.Effect<Dispatch>
  /** The events that have handlers. */
  readonly events: () => ReadonlyArray<string>
  /** Handlers of `event`, or of all events. */
  readonly count: (event?: string) => number
}

/**
 * @since 0.1.0
 * @category services
 */
export class SocketIngress extends Context.Service<SocketIngress, Service>()("@specter/server/SocketIngress") {}

interface Entry {
  readonly order: number
  readonly priority: number
  readonly label: string
  readonly run: (payload: unknown, context: EventContext) => Effect.Effect<unknown, unknown>
}

/**
 * Builds an empty ingress.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<Service> = Effect.sync(() => {
  const table = new Map<string, ReadonlyArray<Entry>>()
  let order = 0

  const subscribe: Service["subscribe"] = (event, handler) =>
    Effect.gen(function*() {
      const name = event.trim()
      if (name.length === 0) return yield* Effect.die(new TypeError("[specter:socket] an event name must be a non-empty string"))
      const services = yield* Effect.context<never>()
      const schema = handler.payload
      const entry: Entry = {
        order: ++order,
        priority: handler.priority ?? 100,
        label: handler.label ?? `${name}#${order}`,
        // The subscriber's services, under the dispatching fiber's own, with a scope
        // per run: what a handler acquires is released when it returns.
        run: (payload, context) =>
          Effect.scoped(Effect.updateContext(
            schema === undefined
              ? handler.handle(payload as never, context)
              : Effect.flatMap(Field.validate(schema, payload), (decoded) => handler.handle(decoded as never, context)),
            (own: Context.Context<any>) => Context.merge(services, own)
          )) as Effect.Effect<unknown, unknown>
      }
      const next = [...(table.get(name) ?? []), entry].sort((a, b) => a.priority - b.priority || a.order - b.order)
      table.set(name, next)
      yield* Effect.addFinalizer(() =>
        Effect.sync(() => {
          const remaining = (table.get(name) ?? []).filter((e) => e !== entry)
          if (remaining.length === 0) table.delete(name)
          else table.set(name, remaining)
        })
      )
    })

  const dispatch: Service["dispatch"] = (event, payload, context) =>
    Effect.suspend(() => {
      const handlers = table.get(event)
      if (handlers === undefined) return Effect.succeed<Dispatch>({ _tag: "UnknownEvent" })
      let result: unknown = null
      let failure: Failure | undefined
      return Effect.andThen(
        Effect.forEach(handlers, (entry) =>
          Effect.flatMap(Effect.exit(entry.run(payload, context)), (exit) => {
            if (Exit.isSuccess(exit)) {
              if (exit.value !== null && exit.value !== undefined) result = exit.value
              return Effect.void
            }
            return Effect.map(recover(exit.cause, `socket handler '${entry.label}' of '${event}'`), (classified) => {
              failure ??= classified
            })
          }), { discard: true }),
        Effect.sync((): Dispatch => {
          if (failure !== undefined) return { _tag: "Failed", failure }
          // An Outcome answers as itself: its value, or its error with the code of its status.
          if (Outcome.isOutcome(result)) {
            return result.ok
              ? { _tag: "Ok", payload: result.value }
              : { _tag: "Failed", failure: fromOutcome(result) }
          }
          return { _tag: "Ok", payload: result }
        })
      )
    })

  return {
    subscribe,
    dispatch,
    events: () => [...table.keys()],
    count: (event) => {
      if (event !== undefined) return table.get(event)?.length ?? 0
      let total = 0
      for (const entries of table.values()) total += entries.length
      return total
    }
  }
})

/**
 * A `Layer` providing a fresh `SocketIngress`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<SocketIngress> = Layer.effect(SocketIngress, make)
