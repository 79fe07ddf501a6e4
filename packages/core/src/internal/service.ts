/**
 * What `Service.layer` keeps of a running service (status, times, counters,
 * health probes) and the `CurrentService` reference through which `Service.spawn`,
 * `interval`, `timeout` and `health`, called while the service's `make` runs (or
 * from a fiber it forked), find the service that owns them.
 *
 * @internal
 */
import { Cause, Clock, Context, Effect, Exit, type Fiber, Option, type Scope } from "effect"
import type { Managed, ServiceHealth, Status } from "../ServiceManager.ts"
import { ServiceManager } from "../ServiceManager.ts"
import { ServiceStartError } from "../ServiceError.ts"
import { catchFailure, logFailure } from "./failure.ts"

export class ServiceRecord implements Managed {
  readonly name: string
  status: Status = "starting"
  startedAt: number | undefined = undefined
  stoppedAt: number | undefined = undefined
  fibers = 0
  timers = 0
  listeners = 0
  readonly probes: Array<Effect.Effect<unknown, unknown>> = []
  constructor(name: string) {
    this.name = name
  }

  get health(): Effect.Effect<ServiceHealth> {
    return Effect.gen({ self: this }, function*() {
      const now = yield* Clock.currentTimeMillis
      const exits = yield* Effect.forEach(this.probes, (probe) => Effect.exit(probe))
      const failure = exits.find(Exit.isFailure)
      const uptimeMs = this.startedAt === undefined ? 0 : (this.stoppedAt ?? now) - this.startedAt
      return {
        name: this.name,
        status: failure !== undefined && this.status === "running" ? "failed" : this.status,
        uptimeMs,
        fibers: this.fibers,
        timers: this.timers,
        listeners: this.listeners,
        ...(exits.length === 0 ? {} : { details: exits.map((exit) => (Exit.isSuccess(exit) ? exit.value : undefined)) }),
        ...(failure === undefined ? {} : { error: Cause.pretty(failure.cause) })
      }
    })
  }
}

/** The service whose `make` is running, for the helpers of `Service`. */
export const CurrentService = Context.Reference<ServiceRecord | undefined>("@specter-runtime/core/Service/CurrentService", {
  defaultValue: () => undefined
})

/** Runs `f` with the current service (or `undefined` outside any service's `make`). */
export const withCurrentService = <A, E, R>(f: (record: ServiceRecord | undefined) => Effect.Effect<A, E, R>) =>
  Effect.withFiber((fiber) => f(fiber.getRef(CurrentService)))

/**
 * Forks `effect` into the calling scope, counted in the current service's
 * `fibers` or `timers` from the fork until the fiber ends (however it ends, even
 * interrupted before it ran).
 */
export const forkCounted = (kind: "fibers" | "timers" | "listeners", options?: { readonly startImmediately?: boolean | undefined }) =>
<A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<Fiber.Fiber<A, E>, never, Scope.Scope | R> =>
  withCurrentService((record) =>
    Effect.map(Effect.forkScoped(effect, options), (fiber) => {
      if (record !== undefined) {
        record[kind]++
        fiber.addObserver(() => void record[kind]--)
      }
      return fiber
    })
  )

const startError = (service: string) => (cause: Cause.Cause<unknown>) =>
  Effect.fail(new ServiceStartError({ service, cause }))

/**
 * Builds the service named `name` with `make` in the calling scope: lists it in
 * the `ServiceManager` (if there is one), runs `make` with itself as the current
 * service and its name on every log line, and tracks its status until the scope
 * has closed. A failure of `make` is a `ServiceStartError`; the caller's scope
 * (the Layer's) then releases what `make` acquired.
 */
export const build = <S, E, R>(name: string, make: Effect.Effect<S, E, R>): Effect.Effect<S, ServiceStartError, R | Scope.Scope> =>
  Effect.gen(function*() {
    const record = new ServiceRecord(name)
    const manager = yield* Effect.serviceOption(ServiceManager)
    if (Option.isSome(manager)) {
      yield* manager.value.register(record).pipe(Effect.catchCause(startError(name)))
    }
    yield* Effect.addFinalizer(() =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        record.status = "stopped"
        record.stoppedAt = now
        return Effect.logInfo(`service '${name}' stopped`)
      })
    )
    const service = yield* make.pipe(
      Effect.provideService(CurrentService, record),
      (built) => catchFailure(built, startError(name))
    )
    record.startedAt = yield* Clock.currentTimeMillis
    record.status = "running"
    // Added last, so it runs first when the scope closes.
    yield* Effect.addFinalizer(() => Effect.sync(() => void (record.status = "stopping")))
    yield* Effect.logInfo(`service '${name}' started`)
    return service
  }).pipe(Effect.annotateLogs({ service: name }))

/** Logs a failure of `effect` as `<what> failed` (with the service's name when there is one); lets interruption through. */
export const logged = (what: string) => <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A | void, never, R> =>
  withCurrentService((record) =>
    logFailure(record === undefined ? what : `service '${record.name}': ${what}`)(effect))
