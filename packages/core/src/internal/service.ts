/**
 * The Service runtime: one root `Scope` per service, split into sub-scopes. Scope
 * finalizers run in reverse order of creation, so creating them in the order
 *
 *   stopped signal, directory entry, cleanups, children, listeners, tasks, timers, onStop
 *
 * makes stopping run the `onStop` hooks, interrupt timers, then tasks, remove bus
 * listeners, stop children newest first, run cleanups LIFO, leave the directory and
 * only then signal `stopped`: the original's `stop()` order (SVC-19), by construction.
 *
 * @internal
 */
import { Cause, Clock, Deferred, Duration, Effect, Exit, Fiber, FiberMap, Schedule, Scope, SubscriptionRef } from "effect"
import * as Bus from "../Bus.ts"
import type { ServiceHealth, Service as ServiceManagerService } from "../ServiceManager.ts"
import type { Service, ServiceStatus, Task, TaskOptions } from "../Service.ts"
import { ServiceNotRunning, ServiceStartError } from "../ServiceError.ts"
import { subscribe as subscribeRef } from "./subscribe.ts"
import * as failures from "./failure.ts"

class TaskImpl implements Task {
  readonly id: string
  readonly kind: Task["kind"]
  readonly label: string
  /** A timeout whose callback has started can no longer be cancelled. */
  fired = false
  constructor(id: string, kind: Task["kind"], label: string) {
    this.id = id
    this.kind = kind
    this.label = label
  }
}

const logFailure = (service: string, what: string) => failures.logFailure(`service '${service}': ${what}`)

