/**
 * The server's side of a declared socket API (`SocketApi.make`, from
 * `@specter-runtime/protocol`, re-exported here): event handlers, actions and
 * pushes checked against the declaration by the type checker.
 *
 * - `handlers(Api, {...})`: the handlers of some of the API's events, each given
 *   the decoded payload and answering the ack's type; the result is what
 *   `Handler.layer` and a controller's `events` take.
 * - `actions(Api, "items", {...})`: the handlers of the API's `"items/<action>"`
 *   actions; the result is what a controller's `actions` takes.
 * - `publisher(Api)`: `publish`, `push` and `broadcast` that take only the API's
 *   pushes, with their payload types.
 *
 * Acks, results and pushes are encoded with their Schema before they are sent, so
 * the client receives the Schema's `Encoded` form (`SocketApi.Wire`). A value the
 * Schema refuses is a server fault: the emit answers `internal` and the cause is
 * logged. The declared types hold for the client as long as the API's handlers
 * are the only ones of its events (the ack is the last result that is not `null`
 * of every handler of an event).
 *
 * ```ts
 * const Items = Controller.make("items", Effect.gen(function*() {
 *   const inventory = yield* Inventory
 *   const pushes = yield* SocketApi.publisher(Api)
 *   yield* inventory.added.listen((item) => pushes.publish("items", "items:added", item))
 *   return {
 *     events: SocketApi.handlers(Api, { "items:add": (item) => inventory.add(item) }),
 *     actions: SocketApi.actions(Api, "items", { rename: ({ id, name }) => inventory.rename(id, name) })
 *   }
 * }))
 * ```
 *
 * @since 0.1.0
 */
import { SocketApi as Protocol } from "@specter-runtime/protocol"
import type { Effect } from "effect"
import type { ActionContext, Definition } from "./Controller.ts"
import type { Events } from "./Handler.ts"
import * as internal from "./internal/socketApi.ts"
import type { EventContext } from "./SocketIngress.ts"
import type { SocketServer } from "./SocketServer.ts"

/**
 * Declares a socket API; see `@specter-runtime/protocol`'s `SocketApi.make`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = Protocol.make

/**
 * A declared socket API.
 *
 * @since 0.1.0
 * @category models
 */
export type SocketApi<E extends Protocol.Events = Protocol.Events, P extends Protocol.Pushes = Protocol.Pushes, A extends Protocol.Actions = Protocol.Actions> =
  Protocol.SocketApi<E, P, A>

/**
 * Any socket API, for constraints.
 *
 * @since 0.1.0
 * @category models
 */
export type Any = Protocol.Any

/**
 * A Schema the socket API can use (no services to decode or encode).
 *
 * @since 0.1.0
 * @category models
 */
export type Codec = Protocol.Codec

/**
 * Returns `true` for a value built by `make`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isSocketApi = Protocol.isSocketApi

/**
 * The API as the client sees it, every payload in its JSON form; see
 * `@specter-runtime/protocol`'s `SocketApi.Wire`.
 *
 * @since 0.1.0
 * @category type-level
 */
export type Wire<Api extends Any> = Protocol.Wire<Api>

/**
 * The names of `Api`'s events.
 *
 * @since 0.1.0
 * @category type-level
 */
export type EventName<Api extends Any> = Protocol.EventName<Api>

/**
 * The names of `Api`'s pushes.
 *
 * @since 0.1.0
 * @category type-level
 */
export type PushName<Api extends Any> = Protocol.PushName<Api>

/**
 * The names of `Api`'s actions, `"<controller>/<action>"`.
 *
 * @since 0.1.0
 * @category type-level
 */
export type ActionName<Api extends Any> = Protocol.ActionName<Api>

/**
 * The decoded payload a handler of event `E` receives (`void` when the event
 * declares none).
 *
 * @since 0.1.0
 * @category type-level
 */
export type EventPayload<Api extends Any, E extends EventName<Api>> = Protocol.EventPayload<Api, E>

/**
 * What a handler of event `E` answers, before encoding (`void` without an ack Schema).
 *
 * @since 0.1.0
 * @category type-level
 */
export type EventAck<Api extends Any, E extends EventName<Api>> = Protocol.EventAck<Api, E>

/**
 * What the server pushes as `P`, before encoding.
 *
 * @since 0.1.0
 * @category type-level
 */
export type PushPayload<Api extends Any, P extends PushName<Api>> = Protocol.PushPayload<Api, P>

/**
 * The decoded payload action `A` receives (`void` when it declares none).
 *
 * @since 0.1.0
 * @category type-level
 */
export type ActionPayload<Api extends Any, A extends ActionName<Api>> = Protocol.ActionPayload<Api, A>

/**
 * What action `A` answers, before encoding (`void` without a result Schema).
 *
 * @since 0.1.0
 * @category type-level
 */
export type ActionResult<Api extends Any, A extends ActionName<Api>> = Protocol.ActionResult<Api, A>

