/**
 * A bounded, single-consumer mailbox: the buffer between an emitter that must never
 * wait and the one fiber that consumes. `offer` is synchronous and O(1); `take` parks
 * the consumer until something arrives and then hands over everything buffered at
 * once, so a busy consumer drains in large batches with one wake-up.
 *
 * It is the hot path of the bus, which is why it is a plain array and a resume
 * callback instead of a `Queue`: a `Queue.offer` per listener per event costs several
 * times more (see `bench/`).
 *
 * @internal
 */
import { Effect } from "effect"

/**
 * What a full mailbox does with one more message: `"sliding"` drops the oldest
 * buffered message, `"dropping"` drops the new one. Either way the drop is counted.
 */
export type OverflowStrategy = "sliding" | "dropping"

export class Mailbox<A> {
  private buffer: Array<A> = []
  /** The array the consumer handed back; reused by the next `drain`, so steady traffic allocates nothing. */
  private spare: Array<A> = []
  private head = 0
  private resume: ((effect: Effect.Effect<void>) => void) | undefined = undefined
  private closed = false
  /** Messages dropped because the mailbox was full. */
  dropped = 0

  readonly capacity: number
  readonly strategy: OverflowStrategy
  private readonly onDrop: ((message: A) => void) | undefined

  /** `onDrop` sees every message dropped by overflow or left behind by `close`. */
  constructor(capacity: number, strategy: OverflowStrategy, onDrop?: (message: A) => void) {
    this.capacity = capacity
    this.strategy = strategy
    this.onDrop = onDrop
  }

  /** Buffered messages not yet taken. */
  get size(): number {
    return this.buffer.length - this.head
  }

  /**
   * Buffers `message`, waking the consumer if it is parked. Returns `false` when
   * the message (or, with `"sliding"`, an older one) was dropped because the
   * mailbox was full, and when the mailbox is closed.
   */
  offer(message: A): boolean {
    if (this.closed) {
      this.onDrop?.(message)
      return false
    }
    let accepted = true
    if (this.buffer.length - this.head >= this.capacity) {
      this.dropped++
      if (this.strategy === "dropping") {
        this.onDrop?.(message)
        return false
      }
      const oldest = this.buffer[this.head]!
      this.buffer[this.head++] = undefined as A
      this.onDrop?.(oldest)
      accepted = false
      if (this.head > 1024 && this.head * 2 > this.buffer.length) this.compact()
    }
    this.buffer.push(message)
    const resume = this.resume
    if (resume !== undefined) {
      this.resume = undefined
      // Resuming runs the consumer on the caller's stack; `yieldNow` makes it go
      // back to the scheduler at once, so the offering side never runs the consumer.
      resume(Effect.yieldNow)
    }
    return accepted
  }

  private compact(): void {
    this.buffer = this.buffer.slice(this.head)
    this.head = 0
  }

  /** Empties the mailbox without handing out its contents or keeping the arrays. */
  private clear(): Array<A> {
    const taken = this.buffer.slice(this.head)
    this.buffer = []
    this.spare = []
    this.head = 0
    return taken
  }

  /**
   * Removes and returns everything buffered, oldest first, without waiting. The
   * returned array is the consumer's until its next `drain`, which reuses it.
   */
  drain(): Array<A> {
    const taken = this.head === 0 ? this.buffer : this.buffer.slice(this.head)
    const spare = this.spare
    spare.length = 0
    this.spare = taken
    this.buffer = spare
    this.head = 0
    return taken
  }

  /**
   * Waits until at least one message is buffered (or the mailbox is closed). The
   * wait is interruptible; interrupting it leaves the mailbox as it was.
   */
  readonly awaitMessages: Effect.Effect<void> = Effect.callback<void>((resume) => {
    if (this.closed || this.buffer.length > this.head) {
      resume(Effect.void)
      return
    }
    this.resume = resume
    return Effect.sync(() => {
      if (this.resume === resume) this.resume = undefined
    })
  })

  /**
   * Closes the mailbox: later offers are refused, and a parked consumer wakes up.
   * With `discard`, what is still buffered is dropped (and passed to `onDrop`).
   */
  close(discard = false): void {
    this.closed = true
    if (discard) {
      const left = this.clear()
      if (this.onDrop !== undefined) for (const message of left) this.onDrop(message)
    }
    const resume = this.resume
    if (resume !== undefined) {
      this.resume = undefined
      resume(Effect.void)
    }
  }

  get isClosed(): boolean {
    return this.closed
  }
}
