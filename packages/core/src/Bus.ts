/**
 * The internal event bus: decoupled, in-process publish/subscribe between services,
 * built on Effect's `PubSub` (one sliding PubSub per event).
 *
 * A subscription is a `Stream` read in the subscriber's `Scope`: `subscribe` gives
 * the Stream, and `listen` (an Effect handler), `on` (a plain function) and `once`
 * run one on a fiber of the calling scope. `emit` never waits for a subscriber; a
 * subscriber that falls `capacity` events behind loses the oldest ones (counted in
 * `stats`), never the emitter's time. Original: the process-wide synchronous `bus`
 * (`on`, `off`, `once`, `emit`, `listener_count`), whose listeners ran on the
 * emitter's stack (weakness 1) and were keyed by their callback (weakness 3).
 *
 * Across processes: when a `Bridge` is installed (`@specter-runtime/cluster` installs
 * one over Redis in cluster mode), every event declared **with a Schema** is also
 * sent to the other processes and reaches their subscribers once. Events declared
 * without a Schema (`Bus.event<A>(name)`) stay in the process that emits them.
 *
 * ```ts
 * const OrderPlaced = Bus.event("orders:placed", Order)
 *
 * yield* Bus.listen(OrderPlaced, (order) => Effect.log(`order ${order.id}`)) // until the scope closes
 * const orders = yield* Bus.subscribe(OrderPlaced)                            // a Stream<Order>
 * yield* Bus.emit(OrderPlaced, { id: "o1" })
 * ```
 *
 * @since 0.1.0
 */
import { Cause, Context, Effect, Exit, Layer, Metric, PubSub, Schema, Scope, Stream } from "effect"
import { catchFailure } from "./internal/failure.ts"
import { forkCounted } from "./internal/service.ts"
import * as internal from "./internal/bus.ts"
import { listenerSpans } from "./internal/metrics.ts"

const EventTypeId = "~@specter-runtime/core/Bus/Event" as const

/**
 * A named event with a payload of type `A`, optionally described by a `Schema`
 * (used at the edges and to carry the event between processes). `capacity` is how
 * many events the bus holds for a subscriber that has not taken them yet before it
 * drops the oldest.
 *
 * @since 0.1.0
 * @category models
 */
export interface Event<A> {
  readonly [EventTypeId]: { readonly _A: (_: never) => A }
  readonly name: string
  readonly schema: Schema.Top | undefined
  readonly capacity: number
}

/**
 * Options of `event`: `capacity`, the events held per subscriber (default 4 096,
 * at least 1).
 *
 * @since 0.1.0
 * @category models
 */
export interface EventOptions {
  readonly capacity?: number | undefined
}

/**
 * Declares an event. `name` is trimmed and must not be empty (an empty name is a
 * programming error, thrown as a `TypeError` where the event is declared).
 *
 * ```ts
 * const OrderPlaced = Bus.event("orders:placed", Order) // Event<Order>
 * const Tick = Bus.event<number>("clock:tick")          // typed, no Schema
 * const Noisy = Bus.event<Sample>("probe:sample", { capacity: 64 })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const event: {
  <S extends Schema.Top>(name: string, schema: S, options?: EventOptions): Event<S["Type"]>
  <A>(name: string, options?: EventOptions): Event<A>
} = (name: string, schemaOrOptions?: Schema.Top | EventOptions, options?: EventOptions): Event<any> => {
  const trimmed = name.trim()
  if (trimmed.length === 0) throw new TypeError("[specter:bus] an event name must be a non-empty string")
  const schema = Schema.isSchema(schemaOrOptions) ? schemaOrOptions : undefined
  const capacity = (schema === undefined ? schemaOrOptions as EventOptions | undefined : options)?.capacity
  return {
    [EventTypeId]: { _A: (_: never) => _ },
    name: trimmed,
    schema,
    capacity: Math.max(1, Math.floor(capacity ?? internal.DEFAULT_CAPACITY))
  }
}

/**
 * What the bus knows of one event: its subscribers now, and since the bus started
 * how many events were published and how many a full buffer dropped (a
 * subscriber lost them).
 *
 * @since 0.1.0
 * @category models
 */
export interface EventStats {
  readonly event: string
  readonly subscribers: number
  readonly published: number
  readonly dropped: number
}