/**
 * The handling of event `E` of `Api`: the decoded payload in, the ack's type out.
 * It needs no service (it closes over those it uses); any failure is answered
 * through the one failure mapping, as for every socket handler.
 *
 * @since 0.1.0
 * @category models
 */
export type EventHandle<Api extends Any, E extends Protocol.EventName<Api>> = (
  payload: Protocol.EventPayload<Api, E>,
  context: EventContext
) => Effect.Effect<Protocol.EventAck<Api, E>, unknown>

/**
 * A handler of event `E`: its `handle` alone, or with the options of
 * `SocketIngress.EventHandler` (`priority`, `ordered`, `label`).
 *
 * @since 0.1.0
 * @category models
 */
export type EventHandler<Api extends Any, E extends Protocol.EventName<Api>> =
  | EventHandle<Api, E>
  | {
    readonly handle: EventHandle<Api, E>
    readonly priority?: number | undefined
    readonly ordered?: boolean | undefined
    readonly label?: string | undefined
  }

/**
 * Handlers of some of `Api`'s events, by event name; a name the API does not
 * declare is a type error.
 *
 * @since 0.1.0
 * @category models
 */
export type Handlers<Api extends Any> = { readonly [E in Protocol.EventName<Api>]?: EventHandler<Api, E> }

/**
 * The handling of action `A` of `Api`: the decoded payload and the caller
 * (`session` over the socket, `undefined` over HTTP) in, the result's type out.
 *
 * @since 0.1.0
 * @category models
 */
export type ActionHandle<Api extends Any, A extends Protocol.ActionName<Api>> = (
  payload: Protocol.ActionPayload<Api, A>,
  context: ActionContext
) => Effect.Effect<Protocol.ActionResult<Api, A>, unknown>

/**
 * Handlers of some of the actions `"<C>/<action>"` of `Api`, by action name
 * (without the `"<C>/"`); a name the API does not declare is a type error.
 *
 * @since 0.1.0
 * @category models
 */
export type ActionHandlers<Api extends Any, C extends string> = {
  readonly [A in Protocol.ActionName<Api> as A extends `${C}/${infer Name}` ? Name : never]?: ActionHandle<Api, A>
}

/**
 * Pushes of `Api`, each checked against its Schema's type and encoded with it.
 * Like `SocketServer`'s: `publish` to the sessions that joined `topic` and
 * `broadcast` to all return how many sessions it went to; `push` to session
 * `sid` returns `false` when there is no such session. A payload the Schema
 * refuses is a defect.
 *
 * @since 0.1.0
 * @category models
 */
export interface Publisher<Api extends Any> {
  readonly publish: <P extends Protocol.PushName<Api>>(topic: string, push: P, payload: Protocol.PushPayload<Api, P>) => Effect.Effect<number>
  readonly push: <P extends Protocol.PushName<Api>>(sid: string, push: P, payload: Protocol.PushPayload<Api, P>) => Effect.Effect<boolean>
  readonly broadcast: <P extends Protocol.PushName<Api>>(push: P, payload: Protocol.PushPayload<Api, P>) => Effect.Effect<number>
}

/**
 * The socket event handlers of `Api` given in `handlers`, for `Handler.layer`,
 * `Handler.make` or a controller's `events`: each validates its payload with the
 * event's payload Schema (a failure is a `"validation"` ack and the handler does
 * not run) and encodes its answer with the ack Schema. Throws a `TypeError` for
 * a name `Api` does not declare (only reachable without the type checker).
 *
 * @example
 * events: SocketApi.handlers(Api, {
 *   "items:add": (item) => inventory.add(item),
 *   "items:clear": { ordered: true, handle: () => inventory.clear }
 * })
 *
 * @since 0.1.0
 * @category constructors
 */
export const handlers = <Api extends Any>(api: Api, handlers: Handlers<Api>): Events => internal.handlers(api, handlers)

/**
 * The actions of controller `controller` declared by `Api` (`"<controller>/<name>"`)
 * given in `handlers`, for the controller's `actions`: each validates its payload
 * with the action's payload Schema and encodes its result with the result Schema,
 * over the socket and over HTTP alike. Throws a `TypeError` for an action `Api`
 * does not declare (only reachable without the type checker).
 *
 * @example
 * actions: SocketApi.actions(Api, "items", { rename: ({ id, name }) => inventory.rename(id, name) })
 *
 * @since 0.1.0
 * @category constructors
 */
export const actions = <Api extends Any, const C extends string>(
  api: Api,
  controller: C,
  handlers: ActionHandlers<Api, C>
): NonNullable<Definition["actions"]> => internal.actions(api, controller, handlers)

/**
 * The `Publisher` of `Api` on the application's socket server; resolve it once,
 * where the services a controller or service uses are resolved.
 *
 * @example
 * const pushes = yield* SocketApi.publisher(Api)
 * yield* pushes.publish("items", "items:added", item)
 *
 * @since 0.1.0
 * @category constructors
 */
export const publisher = <Api extends Any>(api: Api): Effect.Effect<Publisher<Api>, never, SocketServer> =>
  internal.publisher(api) as Effect.Effect<Publisher<Api>, never, SocketServer>
