/**
 * One declaration of an application's socket API: the events a client emits
 * (each with the Schema of its payload and of its ack), the pushes the server
 * sends (each with the Schema of its payload), and the controller actions a
 * client calls (each with the Schema of its payload and of its result). The
 * server checks its handlers and its pushes against it
 * (`@specter-runtime/server`'s `SocketApi.handlers`, `SocketApi.actions`,
 * `SocketApi.publisher`); the client takes it as a type parameter
 * (`connect<typeof Api>(url)`) through a type-only import, so none of it reaches
 * the client's bundle.
 *
 * Two readings of one Schema: the server works with a Schema's `Type` (it
 * decodes payloads and encodes acks, results and pushes with it); the client
 * sends and receives its `Encoded` form, the JSON on the wire (`Wire`). For a
 * `Field.struct` both are the same plain object.
 *
 * ```ts
 * // api.ts, imported by the server, and by the client with `import type`
 * export const Api = SocketApi.make({
 *   events: { "items:add": { payload: NewItem, ack: Item } },
 *   pushes: { "items:changed": Items },
 *   actions: { "items/rename": { payload: Rename, result: Item } }
 * })
 * ```
 *
 * @since 0.1.0
 */
import type { Schema } from "effect"
import * as internal from "./internal/socketApi.ts"

/**
 * A Schema the socket API can use: any Effect Schema that needs no service to
 * decode or encode (a `Field.struct`, `Schema.Struct`, `Schema.String` …).
 *
 * @since 0.1.0
 * @category models
 */
export type Codec = Schema.Codec<any, any, never, never>

/**
 * A client event: `payload` validates (and coerces) what the client emits,
 * `ack` encodes what the server answers. Without `payload` the event takes none
 * (its handlers get `undefined`, nothing is validated); without `ack` it answers
 * `null` (typed `void`).
 *
 * @since 0.1.0
 * @category models
 */
export interface EventSpec {
  readonly payload?: Codec
  readonly ack?: Codec
}

/**
 * A controller action `"<controller>/<action>"`: `payload` validates its input
 * (over the socket and over `POST /actions/<controller>/<action>`), `result`
 * encodes its answer. Both optional, as for `EventSpec`.
 *
 * @since 0.1.0
 * @category models
 */
export interface ActionSpec {
  readonly payload?: Codec
  readonly result?: Codec
}

/**
 * Events by name.
 *
 * @since 0.1.0
 * @category models
 */
export type Events = { readonly [event: string]: EventSpec }

/**
 * Push payload Schemas by push name.
 *
 * @since 0.1.0
 * @category models
 */
export type Pushes = { readonly [push: string]: Codec }

/**
 * Actions by `"<controller>/<action>"` name.
 *
 * @since 0.1.0
 * @category models
 */
export type Actions = { readonly [action: `${string}/${string}`]: ActionSpec }

/**
 * A declared socket API. Its three maps are the ones given to `make` (absent ones
 * are empty).
 *
 * @since 0.1.0
 * @category models
 */
export interface SocketApi<out E extends Events = Events, out P extends Pushes = Pushes, out A extends Actions = Actions> {
  readonly [internal.TypeId]: typeof internal.TypeId
  readonly events: E
  readonly pushes: P
  readonly actions: A
}

/**
 * Any socket API, for constraints: `<Api extends SocketApi.Any>`.
 *
 * @since 0.1.0
 * @category models
 */
export type Any = SocketApi<Events, Pushes, Actions>

/**
 * What `make` takes.
 *
 * @since 0.1.0
 * @category models
 */
export interface Definition<E extends Events, P extends Pushes, A extends Actions> {
  readonly events?: E
  readonly pushes?: P
  readonly actions?: A
}

