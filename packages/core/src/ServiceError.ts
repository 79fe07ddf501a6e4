/**
 * The errors of the Service lifecycle.
 *
 * @since 0.1.0
 */
import { Cause, Data } from "effect"
import * as Answer from "./Answer.ts"

/**
 * An operation that needs a live service (a QueueService's `enqueue`) was called
 * while it is stopping or stopped. Original: the `RuntimeError` "Cannot spawn task
 * for '<name>' before start()" family.
 *
 * @since 0.1.0
 * @category errors
 */
export class ServiceNotRunning extends Data.TaggedError("ServiceNotRunning")<{
  readonly service: string
  readonly status: "starting" | "running" | "stopping" | "stopped"
  readonly operation: string
}> {
  override get message() {
    return `cannot ${this.operation} in service '${this.service}': it is ${this.status}`
  }

  /** 503, code `unavailable`. */
  [Answer.symbol](): Answer.Answer {
    return Answer.make(503, this.message)
  }
}

/**
 * A service failed to start: its `make` failed or died, or its name was taken.
 * Everything it had acquired is released by its Layer's scope (weakness 13).
 * `cause` is the failure of `make`.
 *
 * @since 0.1.0
 * @category errors
 */
export class ServiceStartError extends Data.TaggedError("ServiceStartError")<{
  readonly service: string
  readonly cause: Cause.Cause<unknown>
}> {
  override get message() {
    return `service '${this.service}' failed to start: ${Cause.pretty(this.cause)}`
  }
}
