/**
 * A Controller keeps one feature together: its HTTP routes (under a URL prefix,
 * with its own middleware), its socket events and its named actions, under one
 * lifecycle. It is a service (`Service.layerDiscard`): its definition is built once
 * when it starts, in its own scope, where it resolves the services its handlers
 * close over, makes its state (a Store or Model, ended with it) and forks what it
 * runs; while it runs its routes answer and its events are dispatched, and when it
 * stops its routes answer 503 and its events and actions are gone.
 *
 * An action `<name>/<action>` is a schema-validated server function, callable as
 * `POST /actions/<name>/<action>` (the JSON body is the payload; the answer is the
 * result as JSON) and as the socket event `"<name>/<action>"` (the ack carries the
 * result). Original: `Controller` (`build_routes`, `build_events`, `schemas`,
 * `create_store`, `url_prefix`) with SPRAG's `action`.
 *
 * ```ts
 * const Items = Controller.make("items", Effect.gen(function*() {
 *   const inventory = yield* Inventory // resolved once, when the controller starts
 *   return {
 *     prefix: "/api",
 *     routes: [Route.post("/items", { body: NewItem, status: 201 }, ({ body }) => inventory.add(body))],
 *     events: { "items:add": Controller.event({ payload: NewItem, handle: (item) => inventory.add(item) }) },
 *     actions: { clear: Controller.action({ handle: () => inventory.clear }) }
 *   }
 * }))
 * ```
 *
 * @since 0.1.0
 */
import { Service } from "@specter-runtime/core"
import { Effect, type Layer, Schema, type Scope } from "effect"
import type { HttpRouter } from "effect/http"
import * as Handler from "./Handler.ts"
import * as Route from "./Route.ts"
import * as Router from "./Router.ts"
import type { SocketIngress } from "./SocketIngress.ts"
import type { Session } from "./SocketSession.ts"

/**
 * What an action receives besides its payload: the socket session when it was
 * called over the socket, `undefined` over HTTP.
 *
 * @since 0.1.0
 * @category models
 */
export interface ActionContext {
  readonly session: Session | undefined
}

/**
 * A named server function. `payload` validates (and coerces) its input; a failure
 * answers 400 over HTTP and a `"validation"` ack over the socket. Like a route
 * handler, `handle` needs no service: it closes over what it uses.
 *
 * @since 0.1.0
 * @category models
 */
export interface Action<P extends Schema.Top | undefined, A, E> {
  readonly payload?: P
  readonly handle: (payload: P extends Schema.Top ? P["Type"] : unknown, context: ActionContext) => Effect.Effect<A, E>
}

/**
 * What a controller consists of: `prefix` and `middleware` apply to its `routes`
 * (not to its actions, always at `/actions/<name>/<action>`); `events` are socket
 * event handlers (see `SocketIngress.EventHandler`: payload, priority, ordered).
 *
 * @since 0.1.0
 * @category models
 */
export interface Definition {
  readonly prefix?: `/${string}` | undefined
  readonly middleware?: Router.Middleware | undefined
  readonly routes?: ReadonlyArray<Route.Route> | undefined
  readonly events?: Handler.Events | undefined
  readonly actions?: Readonly<Record<string, Action<any, any, any>>> | undefined
}

/**
 * Declares a socket event handler with its payload type inferred from `payload`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const event = Handler.event

/**
 * Declares an action with its payload type inferred from `payload`.
 *
 * @example
 * Controller.action({ payload: Rename, handle: ({ id, name }) => inventory.rename(id, name) })
 *
 * @since 0.1.0
 * @category constructors
 */
export const action = <P extends Schema.Top | undefined = undefined, A = unknown, E = never>(
  action: Action<P, A, E>
): Action<P, A, E> => action

/** The socket events and routes of `name`'s actions. */
const actionsOf = (name: string, actions: Definition["actions"]) => {
  const events: Record<string, Handler.Events[string]> = {}
  const routes: Array<Route.Route> = []
  for (const [actionName, spec] of Object.entries(actions ?? {})) {
    const id = `${name}/${actionName}`
    events[id] = Handler.event({ payload: spec.payload, label: `action ${id}`, handle: (payload, { session }) => spec.handle(payload, { session }) })
    // With no payload Schema the action takes the JSON body as it is.
    routes.push(Route.post(`/actions/${id}`, { body: spec.payload ?? Schema.Unknown }, ({ body }) =>
      Effect.map(spec.handle(body, { session: undefined }), (result) => result ?? null)) as Route.Route)
  }
  return { events, routes }
}

/** Subscribes, routes and reports the controller of `definition` in the calling scope. */
const wire = (name: string, definition: Definition) =>
  Effect.gen(function*() {
    const actions = actionsOf(name, definition.actions)
    const events = { ...definition.events, ...actions.events }
    yield* Handler.make(name, events)
    yield* Router.add(definition.routes ?? [], { prefix: definition.prefix, middleware: definition.middleware })
    yield* Router.add(actions.routes)
    yield* Service.health(Effect.succeed({
      prefix: definition.prefix ?? "",
      routes: (definition.routes ?? []).map((route) => `${route.method} ${definition.prefix ?? ""}${route.path}`),
      events: Object.keys(definition.events ?? {}),
      actions: Object.keys(definition.actions ?? {})
    }))
  })

/**
 * The Layer of the controller named `name`, from a definition or from an effect
 * that builds one in the controller's scope. Fails with `ServiceStartError` (a
 * failing definition, an invalid event name, a route that another group serves).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <E = never, R = never>(
  name: string,
  definition: Definition | Effect.Effect<Definition, E, R>
): Layer.Layer<never, Service.ServiceStartError, HttpRouter.HttpRouter | SocketIngress | Exclude<R, Scope.Scope>> =>
  Service.layerDiscard(
    name,
    Effect.flatMap(Effect.isEffect(definition) ? definition : Effect.succeed(definition), (d) => wire(name, d))
  )