/**
 * Declares a socket API. Checks the declaration once, throwing a `TypeError`
 * that names the culprit for: an event or push name that is empty, has spaces
 * at either end or is longer than 256 characters; an action name that is not
 * `"<controller>/<action>"`; an event that has the name of an action (both are
 * socket events on the wire); a value that is not an Effect Schema where one is
 * expected.
 *
 * @example
 * const Api = SocketApi.make({
 *   events: { "items:add": { payload: NewItem, ack: Item }, "items:clear": {} },
 *   pushes: { "items:changed": Schema.Struct({ items: Schema.Array(Item) }) }
 * })
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <E extends Events = {}, P extends Pushes = {}, A extends Actions = {}>(
  definition: Definition<E, P, A>
): SocketApi<E, P, A> => internal.make(definition) as SocketApi<E, P, A>

/**
 * Returns `true` for a value built by `make`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isSocketApi = (u: unknown): u is Any => internal.isSocketApi(u)

/** The `Type` of an optional Schema, `void` when it is absent. */
type TypeOf<S> = S extends Codec ? S["Type"] : void

/** The `Encoded` form of an optional Schema, `void` when it is absent. */
type EncodedOf<S> = S extends Codec ? S["Encoded"] : void

/** The payload Schema of a spec, `undefined` when it declares none. */
type PayloadSchema<S> = S extends { readonly payload: infer P } ? P : undefined

/**
 * The names of `Api`'s events.
 *
 * @since 0.1.0
 * @category type-level
 */
export type EventName<Api extends Any> = keyof Api["events"] & string

/**
 * The names of `Api`'s pushes.
 *
 * @since 0.1.0
 * @category type-level
 */
export type PushName<Api extends Any> = keyof Api["pushes"] & string

/**
 * The names of `Api`'s actions.
 *
 * @since 0.1.0
 * @category type-level
 */
export type ActionName<Api extends Any> = keyof Api["actions"] & string

/**
 * What a handler of event `E` receives: the payload Schema's `Type` (`void`
 * when the event declares no payload).
 *
 * @since 0.1.0
 * @category type-level
 */
export type EventPayload<Api extends Any, E extends EventName<Api>> = TypeOf<PayloadSchema<Api["events"][E]>>

/**
 * What a handler of event `E` answers: the ack Schema's `Type` (`void` when the
 * event declares no ack).
 *
 * @since 0.1.0
 * @category type-level
 */
export type EventAck<Api extends Any, E extends EventName<Api>> = Api["events"][E] extends { readonly ack: infer A } ? TypeOf<A> : void

/**
 * What the server pushes as `P`: the push Schema's `Type`.
 *
 * @since 0.1.0
 * @category type-level
 */
export type PushPayload<Api extends Any, P extends PushName<Api>> = Api["pushes"][P]["Type"]

/**
 * What action `A` receives: its payload Schema's `Type`.
 *
 * @since 0.1.0
 * @category type-level
 */
export type ActionPayload<Api extends Any, A extends ActionName<Api>> = TypeOf<PayloadSchema<Api["actions"][A]>>

/**
 * What action `A` answers: its result Schema's `Type`.
 *
 * @since 0.1.0
 * @category type-level
 */
export type ActionResult<Api extends Any, A extends ActionName<Api>> = Api["actions"][A] extends { readonly result: infer R } ? TypeOf<R> : void

/**
 * The API as the client sees it: the `Encoded` (JSON) form of every payload,
 * ack, push and result. An event or action without a payload Schema takes
 * `undefined`; one without an ack or result Schema answers `void`.
 *
 * @example
 * type Added = SocketApi.Wire<typeof Api>["events"]["items:add"]["ack"]
 *
 * @since 0.1.0
 * @category type-level
 */
export interface Wire<Api extends Any> {
  readonly events: {
    readonly [E in keyof Api["events"]]: {
      readonly payload: PayloadSchema<Api["events"][E]> extends Codec ? EncodedOf<PayloadSchema<Api["events"][E]>> : undefined
      readonly ack: Api["events"][E] extends { readonly ack: infer A } ? EncodedOf<A> : void
    }
  }
  readonly pushes: { readonly [P in keyof Api["pushes"]]: Api["pushes"][P]["Encoded"] }
  readonly actions: {
    readonly [A in keyof Api["actions"]]: {
      readonly payload: PayloadSchema<Api["actions"][A]> extends Codec ? EncodedOf<PayloadSchema<Api["actions"][A]>> : undefined
      readonly result: Api["actions"][A] extends { readonly result: infer R } ? EncodedOf<R> : void
    }
  }
}
