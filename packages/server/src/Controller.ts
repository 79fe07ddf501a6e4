/**
 * A Controller keeps one feature together: its HTTP routes, its socket events,
 * its named actions and its state, under one lifecycle. It is a scoped Layer: a
 * Service (so it has state, timers, health, and it stops in order) that adds its
 * routes to the application's router and subscribes its events and actions to the
 * `SocketIngress` for as long as it runs.
 *
 * An action `<name>/<action>` is a schema-validated server function, callable as
 * `POST /actions/<name>/<action>` (the JSON body is the payload; the answer is the
 * result as JSON) and as the socket event `"<name>/<action>"` (the ack carries the
 * result). Original: `Controller` (`build_routes`, `build_events`, `schemas`,
 * `create_store`) with SPRAG's `action`.
 *
 * ```ts
 * const Items = Controller.make("items",
 *   Effect.gen(function*() {
 *     const store = yield* ItemStore
 *     return {
 *       routes: [Route.post("/api/items", { body: NewItem, status: 201 }, ({ body }) => store.add(body))],
 *       events: { "items:add": Controller.event({ payload: NewItem, handle: (item) => store.add(item) }) },
 *       actions: { clear: Controller.action({ handle: () => store.clear }) }
 *     }
 *   }))
 * ```
 *
 * @since 0.1.0
 */
import { Service } from "@specter/core"
import { Context, Effect, type Layer, Schema, type Scope } from "effect"
import { HttpRouter } from "effect/http"
import * as Route from "./Route.ts"
import { type Handler, SocketIngress } from "./SocketIngress.ts"
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
 * A named server function. `payload` validates (and coerces) its input; a
 * failure answers 400 over HTTP and a `"validation"` ack over the socket.
 *
 * @since 0.1.0
 * @category models
 */
export interface Action<P extends Schema.Top | undefined, A, E, R> {
  readonly payload?: P
  readonly handle: (payload: P extends Schema.Top ? P["Type"] : unknown, context: ActionContext) => Effect.Effect<A, E, R>
}

/**
 * What a controller consists of.
 *
 * @since 0.1.0
 * @category models
 */
export interface Definition {
  readonly routes?: ReadonlyArray<Route.Route<any, any>> | undefined
  readonly events?: Readonly<Record<string, Handler<any, any, any>>> | undefined
  readonly actions?: Readonly<Record<string, Action<any, any, any, any>>> | undefined
}

type RoutesR<D extends Definition> = D["routes"] extends ReadonlyArray<infer T> ? T extends Route.Route<any, infer R> ? R : never
  : never
type HandlerR<H> = H extends Handler<any, any, infer R> ? R : H extends Action<any, any, any, infer R> ? R : never
type EventsR<D extends Definition> = D["events"] extends Readonly<Record<string, infer H>> ? HandlerR<H> : never
type ActionsR<D extends Definition> = D["actions"] extends Readonly<Record<string, infer H>> ? HandlerR<H> : never

/**
 * The requirements of a definition's routes, handlers and actions.
 *
 * @since 0.1.0
 * @category models
 */
export type Requirements<D extends Definition> = RoutesR<D> | EventsR<D> | ActionsR<D>

/**
 * Declares a socket event handler with its payload type inferred from `payload`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const event = <P extends Schema.Top | undefined = undefined, E = never, R = never>(
  handler: Handler<P, E, R>
): Handler<P, E, R> => handler

/**
 * Declares an action with its payload type inferred from `payload`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const action = <P extends Schema.Top | undefined = undefined, A = unknown, E = never, R = never>(
  action: Action<P, A, E, R>
): Action<P, A, E, R> => action

/**
 * Route handlers run in the router's request context; give them the controller's
 * services too, so that what was provided to the controller's Layer is what its
 * routes can use (the request's own services win).
 */
const bind = (route: Route.Route<any, any>, services: Context.Context<never>): Route.Route<unknown> =>
  HttpRouter.route(
    route.method,
    route.path,
    Effect.updateContext(route.handler, (request: Context.Context<any>) => Context.merge(services, request)),
    { uninterruptible: route.uninterruptible }
  ) as Route.Route<unknown>

const wire = (name: string, definition: Definition) =>
  Effect.gen(function*() {
    const router = yield* HttpRouter.HttpRouter
    const ingress = yield* SocketIngress
    const services = yield* Effect.context<never>()
    const routes: Array<Route.Route<any, any>> = [...(definition.routes ?? [])]
    for (const [event, handler] of Object.entries(definition.events ?? {})) {
      yield* ingress.subscribe(event, { label: `${name}:${event}`, ...handler })
    }
    for (const [actionName, spec] of Object.entries(definition.actions ?? {})) {
      const id = `${name}/${actionName}`
      yield* ingress.subscribe(id, { label: `action ${id}`, payload: spec.payload, handle: spec.handle })
      routes.push(
        // With no payload Schema the action takes the JSON body as it is (null when empty).
        Route.post(`/actions/${id}`, { body: spec.payload ?? Schema.Unknown }, ({ body }) =>
          Effect.map(spec.handle(body, { session: undefined }), (result) => result ?? null))
      )
    }
    yield* router.addAll(routes.map((route) => bind(route, services))) as Effect.Effect<void>
  })

/**
 * The Layer of a controller named `name`, from a definition or from an effect that
 * builds one in the controller's scope (where it may acquire state, fork fibers
 * and listen on the bus, all stopped with the controller). It is a service (see
 * `Service.layerDiscard`): listed, logged, and failing to start with
 * `ServiceStartError`. Its events and actions are unsubscribed when it stops.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <D extends Definition, E = never, R = never>(
  name: string,
  definition: D | Effect.Effect<D, E, R>
): Layer.Layer<
  never,
  Service.ServiceStartError,
  HttpRouter.HttpRouter | SocketIngress | Exclude<R | Requirements<D>, Scope.Scope>
> =>
  Service.layerDiscard(
    name,
    Effect.flatMap(
      Effect.isEffect(definition) ? definition : Effect.succeed(definition),
      (d) => wire(name, d) as Effect.Effect<void, never, HttpRouter.HttpRouter | SocketIngress | Requirements<D>>
    )
  )
