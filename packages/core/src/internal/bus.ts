/**
 * The bus engine: one sliding `PubSub` per event name, created on the first
 * subscription and kept for the life of the bus. A subscription is a PubSub
 * subscription read as a `Stream` of batches; `emitAndWait` publishes an
 * `Acknowledged` envelope that every subscription present at the time settles
 * once it has handled it (its downstream asked for more) or once it has ended.
 *
 * Two details carry the speed of the bus (bench row "bus.emit to 10 `on`
 * listeners"): a publish into a subscription that a fiber waits on resumes that
 * fiber at once, so every pull first yields (`Effect.yieldNow`) and then takes
 * everything buffered in one `takeAll`; and a publish into a sliding PubSub that is
 * full is made with `PubSub.publish`, which slides, only when `publishUnsafe`
 * (which refuses a full PubSub) says so.
 *
 * @internal
 */
import { Cause, Context, Effect, PubSub, Schema, Scope, Stream } from "effect"
import { observeTopic } from "./metrics.ts"

/** One `emitAndWait` delivery: resolved once every subscription it was published to has settled. */
export class Acknowledged {
  readonly payload: unknown
  readonly pending: Set<Subscriber>
  private readonly done: () => void
  constructor(payload: unknown, pending: Set<Subscriber>, done: () => void) {
    this.payload = payload
    this.pending = pending
    this.done = done
  }
  settle(subscriber: Subscriber): boolean {
    if (!this.pending.delete(subscriber) || this.pending.size > 0) return false
    this.done()
    return true
  }
  settleAll(): void {
    this.pending.clear()
    this.done()
  }
}

/** The identity of one subscription, for acknowledgements. */
export class Subscriber {
  readonly topic: Topic
  constructor(topic: Topic) {
    this.topic = topic
  }
}

/** What the bus keeps per event name. */
export class Topic {
  readonly name: string
  readonly pubsub: PubSub.PubSub<unknown>
  /** The event's Schema as JSON, when it has one: what a bridge carries between processes. */
  codec: Codec | undefined = undefined
  readonly subscribers = new Set<Subscriber>()
  /** `emitAndWait` deliveries not yet settled by every subscriber. */
  acks: Array<Acknowledged> = []
  published = 0
  dropped = 0
  failed = 0
  constructor(name: string, pubsub: PubSub.PubSub<unknown>) {
    this.name = name
    this.pubsub = pubsub
  }

  /**
   * Publishes `message`; `false` when the PubSub was full and the oldest held
   * message was dropped to make room (pending acknowledgements of this event are
   * then resolved: a dropped envelope would never settle).
   */
  publish(message: unknown): boolean {
    this.published++
    if (PubSub.publishUnsafe(this.pubsub, message)) return true
    if (PubSub.isShutdownUnsafe(this.pubsub)) return true
    this.dropped++
    Effect.runSync(PubSub.publish(this.pubsub, message))
    if (this.acks.length > 0) {
      const acks = this.acks
      this.acks = []
      for (const ack of acks) ack.settleAll()
    }
    return false
  }

  /** Settles what `subscriber` still owes: called when it ends. */
  leave(subscriber: Subscriber): void {
    this.subscribers.delete(subscriber)
    if (this.acks.length === 0) return
    this.acks = this.acks.filter((ack) => !ack.settle(subscriber))
  }

  settle(subscriber: Subscriber, ack: Acknowledged): void {
    if (ack.settle(subscriber)) this.acks = this.acks.filter((a) => a !== ack)
  }
}

/**
 * A subscription to `topic` in the calling scope, read as a Stream. Envelopes
 * from `emitAndWait` are unwrapped; each settles when the downstream pulls the
 * next batch (it has handled this one) or when the subscription ends.
 */
export const subscribe = (topic: Topic): Effect.Effect<Stream.Stream<unknown>, never, Scope.Scope> =>
  Effect.gen(function*() {
    const subscription = yield* PubSub.subscribe(topic.pubsub)
    const subscriber = new Subscriber(topic)
    topic.subscribers.add(subscriber)
    yield* Effect.addFinalizer(() => Effect.sync(() => topic.leave(subscriber)))
    let held: Array<Acknowledged> = []
    const release = () => {
      if (held.length === 0) return
      for (const ack of held) topic.settle(subscriber, ack)
      held = []
    }
    const unwrap = (batch: ReadonlyArray<unknown>): ReadonlyArray<unknown> => {
      let out: Array<unknown> | undefined
      for (let i = 0; i < batch.length; i++) {
        const message = batch[i]
        if (message instanceof Acknowledged) {
          out ??= batch.slice(0, i)
          held.push(message)
          out.push(message.payload)
        } else if (out !== undefined) out.push(message)
      }
      return out ?? batch
    }
    const pull = Effect.suspend(() => {
      release()
      return Effect.andThen(Effect.yieldNow, PubSub.takeAll(subscription))
    }).pipe(
      Effect.map(unwrap),
      Effect.onInterrupt(() => Cause.done())
    ) as Effect.Effect<readonly [unknown, ...Array<unknown>], Cause.Done>
    return Stream.fromPull(Effect.succeed(pull)).pipe(Stream.ensuring(Effect.sync(release)))
  })

