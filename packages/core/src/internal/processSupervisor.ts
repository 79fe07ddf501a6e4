/**
 * The supervisor: one fiber of the caller's scope runs the process, waits for it
 * to exit, tears the run down (which drains its output into the shared line
 * outputs), and spawns it again after the delay the restart `Schedule` gives.
 *
 * Scopes, in the order the caller's scope closes them: the supervisor fiber (its
 * interruption tears the current run down), `runs` (a run spawned but not yet
 * handed to the fiber), then `finish` (ends the shared outputs, publishes Stopped).
 *
 * @internal
 */
import { Clock, Duration, Effect, Exit, Option, Schedule, Scope, SubscriptionRef } from "effect"
import type { ManagedProcess, ProcessExit, ProcessSpawnError, Supervised, SupervisedState } from "../ManagedProcess.ts"
import type { Shared } from "./managedProcess.ts"

export interface Config {
  readonly restart: Schedule.Schedule<unknown, ProcessExit>
  readonly resetAfter: Duration.Duration
}

export interface Hooks<R> {
  /** One run, in the calling scope, feeding `shared`. */
  readonly spawn: (shared: Shared) => Effect.Effect<ManagedProcess, ProcessSpawnError, Scope.Scope | R>
  readonly shared: Effect.Effect<Shared>
  /** A run has spawned: `restart` is `None` for the first one. */
  readonly started: (pid: number, restarts: number, restart: Option.Option<Duration.Duration>) => Effect.Effect<void>
  readonly restartFailed: (error: ProcessSpawnError) => Effect.Effect<void>
  readonly stopped: (exit: Option.Option<ProcessExit>) => Effect.Effect<void>
}

interface Run {
  readonly proc: ManagedProcess
  readonly scope: Scope.Closeable
  readonly startedAt: number
}

type Step = (now: number, input: ProcessExit) => Effect.Effect<readonly [unknown, Duration.Duration], unknown>

export const make = <R>(
  config: Config,
  hooks: Hooks<R>
): Effect.Effect<Supervised, ProcessSpawnError, Scope.Scope | R> =>
  Effect.gen(function*() {
    const shared = yield* hooks.shared
    const state = yield* SubscriptionRef.make<SupervisedState>({
      current: Option.none(),
      restarts: 0,
      lastExit: Option.none(),
      stopped: false
    })
    const finish = Effect.gen(function*() {
      const last = yield* SubscriptionRef.modify(state, (s): [SupervisedState, SupervisedState] =>
        [s, { ...s, current: Option.none(), stopped: true }])
      if (last.stopped) return
      yield* shared.stdout.end
      yield* shared.stderr.end
      yield* hooks.stopped(last.lastExit)
    })
    yield* Effect.addFinalizer(() => finish)
    const runs = yield* Scope.fork(yield* Effect.scope, "sequential")
    const spawn: Effect.Effect<Run, ProcessSpawnError, R> = Effect.gen(function*() {
      const scope = yield* Scope.fork(runs, "sequential")
      const proc = yield* hooks.spawn(shared).pipe(
        Scope.provide(scope),
        Effect.onError((cause) => Scope.close(scope, Exit.failCause(cause)))
      )
      return { proc, scope, startedAt: yield* Clock.currentTimeMillis }
    })
    const first = yield* spawn
    yield* SubscriptionRef.update(state, (s): SupervisedState => ({ ...s, current: Option.some(first.proc) }))
    yield* hooks.started(first.proc.pid, 0, Option.none())
    yield* Effect.forkScoped(Effect.andThen(supervise(config, hooks, state, spawn, first), finish))
    return {
      stdout: shared.stdout.stream,
      stderr: shared.stderr.stream,
      state: SubscriptionRef.get(state),
      changes: SubscriptionRef.changes(state)
    }
  })

/** Runs `first` and its successors until the schedule is done. */
const supervise = <R>(
  config: Config,
  hooks: Hooks<R>,
  state: SubscriptionRef.SubscriptionRef<SupervisedState>,
  spawn: Effect.Effect<Run, ProcessSpawnError, R>,
  first: Run
): Effect.Effect<void, never, R> =>
  Effect.gen(function*() {
    let step = (yield* Schedule.toStep(config.restart)) as Step
    let run: Run | undefined = first
    let restarts = 0
    while (run !== undefined) {
      // Closing the run's scope (also on interruption) terminates it and drains its output.
      const exit: ProcessExit = yield* Effect.ensuring(run.proc.exit, Scope.close(run.scope, Exit.void))
      // A run that lasted `resetAfter` was healthy: the schedule starts over.
      if ((yield* Clock.currentTimeMillis) - run.startedAt >= Duration.toMillis(config.resetAfter)) {
        step = (yield* Schedule.toStep(config.restart)) as Step
      }
      run = undefined
      while (run === undefined) {
        const decision = yield* Effect.exit(step(yield* Clock.currentTimeMillis, exit))
        yield* SubscriptionRef.update(state, (s): SupervisedState => ({ ...s, current: Option.none(), lastExit: Option.some(exit) }))
        if (Exit.isFailure(decision)) return
        const delay = decision.value[1]
        if (!Duration.isZero(delay)) yield* Effect.sleep(delay)
        const spawned = yield* Effect.result(spawn)
        if (spawned._tag === "Failure") {
          yield* hooks.restartFailed(spawned.failure)
          continue
        }
        const next = spawned.success
        restarts++
        yield* SubscriptionRef.update(state, (s): SupervisedState => ({ ...s, current: Option.some(next.proc), restarts }))
        yield* hooks.started(next.proc.pid, restarts, Option.some(delay))
        run = next
      }
    }
  })
