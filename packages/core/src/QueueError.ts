/**
 * The errors of a QueueService.
 *
 * @since 0.1.0
 */
import { Data } from "effect"

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
}