/** Default PubSub capacity per event (messages held for the slowest subscriber). */
export const DEFAULT_CAPACITY = 4096

/** The table of topics of one bus; closing `scope` shuts every PubSub down (ending every stream). */
export class Topics {
  private readonly table = new Map<string, Topic>()
  private readonly scope: Scope.Scope
  private readonly context: Context.Context<never>
  /** The name of every topic created from now on, for `names` (shut down with the bus's scope). */
  private readonly created: PubSub.PubSub<string>
  constructor(context: Context.Context<Scope.Scope>, created: PubSub.PubSub<string>) {
    this.scope = Context.get(context, Scope.Scope)
    this.context = context as Context.Context<never>
    this.created = created
  }

  /**
   * Subscribes in the calling scope: every topic's name now, then each new one as
   * it is created. A topic created while this starts may be named twice.
   */
  names(): Effect.Effect<Stream.Stream<string>, never, Scope.Scope> {
    return Effect.map(PubSub.subscribe(this.created), (subscription) =>
      Stream.concat(Stream.fromIterable([...this.table.keys()]), Stream.fromSubscription(subscription)))
  }

  get(name: string): Topic | undefined {
    return this.table.get(name)
  }

  /** The topic of `name`, created (with its PubSub) on first use; `schema` gives it its JSON codec. */
  ensure(name: string, capacity: number, schema?: Schema.Top): Topic {
    let topic = this.table.get(name)
    if (topic === undefined) {
      const pubsub = Effect.runSync(PubSub.sliding<unknown>(Math.max(1, capacity)))
      Effect.runSync(Scope.addFinalizer(this.scope, PubSub.shutdown(pubsub)))
      topic = new Topic(name, pubsub)
      this.table.set(name, topic)
      observeTopic(topic, this.context, this.scope)
      PubSub.publishUnsafe(this.created, name)
    }
    if (schema !== undefined && topic.codec === undefined) topic.codec = codec(schema)
    return topic
  }

  all(): Array<Topic> {
    return [...this.table.values()]
  }
}

/** An event Schema's JSON encoder and decoder, both synchronous; they throw on a bad value. */
export interface Codec {
  readonly encode: (payload: unknown) => unknown
  readonly decode: (json: unknown) => unknown
}

const codecs = new WeakMap<Schema.Top, Codec>()

/** The JSON codec of `schema` (made once per Schema). */
export const codec = (schema: Schema.Top): Codec => {
  let found = codecs.get(schema)
  if (found === undefined) {
    const json = Schema.toCodecJson(schema as Schema.Codec<unknown, unknown>)
    found = { encode: Schema.encodeUnknownSync(json), decode: Schema.decodeUnknownSync(json) }
    codecs.set(schema, found)
  }
  return found
}

/** What a bridge to other processes is given: see `Bus.Bridge`. */
export interface BridgeLike {
  readonly send: (event: string, json: unknown) => void
}

/**
 * The bridge to other processes, when one is installed: an event with a Schema
 * leaves encoded, and an event that arrives is decoded and delivered here only.
 */
export class Bridging {
  current: BridgeLike | undefined = undefined
  readonly topics: Topics

  constructor(topics: Topics) {
    this.topics = topics
  }

  /** Whether an event with `schema` leaves the process now. */
  carries(schema: Schema.Top | undefined): boolean {
    return this.current !== undefined && schema !== undefined
  }

  /** Hands `payload` to the bridge, encoded; a payload that does not encode is logged and stays in this process. */
  forward(name: string, schema: Schema.Top | undefined, payload: unknown): void {
    const bridge = this.current
    if (bridge === undefined || schema === undefined) return
    let json: unknown
    try {
      json = codec(schema).encode(payload)
    } catch (error) {
      Effect.runFork(Effect.logWarning(`bus: '${name}' not sent to other processes: its payload does not encode`, error))
      return
    }
    bridge.send(name, json)
  }

  /** Installs `next` until the calling scope closes (replacing any other). */
  install(next: BridgeLike): Effect.Effect<void, never, Scope.Scope> {
    return Effect.acquireRelease(Effect.sync(() => void (this.current = next)), () =>
      Effect.sync(() => {
        if (this.current === next) this.current = undefined
      }))
  }

  /** Delivers an event from another process to the subscribers here; `false` when it was not delivered. */
  receive(name: string, json: unknown): boolean {
    const topic = this.topics.get(name)
    if (topic === undefined || topic.codec === undefined || topic.subscribers.size === 0) return false
    let payload: unknown
    try {
      payload = topic.codec.decode(json)
    } catch (error) {
      Effect.runFork(Effect.logWarning(`bus: an event '${name}' from another process does not decode; dropped`, error))
      return false
    }
    topic.publish(payload)
    return true
  }
}
