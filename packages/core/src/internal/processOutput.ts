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

const End: unique symbol = Symbol.for("@specter/core/ManagedProcess/End")
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
   * Publishes `values` in order without ever waiting for a consumer. When a
   * subscription is full, consumers get one scheduler turn to take what they hold;
   * if one is still full after it, the next values (at most `capacity` before the
   * next turn) slide out its oldest ones, one per value, counted.
   */
  publishAll(values: ReadonlyArray<A>): Effect.Effect<void> {
    let i = 0
    let turned = false
    const publish = (): Effect.Effect<void> => {
      while (i < values.length && PubSub.publishUnsafe(this.pubsub, values[i]!)) i++
      if (i === values.length || this.isEnded) return Effect.void
      if (!turned) {
        turned = true
        return Effect.andThen(Effect.yieldNow, Effect.suspend(publish))
      }
      const slid = values.slice(i, i + this.capacity)
      i += slid.length
      turned = false
      return PubSub.publishAll(this.pubsub, slid).pipe(
        Effect.andThen(Metric.update(this.dropped, slid.length)),
        Effect.andThen(Effect.suspend(publish))
      )
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
