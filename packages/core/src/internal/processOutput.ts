/**
 * One output of a child process (its stdout lines, or its stderr byte chunks ...)
 * fanned out to any number of consumers through a sliding `PubSub`.
 *
 * The output ends with `PubSub.end`: every consumer gets what it has not taken
 * yet and then the end, and a consumer that subscribes after the end gets the
 * replayed values and the end at once. A full subscription drops its oldest
 * value (sliding); each drop is counted on the `dropped` counter.
 *
 * @internal
 */
import { Effect, Metric, PubSub, Stream } from "effect"

const End: unique symbol = Symbol.for("@specter-runtime/core/ManagedProcess/End")
type End = typeof End

export class Output<A> {
  private readonly pubsub: PubSub.PubSub<A | End>
  private readonly dropped: Metric.Counter<number>
  private readonly capacity: number
  private isEnded = false
  /** Every value published from the moment the stream runs, after the replayed ones; ends with the output. */
  readonly stream: Stream.Stream<A>

  private constructor(pubsub: PubSub.PubSub<A | End>, dropped: Metric.Counter<number>) {
    this.pubsub = pubsub
    this.dropped = dropped
    this.capacity = PubSub.capacity(pubsub)
    this.stream = Stream.fromPubSub(pubsub).pipe(Stream.takeWhile((message): message is A => message !== End))
  }

  static make<A>(
    options: { readonly capacity: number; readonly replay: number },
    dropped: Metric.Counter<number>
  ): Effect.Effect<Output<A>> {
    return Effect.map(
      PubSub.sliding<A | End>({ capacity: Math.max(1, options.capacity), replay: Math.max(0, options.replay) }),
      (pubsub) => new Output(pubsub, dropped)
    )
  }

  /**
   * Publishes `values` in order without ever waiting for a consumer, in batches
   * that fit the room left (one `publishAll` per batch: a publish per value costs
   * about 50 times more). When a subscription is full, consumers get one scheduler
   * turn to take what they hold; if one is still full after it, the next values
   * (at most `capacity`, then another turn) slide out its oldest ones, counted.
   */
  publishAll(values: ReadonlyArray<A>): Effect.Effect<void> {
    let i = 0
    let turned = false
    const publish = (): Effect.Effect<void> => {
      if (i >= values.length || this.isEnded) return Effect.void
      const room = this.capacity - PubSub.sizeUnsafe(this.pubsub)
      if (room <= 0 && !turned) {
        turned = true
        return Effect.andThen(Effect.yieldNow, Effect.suspend(publish))
      }
      const batch = values.slice(i, i + (room > 0 ? room : this.capacity))
      i += batch.length
      turned = false
      const published = Effect.andThen(PubSub.publishAll(this.pubsub, batch), Effect.suspend(publish))
      return room > 0 ? published : Effect.andThen(Metric.update(this.dropped, batch.length), published)
    }
    return Effect.suspend(publish)
  }

  /** Ends the output: consumers get what they hold, then their stream ends. Idempotent. */
  get end(): Effect.Effect<void> {
    return Effect.sync(() => {
      this.isEnded = true
      PubSub.endUnsafe(this.pubsub, End)
    })
  }
}
