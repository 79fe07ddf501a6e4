/**
 * The errors of a QueueService.
 *
 * @since 0.1.0
 */
import { Data } from "effect"
import * as Answer from "./Answer.ts"

/**
 * A bounded queue is full: the item was not queued (at once, or after the
 * `timeout` of `enqueue`). Original: `enqueue` returning `False`.
 *
 * @since 0.1.0
 * @category errors
 */
export class QueueFull extends Data.TaggedError("QueueFull")<{ readonly queue: string; readonly capacity: number }> {
  override get message() {
    return `queue '${this.queue}' is full (${this.capacity} jobs)`
  }

  /** 503, code `queue_full`, with `Retry-After: 1` (seconds): the caller may try again soon. */
  [Answer.symbol](): Answer.Answer {
    return Answer.make(503, this.message, { code: "queue_full", headers: { "retry-after": "1" } })
  }
}

/**
 * No job with this id is queued, running or in the history.
 *
 * @since 0.1.0
 * @category errors
 */
export class JobNotFound extends Data.TaggedError("JobNotFound")<{ readonly queue: string; readonly id: string }> {
  override get message() {
    return `queue '${this.queue}' has no job '${this.id}'`
  }

  /** 404, code `not_found`. */
  [Answer.symbol](): Answer.Answer {
    return Answer.make(404, this.message)
  }
}