/**
 * Failures of `listen`, `on` and `once` handlers, by `event` (a counter).
 *
 * @since 0.1.0
 * @category metrics
 */
export const listenerFailures = Metric.counter("specter_bus_listener_failures_total", {
  description: "Bus listener handlers that failed, by event",
  incremental: true
})

/**
 * A publisher of one event for a hot path: `emit` skips the lookup by name, and
 * `active` says whether anyone subscribes now (so a payload nobody would receive
 * need not be built).
 *
 * @since 0.1.0
 * @category models
 */
export interface Publisher<A> {
  readonly active: boolean
  readonly emit: (payload: A) => void
}

/**
 * Carries events between processes (see `Bus.bridge`). `send` is called, in the
 * emitter's turn, for every emit of an event that has a Schema, with `json` the
 * payload encoded by that Schema (a JSON value); it must not block and should batch.
 * What arrives from other processes the bridge hands to `Bus.receive`; a bridge never
 * hands a process its own events back (they were delivered locally already).
 *
 * @since 0.2.0
 * @category models
 */
export interface Bridge {
  readonly send: (event: string, json: unknown) => void
}

/**
 * The bus, as a `Context` service: one per application.
 *
 * @since 0.1.0
 * @category services
 */
export class Bus extends Context.Service<Bus, {
  /**
   * Publishes `payload` to every current subscriber of `event` and returns at
   * once; later subscribers do not see it. Never fails, never waits.
   * Original: `bus.emit(event, data)`.
   */
  readonly emit: <A>(event: Event<A>, payload: A) => Effect.Effect<void>
  /** `emit` for callers outside an Effect (a Node callback, a synchronous step). */
  readonly emitUnsafe: <A>(event: Event<A>, payload: A) => void
  /**
   * Publishes `payload` and waits until every subscriber present now has handled
   * it (a `listen` handler returned, a Stream asked for its next element) or has
   * ended. If the event overflows meanwhile (a subscriber fell `capacity` events
   * behind), it returns without waiting further.
   */
  readonly emitAndWait: <A>(event: Event<A>, payload: A) => Effect.Effect<void>
  /**
   * Subscribes to `event` in the calling scope and returns the Stream of the
   * events published from now on; it ends when the scope closes or the bus stops.
   */
  readonly subscribe: <A>(event: Event<A>) => Effect.Effect<Stream.Stream<A>, never, Scope.Scope>
  /** See `Publisher`. */
  readonly publisher: <A>(event: Event<A>) => Publisher<A>
  /** Subscribers of `event` now, or of all events. Original: `listener_count(event)`. */
  readonly subscribers: (event?: Event<any>) => number
  /** Every event that has had a subscriber, with its counters. */
  readonly stats: () => ReadonlyArray<EventStats>
  /**
   * Subscribes in the calling scope to the names of the events the bus keeps (see
   * `stats`): every one it keeps now, then each new one as it gets its first
   * subscriber or publisher. A name may come twice. For tools that follow every
   * event, such as the inspector: they see an event from its first use instead of
   * at their next poll of `stats`.
   */
  readonly eventNames: Effect.Effect<Stream.Stream<string>, never, Scope.Scope>
  /**
   * Installs `bridge` until the calling scope closes: from then on every emit of an
   * event with a Schema is also handed to it. One bridge at a time (a second one
   * replaces the first).
   */
  readonly bridge: (bridge: Bridge) => Effect.Effect<void, never, Scope.Scope>
  /**
   * Delivers an event that came from another process to the subscribers here (and
   * not to the bridge again): `json` is decoded with the Schema of the subscribed
   * event named `event`. An event nobody here subscribes to is ignored; a payload
   * that does not decode is logged and dropped. `false` when it was not delivered.
   */
  readonly receive: (event: string, json: unknown) => boolean
}>()("@specter-runtime/core/Bus") {}

