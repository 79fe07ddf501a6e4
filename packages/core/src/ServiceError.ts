/**
 * The errors of the Service lifecycle.
 *
 * @since 0.1.0
 */
import { Cause, Data } from "effect"

/**
 * An operation that needs a live service (spawn, interval, timeout, listen,
 * adopt, addCleanup, onStop) was called while it is stopping or stopped.
 * Original: the `RuntimeError` "Cannot spawn task for '<name>' before start()"
 * family; here it also covers the original's leak of tasks spawned during
 * teardown (weakness 15).
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
}

/**
 * A service failed to start: its build effect failed or died, or its name was
 * taken. Everything it had acquired was released before this error surfaced
 * (weakness 13). `cause` is the failure of the build effect.
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
