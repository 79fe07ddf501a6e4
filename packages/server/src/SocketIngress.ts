/**
 * The fan-out of inbound socket events: any number of handlers per event name,
 * run one after the other in order of priority (lower first; equal priorities in
 * subscription order). A dispatch runs over the handlers present when it starts,
 * so a handler added or removed meanwhile changes the next dispatch only. A
 * failing handler is logged (when it is a server fault) and the others still run;
 * the ack is the first failure, else the last result that is not `null` or
 * `undefined`. Error handlers (`subscribeErrors`) see every failed handler and
 * every event nobody handles, ordered and isolated the same way.
 *
 * Every subscription belongs to the scope that made it and is removed when that
 * scope closes, or earlier through its `unsubscribe`. A handler closes over the
 * services it uses (resolved once, when its owner starts): its requirements are
 * `never`, and nothing is merged into its context per event.
 *
 * ```ts
 * const ingress = yield* SocketIngress.SocketIngress
 * yield* ingress.subscribe("items:add", { payload: NewItem, handle: (item) => inventory.add(item) })
 * yield* ingress.subscribeErrors({ handle: (r) => Effect.logWarning(`${r.event}: ${r.error.code}`) })
 * ```
 *
 * @since 0.1.0
 */
import type { SocketProtocol } from "@specter-runtime/protocol"
import { type Cause, Context, Data, Effect, Layer, type Schema, type Scope } from "effect"
import * as internal from "./internal/socketIngress.ts"
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
 * One handler of an event.
 *
 * - `payload`: a Schema that validates (and coerces) the raw payload first; a
 *   failure is a `"validation"` ack with per-field messages, and `handle` does not
 *   run.
 * - `priority`: lower runs first (default 100).
 * - `ordered`: run this event's frames of one session one at a time, in the order
 *   they arrived (default `false`: frames of a session are handled concurrently).
 *   One ordered handler makes the whole event ordered.
 * - `label`: names the handler in logs (default `<event>#<n>`).
 * - `handle`: its result is the ack payload unless a later handler returns one
 *   that is not `null`; an `Outcome` answers as itself (its value, or its error
 *   with the code of its status). A failure is answered through the error's own
 *   `Answer` (an `internal` ack for anything else, logged with its cause). It
 *   needs no services (it closes over those it uses) and gets no scope: wrap it
 *   in `Effect.scoped` to hold resources for one event.
 *
 * @since 0.1.0
 * @category models
 */
export interface EventHandler<P extends Schema.Decoder<unknown, never> | undefined = undefined, E = unknown> {
  readonly payload?: P
  readonly priority?: number | undefined
  readonly ordered?: boolean | undefined
  readonly label?: string | undefined
  readonly handle: (
    payload: P extends Schema.Decoder<unknown, never> ? P["Type"] : unknown,
    context: EventContext
  ) => Effect.Effect<unknown, E>
}

/**
 * What an error handler sees: the `event` and raw `payload` of the frame, its
 * `session`, the `error` the client is answered with, and for a failed handler
 * its `handler` label and the `cause` of its failure (both `undefined` for an
 * event nobody handles).
 *
 * @since 0.1.0
 * @category models
 */
export interface Rejection {
  readonly event: string
  readonly payload: unknown
  readonly session: Session
  readonly error: SocketProtocol.AckError
  readonly handler: string | undefined
  readonly cause: Cause.Cause<unknown> | undefined
}

/**
 * An error handler: `priority` and `label` as for `EventHandler`. Its result is
 * ignored; its failure is logged and the next error handler still runs.
 *
 * @since 0.1.0
 * @category models
 */
export interface ErrorHandler {
  readonly priority?: number | undefined
  readonly label?: string | undefined
  readonly handle: (rejection: Rejection) => Effect.Effect<unknown, unknown>
}

/**
 * A live subscription. `unsubscribe` removes it at once (it is also removed when
 * the scope that made it closes) and says whether it was still there.
 *
 * @since 0.1.0
 * @category models
 */
export interface Subscription {
  readonly event: string
  readonly unsubscribe: Effect.Effect<boolean>
}

/**
 * The outcome of a dispatch: nobody handles the event, or the ack payload, or the
 * error the ack carries.
 *
 * @since 0.1.0
 * @category models
 */
export type Dispatch =
  | { readonly _tag: "UnknownEvent" }
  | { readonly _tag: "Ok"; readonly payload: unknown }
  | { readonly _tag: "Failed"; readonly error: SocketProtocol.AckError }

/**
 * An event name that no client frame can carry: empty after trimming, or longer
 * than `SocketProtocol.maxNameLength` (256) characters.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidEventName extends Data.TaggedError("InvalidEventName")<{ readonly event: string }> {
  override get message() {
    const shown = this.event.length > 40 ? `${this.event.slice(0, 40)}…` : this.event
    return `an event name must have 1 to 256 characters after trimming, got ${JSON.stringify(shown)}`
  }
}

/**
 * The ingress of an application, as a `Context` service. Most applications
 * subscribe through `Handler` or a controller; subscribe directly from a service
 * that owns a socket event.
 *
 * @example
 * const ingress = yield* SocketIngress.SocketIngress
 * const subscription = yield* ingress.subscribe("cursor:move", { ordered: true, handle: (at, { session }) => track(session.sid, at) })
 * yield* subscription.unsubscribe // or let the scope close
 *
 * @since 0.1.0
 * @category services
 */
export class SocketIngress extends Context.Service<SocketIngress, {
  /**
   * Adds `handler` for `event` (trimmed) until the calling scope closes or the
   * returned `unsubscribe` runs. Subscribing the same handler twice makes two
   * subscriptions. Fails with `InvalidEventName`.
   */
  readonly subscribe: <P extends Schema.Decoder<unknown, never> | undefined = undefined, E = unknown>(
    event: string,
    handler: EventHandler<P, E>
  ) => Effect.Effect<Subscription, InvalidEventName, Scope.Scope>
  /** Adds an error handler until the calling scope closes or `unsubscribe` runs. */
  readonly subscribeErrors: (handler: ErrorHandler) => Effect.Effect<Subscription, never, Scope.Scope>
  /** Runs the handlers of `event` (see the module comment) and the error handlers it calls for. Never fails. */
  readonly dispatch: (event: string, payload: unknown, context: EventContext) => Effect.Effect<Dispatch>
  /** Whether a handler of `event` asked for `ordered`. */
  readonly isOrdered: (event: string) => boolean
  /** The events that have handlers. */
  readonly events: () => ReadonlyArray<string>
  /** Handlers of `event`, or of all events. */
  readonly count: (event?: string) => number
}>()("@specter-runtime/server/SocketIngress") {}

/**
 * Builds an empty ingress in the calling scope; when the scope closes every
 * subscription goes, and a later dispatch finds no handler.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<SocketIngress["Service"], never, Scope.Scope> = Effect.map(internal.make, (ingress) =>
  SocketIngress.of({
    ...ingress,
    subscribe: (event, handler) => {
      const name = event.trim()
      return internal.isName(name) ? ingress.subscribe(name, handler) : Effect.fail(new InvalidEventName({ event }))
    }
  }))

/**
 * A `Layer` providing a fresh `SocketIngress`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<SocketIngress> = Layer.effect(SocketIngress, make)