/**
 * Builds a bus in the calling scope; closing the scope ends every subscription.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<Bus["Service"], never, Scope.Scope> = Effect.gen(function*() {
  const created = yield* Effect.acquireRelease(PubSub.unbounded<string>(), PubSub.shutdown)
  const topics = new internal.Topics(yield* Effect.context<Scope.Scope>(), created)
  const bridging = new internal.Bridging(topics)
  const emitUnsafe = <A>(event: Event<A>, payload: A) => {
    const topic = topics.get(event.name)
    if (topic !== undefined && topic.subscribers.size > 0) topic.publish(payload)
    bridging.forward(event.name, event.schema, payload)
  }
  return Bus.of({
    emit: (event, payload) => Effect.sync(() => emitUnsafe(event, payload)),
    emitUnsafe,
    emitAndWait: (event, payload) =>
      Effect.callback<void>((resume) => {
        bridging.forward(event.name, event.schema, payload)
        const topic = topics.get(event.name)
        if (topic === undefined || topic.subscribers.size === 0) return resume(Effect.void)
        const ack = new internal.Acknowledged(payload, new Set(topic.subscribers), () => resume(Effect.void))
        // Published before it is tracked: an overflow caused by this very publish
        // drops an older message, and resolves only the waits that are older.
        topic.publish(ack)
        if (ack.pending.size > 0) topic.acks.push(ack)
      }),
    subscribe: <A>(event: Event<A>) =>
      internal.subscribe(topics.ensure(event.name, event.capacity, event.schema)) as Effect.Effect<Stream.Stream<A>, never, Scope.Scope>,
    publisher: <A>(event: Event<A>): Publisher<A> => {
      const topic = topics.ensure(event.name, event.capacity, event.schema)
      return {
        get active() {
          return topic.subscribers.size > 0 || bridging.carries(event.schema)
        },
        emit: (payload) => {
          if (topic.subscribers.size > 0) topic.publish(payload)
          bridging.forward(event.name, event.schema, payload)
        }
      }
    },
    subscribers: (event) => {
      if (event !== undefined) return topics.get(event.name)?.subscribers.size ?? 0
      return topics.all().reduce((total, topic) => total + topic.subscribers.size, 0)
    },
    stats: () =>
      topics.all().map((topic) => ({
        event: topic.name,
        subscribers: topic.subscribers.size,
        published: topic.published,
        dropped: topic.dropped
      })),
    eventNames: topics.names(),
    bridge: (next) => bridging.install(next),
    receive: (name, json) => bridging.receive(name, json)
  })
})

/**
 * The JSON value a bridge carries for `payload` of `event` (encoded with the event's
 * Schema). Fails with the `SchemaError` when the payload does not encode; an event
 * without a Schema has no encoding and dies (it never leaves its process).
 *
 * @example
 * const json = yield* Bus.encode(OrderPlaced, { id: "o1" })
 *
 * @since 0.2.0
 * @category bridging
 */
export const encode = <A>(event: Event<A>, payload: A): Effect.Effect<unknown, Schema.SchemaError> =>
  event.schema === undefined
    ? Effect.die(new TypeError(`[specter:bus] event '${event.name}' has no Schema: it stays in its process`))
    : Schema.encodeUnknownEffect(Schema.toCodecJson(event.schema as Schema.Codec<unknown, unknown>))(payload)

/**
 * A `Layer` providing a fresh `Bus`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Bus> = Layer.effect(Bus, make)

/**
 * `emit` on the bus in context.
 *
 * @since 0.1.0
 * @category publishing
 */
export const emit = <A>(event: Event<A>, payload: A): Effect.Effect<void, never, Bus> =>
  Bus.use((bus) => bus.emit(event, payload))

/**
 * `emitAndWait` on the bus in context.
 *
 * @since 0.1.0
 * @category publishing
 */
export const emitAndWait = <A>(event: Event<A>, payload: A): Effect.Effect<void, never, Bus> =>
  Bus.use((bus) => bus.emitAndWait(event, payload))

/**
 * The events of `event` published from now until the calling scope closes, as a
 * Stream (each run of it reads the same subscription: run it once).
 *
 * ```ts
 * const orders = yield* Bus.subscribe(OrderPlaced)
 * yield* orders.pipe(Stream.take(3), Stream.runForEach(record), Effect.forkScoped)
 * ```
 *
 * @since 0.1.0
 * @category subscribing
 */
export const subscribe = <A>(event: Event<A>): Effect.Effect<Stream.Stream<A>, never, Bus | Scope.Scope> =>
  Bus.use((bus) => bus.subscribe(event))

/**
 * Options of `listen`, `on` and `once`: `label` names the listener in logs.
 *
 * @since 0.1.0
 * @category models
 */