export const start = <S extends object, A, E, R>(
  name: string,
  initial: S,
  build: (self: Service<S>) => Effect.Effect<A, E, R>,
  bus: Bus.Service,
  manager: ServiceManagerService
): Effect.Effect<readonly [Service<S>, A], ServiceStartError, Scope.Scope | Exclude<R, Scope.Scope>> =>
  Effect.gen(function*() {
    const parent = yield* Effect.scope
    const root = yield* Scope.fork(parent, "sequential")
    const ref = yield* SubscriptionRef.make(initial)
    const stopped = yield* Deferred.make<void>()
    let status: ServiceStatus = "starting"
    let startedAt: number | undefined
    let stoppedAt: number | undefined
    /** The fiber running the teardown: a stop from it (an onStop hook, a cleanup) is a no-op. */
    let teardown: Fiber.Fiber<unknown, unknown> | undefined
    let taskCount = 0
    let listenerCount = 0
    let childCount = 0
    const onStopHooks: Array<Effect.Effect<void, unknown>> = []
    const annotate = Effect.annotateLogs({ service: name })

    yield* Scope.addFinalizer(
      root,
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        status = "stopped"
        stoppedAt = now
        return Effect.andThen(Deferred.succeed(stopped, undefined), Effect.logInfo(`service '${name}' stopped`))
      })
    )
    yield* Scope.provide(manager.register({ name, health: Effect.suspend(() => health) }), root).pipe(
      Effect.catchTag("DuplicateService", (error) =>
        Effect.andThen(
          Scope.close(root, Exit.fail(error)),
          Effect.fail(new ServiceStartError({ service: name, cause: Cause.fail(error) }))
        ))
    )
    const cleanups = yield* Scope.fork(root, "sequential")
    const children = yield* Scope.fork(root, "sequential")
    const listeners = yield* Scope.fork(root, "sequential")
    const tasks = yield* Scope.provide(FiberMap.make<string>(), root)
    const timers = yield* Scope.provide(FiberMap.make<string>(), root)
    yield* Scope.addFinalizer(
      root,
      Effect.suspend(() => {
        status = "stopping"
        teardown = Fiber.getCurrent()
        return Effect.forEach(onStopHooks.reverse(), (hook) => logFailure(name, "onStop hook")(hook), {
          discard: true
        })
      })
    )

    const guard = (operation: string) =>
      Effect.suspend(() =>
        status === "starting" || status === "running"
          ? Effect.void
          : Effect.fail(new ServiceNotRunning({ service: name, status, operation }))
      )

    /**
     * Forks `body` as a task of `kind` into `map`. `body` receives the task and the
     * step to run, wrapped so that its failures are logged under the task's label.
     */
    const fork = <A, E, R, X, Z>(
      map: FiberMap.FiberMap<string>,
      kind: Task["kind"],
      operation: string,
      options: TaskOptions | undefined,
      effect: Effect.Effect<A, E, R>,
      body: (task: TaskImpl, logged: Effect.Effect<A | void, never, R>) => Effect.Effect<X, never, Z>
    ): Effect.Effect<Task, ServiceNotRunning, Z> =>
      Effect.andThen(
        guard(operation),
        Effect.suspend(() => {
          const task = new TaskImpl(`${kind}_${(++taskCount).toString(16).padStart(8, "0")}`, kind, options?.label ?? kind)
          const logged = logFailure(name, `${kind} '${task.label}'`)(effect)
          return Effect.as(FiberMap.run(map, task.id, annotate(body(task, logged))), task as Task)
        })
      )

    /** Subscribes a bus listener in the service's listener scope; counted until the service stops. */
    const listenWith = <X, Z>(operation: string, event: Bus.EventRef<any>, options: Bus.ListenOptions | undefined, listen: (options: Bus.ListenOptions) => Effect.Effect<X, never, Z>) =>
      Effect.andThen(
        guard(operation),
        Effect.suspend(() => {
          listenerCount++
          const label = options?.label ?? `${name}:${Bus.nameOf(event)}`
          return Effect.andThen(
            Scope.addFinalizer(listeners, Effect.sync(() => void listenerCount--)),
            Scope.provide(listen({ ...options, label }), listeners)
          )
        })
      )

    const subscribe: Service<S>["subscribe"] = (handler, options) =>
      subscribeRef(ref, `service '${name}'`, handler, options, Deferred.await(stopped))

    const stop: Effect.Effect<void> = Effect.suspend(() => {
      if (teardown !== undefined && Fiber.getCurrent() === teardown) return Effect.void
      if (status === "starting" || status === "running") {
        status = "stopping"
        // Closed on a fiber of its own, so that a stop from inside one of the
        // service's fibers (which the close interrupts) cannot deadlock.
        return Effect.andThen(Effect.forkDetach(Scope.close(root, Exit.void)), Deferred.await(stopped))
      }
      return Deferred.await(stopped)
    })

    const health: Effect.Effect<ServiceHealth> = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      return {
        name,
        status,
        uptimeMs: startedAt === undefined ? 0 : (stoppedAt ?? now) - startedAt,
        fibers: yield* FiberMap.size(tasks),
        timers: yield* FiberMap.size(timers),
        listeners: listenerCount,
        children: childCount,
        state: SubscriptionRef.getUnsafe(ref)
      }
    })

    const cancelIn = (map: FiberMap.FiberMap<string>, task: TaskImpl) =>
      Effect.suspend(() => {
        if (task.fired) return Effect.void
        const fiber = FiberMap.getUnsafe(map, task.id)
        if (fiber._tag === "None") return Effect.void
        // Cancelling from inside the task itself: interrupt it at its next suspension.
        if (fiber.value === Fiber.getCurrent()) return Effect.asVoid(Effect.forkDetach(FiberMap.remove(map, task.id)))
        return FiberMap.remove(map, task.id)
      })

    const self: Service<S> = {
      name,
      status: Effect.sync(() => status),
      get: SubscriptionRef.get(ref),
      setState: (partial) => SubscriptionRef.update(ref, (s) => ({ ...s, ...partial })),
      update: (f) => SubscriptionRef.update(ref, f),
      changes: SubscriptionRef.changes(ref),
      subscribe,
      spawn: (effect, options) => fork(tasks, "task", "spawn", options, effect, (_, logged) => logged),
      spawnLater: (delay, effect, options) =>
        fork(tasks, "task", "spawnLater", options, effect, (_, logged) => Effect.delay(logged, delay)),
      interval: (period, effect, options) =>
        fork(timers, "interval", "interval", options, effect, (_, logged) =>
          Effect.schedule(logged, Schedule.spaced(Duration.fromInputUnsafe(period)))),
      timeout: (delay, effect, options) =>
        fork(timers, "timeout", "timeout", options, effect, (task, logged) =>
          Effect.andThen(
            Effect.sleep(delay),
            Effect.suspend(() => {
              task.fired = true
              return logged
            })
          )),
      cancel: (task) =>
        task instanceof TaskImpl ? cancelIn(task.kind === "task" ? tasks : timers, task) : Effect.void,
      listen: (event, handler, options) => listenWith("listen", event, options, (o) => bus.listen(event, handler, o)),
      on: (event, handler, options) => listenWith("on", event, options, (o) => bus.on(event, handler, o)),
      emit: bus.emit,
      adopt: (child) =>
        Effect.andThen(
          guard("adopt"),
          Effect.suspend(() => {
            const scope = Scope.forkUnsafe(children, "sequential")
            childCount++
            return Effect.andThen(
              Scope.addFinalizer(scope, Effect.sync(() => void childCount--)),
              child.pipe(Scope.provide(scope), Effect.onError((cause) => Scope.close(scope, Exit.failCause(cause))))
            )
          })
        ),
      addCleanup: (finalizer) =>
        Effect.andThen(guard("addCleanup"), Scope.addFinalizer(cleanups, logFailure(name, "cleanup")(Effect.asVoid(finalizer)))),
      onStop: (hook) =>
        Effect.andThen(
          guard("onStop"),
          Effect.sync(() => {
            onStopHooks.push(Effect.asVoid(hook))
          })
        ),
      health,
      stop
    }

    const result = yield* build(self).pipe(
      Scope.provide(cleanups),
      annotate,
      Effect.catchCause((cause) =>
        Effect.andThen(Scope.close(root, Exit.failCause(cause)), Effect.fail(new ServiceStartError({ service: name, cause }))))
    )
    startedAt = yield* Clock.currentTimeMillis
    if (status === "starting") status = "running"
    yield* Effect.logInfo(`service '${name}' started`)
    return [self, result] as const
  })
