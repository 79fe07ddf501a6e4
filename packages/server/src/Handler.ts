/**
 * A named group of socket event handlers with one lifecycle, for socket events
 * that belong together but need no controller (no routes, no actions). Setting it
 * up is acquiring it in a scope (or building its Layer); tearing it down is
 * closing that scope, which removes every one of its subscriptions, also when
 * setting up failed half-way. Each event gets its own priority and options (see
 * `SocketIngress.EventHandler`).
 *
 * ```ts
 * const Chat = Handler.layer("chat", Effect.gen(function*() {
 *   const sockets = yield* SocketServer.SocketServer          // resolved once, at setup
 *   return {
 *     "chat:say": Handler.event({
 *       payload: Message,
 *       handle: (message, { session }) => sockets.publish("chat", "chat:said", { from: session.sid, ...message })
 *     }),
 *     "chat:typing": Handler.event({ priority: 10, handle: () => Effect.void })
 *   }
 * }))
 * App.run(Layer.mergeAll(Chat, ...))
 * ```
 *
 * @since 0.1.0
 */
import { Effect, Exit, Layer, type Schema, Scope } from "effect"
import {
  type EventHandler,
  type InvalidEventName,
  SocketIngress
} from "./SocketIngress.ts"

/**
 * A handler's events: each socket event name and its handler.
 *
 * @since 0.1.0
 * @category models
 */
export type Events = { readonly [event: string]: EventHandler<any, any> }

/**
 * A handler that is set up: its name and the events it subscribed, in
 * declaration order.
 *
 * @since 0.1.0
 * @category models
 */
export interface Handler {
  readonly name: string
  readonly events: ReadonlyArray<string>
}

/**
 * Declares one event handler, with its payload type inferred from `payload` (an
 * event declared inline in `Events` without it gets an `unknown` payload).
 *
 * @example
 * Handler.event({ payload: NewItem, ordered: true, handle: (item) => inventory.add(item) })
 *
 * @since 0.1.0
 * @category constructors
 */
export const event = <P extends Schema.Decoder<unknown, never> | undefined = undefined, E = never>(
  handler: EventHandler<P, E>
): EventHandler<P, E> => handler

/**
 * Sets up the handler `name`: subscribes each of `events` to the `SocketIngress`,
 * in declaration order, labelled `<name>:<event>` in logs unless they have a
 * label, until the calling scope closes. If an event cannot be subscribed
 * (`InvalidEventName`), the ones already subscribed are removed before the
 * failure returns: there is never half a handler.
 *
 * **When to use**: inside a service's or a test's scope; an application uses
 * `layer`.
 *
 * @example
 * const handler = yield* Handler.make("presence", { "presence:ping": { handle: () => Effect.succeed("pong") } })
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (name: string, events: Events): Effect.Effect<Handler, InvalidEventName, SocketIngress | Scope.Scope> =>
  Effect.gen(function*() {
    const ingress = yield* SocketIngress
    const scope = yield* Scope.fork(yield* Effect.scope, "sequential")
    const subscribed: Array<string> = []
    const wire = Effect.forEach(Object.entries(events), ([event, handler]) =>
      Effect.map(
        Scope.provide(ingress.subscribe(event, { label: `${name}:${event.trim()}`, ...handler }), scope),
        (subscription) => void subscribed.push(subscription.event)
      ), { discard: true })
    yield* Effect.onExit(wire, (exit) => (Exit.isSuccess(exit) ? Effect.void : Scope.close(scope, exit)))
    yield* Effect.logDebug(`socket handler '${name}' set up with ${subscribed.length} events`)
    return { name, events: subscribed }
  })

/**
 * The Layer of the handler `name`: its events, or an effect that builds them in
 * the handler's scope with the services they use (the handlers close over them;
 * whatever the effect acquires is released after the events are unsubscribed).
 * Built once per application even when provided twice (Layers are memoized).
 * Fails with `InvalidEventName` or with the failure of the building effect,
 * having removed what it subscribed.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: {
  (name: string, events: Events): Layer.Layer<never, InvalidEventName, SocketIngress>
  <E, R>(name: string, events: Effect.Effect<Events, E, R>): Layer.Layer<never, E | InvalidEventName, SocketIngress | Exclude<R, Scope.Scope>>
} = <E, R>(name: string, events: Events | Effect.Effect<Events, E, R>) =>
  Layer.effectDiscard(Effect.flatMap(Effect.isEffect(events) ? events : Effect.succeed(events), (built) => make(name, built)))