export interface ListenOptions {
  readonly label?: string | undefined
}

/** Logs and counts a failure of a listener of `event`. */
const failure = (event: Event<any>, options: ListenOptions | undefined) => {
  const label = options?.label ?? "listener"
  const counter = Metric.withAttributes(listenerFailures, { event: event.name })
  return (cause: Cause.Cause<unknown>) =>
    Effect.andThen(
      Metric.update(counter, 1),
      Effect.logError(`bus listener '${label}' failed on '${event.name}'`, cause).pipe(
        Effect.annotateLogs({ event: event.name, listener: label })
      )
    )
}

/**
 * Runs `handle` over each batch of `stream`; a failure of one element is logged
 * and counted, and the batch goes on after it.
 */
const consume = <A, X, R>(
  event: Event<A>,
  stream: Stream.Stream<A>,
  handle: (value: A) => Effect.Effect<void, X, R>,
  options: ListenOptions | undefined
): Effect.Effect<void, never, R> => {
  const failed = failure(event, options)
  return Stream.runForEachArray(stream, (batch) => {
    let i = 0
    const from = (): Effect.Effect<void, never, R> =>
      catchFailure(
        Effect.whileLoop({ while: () => i < batch.length, body: () => handle(batch[i++]!), step: () => {} }),
        (cause) => Effect.andThen(failed(cause), Effect.suspend(from))
      )
    return from()
  })
}

/** Forks a listener in the caller's scope, counted in its service's `listeners` (see `ServiceManager.ServiceHealth`). */
const forkListener = <R>(run: Effect.Effect<void, never, R>) =>
  Effect.asVoid(forkCounted("listeners", { startImmediately: true })(run))

/**
 * Runs `handler` for every `event` published from now until the calling scope
 * closes, in order, on a fiber of that scope. A failure or defect of the handler is
 * logged and the listener goes on with the next event. Original: `bus.on(event, cb)`;
 * the unsubscribe is the scope.
 *
 * @since 0.1.0
 * @category subscribing
 */
export const listen = <A, X, R>(
  event: Event<A>,
  handler: (payload: A) => Effect.Effect<void, X, R>,
  options?: ListenOptions
): Effect.Effect<void, never, Bus | Scope.Scope | R> =>
  Effect.flatMap(listenerSpans(event.name, options?.label, handler), (handle) =>
    Effect.flatMap(subscribe(event), (stream) => forkListener(consume(event, stream, handle, options))))

/**
 * `listen` with a plain function: the cheapest listener, for synchronous work (a
 * counter, a forward to a socket). It runs over each batch of events in one step
 * (no Effect per event); a thrown error is logged and the next event still arrives.
 *
 * @since 0.1.0
 * @category subscribing
 */
export const on = <A>(
  event: Event<A>,
  handler: (payload: A) => void,
  options?: ListenOptions
): Effect.Effect<void, never, Bus | Scope.Scope> =>
  Effect.flatMap(subscribe(event), (stream) => {
    const failed = failure(event, options)
    return forkListener(Stream.runForEachArray(stream, (batch) => {
      let errors: Array<unknown> | undefined
      for (let i = 0; i < batch.length; i++) {
        try {
          handler(batch[i]!)
        } catch (error) {
          ;(errors ??= []).push(error)
        }
      }
      return errors === undefined ? Effect.void : Effect.forEach(errors, (error) => failed(Cause.die(error)), { discard: true })
    }))
  })

/**
 * `listen` for the next `event` only: the handler runs once, and an event emitted
 * after that one (even by the handler itself) does not reach it. Original:
 * `bus.once(event, cb)`.
 *
 * @since 0.1.0
 * @category subscribing
 */
export const once = <A, X, R>(
  event: Event<A>,
  handler: (payload: A) => Effect.Effect<void, X, R>,
  options?: ListenOptions
): Effect.Effect<void, never, Bus | Scope.Scope | R> =>
  Effect.gen(function*() {
    // A scope of its own, closed once the one event is handled: the listener is gone
    // then, not when the caller's scope closes.
    const scope = yield* Scope.fork(yield* Effect.scope)
    const stream = yield* Scope.provide(subscribe(event), scope)
    yield* forkListener(Effect.ensuring(consume(event, Stream.take(stream, 1), handler, options), Scope.close(scope, Exit.void)))
  })
