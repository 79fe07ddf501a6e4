/**
 * A child OS process as a scoped value: `make` spawns it (through `effect/process`)
 * for as long as the calling `Scope` is open and gives its output as `Stream`s of
 * lines and of bytes, which any number of consumers may read. `supervise` keeps a
 * process running, restarting it per a `Schedule`, with one line Stream across
 * all of its runs. Original: `ManagedProcess` and `start_process`.
 *
 * Closing the scope sends SIGTERM to the process group, SIGKILL after
 * `terminateTimeout`, and reads the output to its end (for at most `killTimeout`
 * after the exit) before it returns, so the last lines reach every consumer still
 * running. An early stop is closing a forked scope:
 *
 * ```ts
 * const scope = yield* Scope.fork(yield* Effect.scope, "sequential")
 * const proc = yield* ManagedProcess.make("node", ["worker.js"]).pipe(Scope.provide(scope))
 * yield* Stream.runForEach(proc.stdout, (line) => Effect.log(line)).pipe(Effect.forkScoped)
 * // ...
 * yield* Scope.close(scope, Exit.void) // the consumer still gets the lines written on SIGTERM
 * ```
 *
 * **Gotcha**: a scope closes last-acquired first, so a consumer forked into the
 * same scope after `make` is interrupted before the process is stopped and misses
 * what the process writes while it stops. Keep such a consumer in an outer scope
 * (as above), or run it as the body of the scope (`Stream.runForEach` without a
 * fork ends when the process does).
 *
 * A grandchild that left the process group (a session of its own) is not
 * signalled; what it writes to the inherited pipes is read for at most
 * `killTimeout` after the process exited.
 *
 * Requires a `ChildProcessSpawner` (`NodeServices.layer`). Lifecycle events go to
 * the `Bus` when one is in context.
 *
 * @since 0.1.0
 */
import { Data, Duration, Effect, Metric, Option, type PlatformError, Schedule, type Scope, Stream } from "effect"
import type { ChildProcessSpawner } from "effect/process"
import * as Bus from "./Bus.ts"
import { backoff } from "./internal/backoff.ts"
import { logFailure } from "./internal/failure.ts"
import * as internal from "./internal/managedProcess.ts"
import * as supervisor from "./internal/processSupervisor.ts"

/**
 * One of the process's output streams.
 *
 * @since 0.1.0
 * @category models
 */
export type StreamName = "stdout" | "stderr"

/**
 * How a process ended: `Exited` with its exit `code`, or `Killed` by a signal.
 * For a kill, `message` is the text the platform gives (it names the signal, e.g.
 * "Process interrupted due to receipt of signal: 'SIGKILL'"); the spawner reports
 * no signal field.
 *
 * @since 0.1.0
 * @category models
 */
export type ProcessExit =
  | { readonly _tag: "Exited"; readonly code: number }
  | { readonly _tag: "Killed"; readonly message: string }

/**
 * A running child process, valid while the scope that made it is open.
 *
 * - `stdout`, `stderr`: its output as lines, line endings (`\n`, `\r\n`, `\r`)
 *   removed; `stdoutBytes`, `stderrBytes`: the bytes as read, in the chunks read.
 *   Each run of a Stream is a consumer of its own: it first gets the last `replay`
 *   values written before it started, then everything after, and ends once the
 *   process has exited and its output is read to the end (run after that, it gets
 *   the replayed values and ends at once). A consumer that holds `capacity` values
 *   it has not taken, and takes none when given a turn, loses its oldest ones
 *   (counted by `outputDropped`); the process and the other consumers never wait
 *   for it, and a failing consumer ends only itself.
 * - `exit`: waits for the process to end; then, how it ended.
 * - `isRunning`: whether it has not exited yet.
 *
 * @since 0.1.0
 * @category models
 */
export interface ManagedProcess {
  readonly pid: number
  readonly stdout: Stream.Stream<string>
  readonly stderr: Stream.Stream<string>
  readonly stdoutBytes: Stream.Stream<Uint8Array>
  readonly stderrBytes: Stream.Stream<Uint8Array>
  readonly exit: Effect.Effect<ProcessExit>
  readonly isRunning: Effect.Effect<boolean>
}

/**
 * Options of `make`.
 *
 * - `name`: the process in events, logs and metrics (default: `command`).
 * - `cwd`, `env`: working directory and variables; `env` extends the parent's
 *   environment unless `extendEnv: false` (a variable set to `undefined` is removed).
 * - `terminateTimeout`: how long the process has after SIGTERM before SIGKILL
 *   (default 5 s).
 * - `killTimeout`: how long after the exit the output is still read, for a
 *   grandchild that keeps the pipes open (default 1 s).
 * - `replay`: lines (and byte chunks) a consumer that starts late gets from
 *   before it started (default 100).
 * - `capacity`: lines (and byte chunks) held for a consumer that has not taken
 *   them before the oldest is dropped (default 16 384).
 * - `publishLines`: also publish each line as a `Line` bus event (default `false`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly name?: string | undefined
  readonly cwd?: string | undefined
  readonly env?: Record<string, string | undefined> | undefined
  readonly extendEnv?: boolean | undefined
  readonly terminateTimeout?: Duration.Input | undefined
  readonly killTimeout?: Duration.Input | undefined
  readonly replay?: number | undefined
  readonly capacity?: number | undefined
  readonly publishLines?: boolean | undefined
}

/**
 * Options of `supervise`: those of `make`, plus
 *
 * - `restart`: a `Schedule` fed with each `ProcessExit`; its delay is the wait
 *   before the next run, and the supervision ends when it is done (default
 *   `restartPolicy()`).
 * - `resetAfter`: a run that lasted at least this long starts the schedule over
 *   (default 10 s).
 *
 * @since 0.1.0
 * @category models
 */
export interface SuperviseOptions extends Options {
  readonly restart?: Schedule.Schedule<unknown, ProcessExit> | undefined
  readonly resetAfter?: Duration.Input | undefined
}

/**
 * Where a supervision stands: the process running now (`None` between runs and
 * once over), how many times it was restarted, how the last run ended, and
 * whether the supervision is over (the schedule is done or the scope closed).
 *
 * @since 0.1.0
 * @category models
 */
export interface SupervisedState {
  readonly current: Option.Option<ManagedProcess>
  readonly restarts: number
  readonly lastExit: Option.Option<ProcessExit>
  readonly stopped: boolean
}

/**
 * A supervised process, valid while the scope that made it is open. `stdout` and
 * `stderr` are the lines of every run in order, like `ManagedProcess.stdout`, and
 * end when the supervision is over. `state` is the current `SupervisedState`;
 * `changes` gives it now and after every change.
 *
 * @since 0.1.0
 * @category models
 */
export interface Supervised {
  readonly stdout: Stream.Stream<string>
  readonly stderr: Stream.Stream<string>
  readonly state: Effect.Effect<SupervisedState>
  readonly changes: Stream.Stream<SupervisedState>
}

/**
 * The process could not be spawned: the executable or the working directory does
 * not exist, or may not be run.
 *
 * @since 0.1.0
 * @category errors
 */
export class ProcessSpawnError extends Data.TaggedError("ProcessSpawnError")<{
  readonly process: string
  readonly command: string
  readonly cause: PlatformError.PlatformError
}> {
  override get message(): string {
    return `process '${this.process}' could not spawn '${this.command}': ${this.cause.message}`
  }
}

/**
 * Published when a run has spawned (`restarts` is 0 for the first).
 *
 * @since 0.1.0
 * @category events
 */
export const Started = Bus.event<{ readonly process: string; readonly pid: number; readonly restarts: number }>(
  "process:started"
)

/**
 * Published for every line, with `publishLines: true`.
 *
 * @since 0.1.0
 * @category events
 */
export const Line = Bus.event<{ readonly process: string; readonly stream: StreamName; readonly line: string }>(
  "process:line"
)

/**
 * Published when a run has exited and its output has been read to the end.
 *
 * @since 0.1.0
 * @category events
 */
export const Exited = Bus.event<{ readonly process: string; readonly pid: number; readonly exit: ProcessExit }>(
  "process:exited"
)

/**
 * Published when a run ends other than by code 0 without its scope being closed
 * (a crash, a kill from elsewhere), and when a restart cannot spawn (`exit` is
 * then `None`). `reason` says which, in words.
 *
 * @since 0.1.0
 * @category events
 */
export const Failed = Bus.event<{
  readonly process: string
  readonly reason: string
  readonly exit: Option.Option<ProcessExit>
}>("process:failed")

/**
 * Published when a supervised process has been spawned again, with the restart
 * count and the delay the schedule gave.
 *
 * @since 0.1.0
 * @category events
 */
export const Restarted = Bus.event<{
  readonly process: string
  readonly pid: number
  readonly restarts: number
  readonly delay: Duration.Duration
}>("process:restarted")

/**
 * Published once when the output is over for good: after the exit of a `make`
 * process, after the last run of a supervision. `exit` is the last exit.
 *
 * @since 0.1.0
 * @category events
 */
export const Stopped = Bus.event<{ readonly process: string; readonly exit: Option.Option<ProcessExit> }>(
  "process:stopped"
)

/**
 * Output values a consumer lost because it fell `capacity` behind, by `process`
 * and `output` (`stdout`, `stderr`, `stdoutBytes`, `stderrBytes`).
 *
 * @since 0.1.0
 * @category metrics
 */
export const outputDropped = Metric.counter("specter_process_output_dropped_total", {
  description: "Process output values a slow consumer lost, by process and output",
  incremental: true
})

/**
 * A restart schedule: `base` (default 1 s), doubling per restart, capped at `max`
 * (default 30 s), for at most `times` restarts in a row (default 10; a run of
 * `resetAfter` starts the count over).
 *
 * @since 0.1.0
 * @category schedules
 */
export const restartPolicy = (options?: {
  readonly base?: Duration.Input | undefined
  readonly max?: Duration.Input | undefined
  readonly times?: number | undefined
}): Schedule.Schedule<Duration.Duration> =>
  backoff({ base: options?.base, max: options?.max }).pipe(Schedule.upTo({ times: options?.times ?? 10 }))

const configOf = (command: string, args: ReadonlyArray<string>, options: Options | undefined): internal.Config => ({
  name: options?.name ?? command,
  command,
  args,
  cwd: options?.cwd,
  env: options?.env,
  extendEnv: options?.extendEnv ?? true,
  terminateTimeout: Duration.fromInputUnsafe(options?.terminateTimeout ?? "5 seconds"),
  killTimeout: Duration.fromInputUnsafe(options?.killTimeout ?? "1 second"),
  replay: options?.replay ?? 100,
  capacity: options?.capacity ?? 16_384
})

const spawnError = (config: internal.Config) => (cause: PlatformError.PlatformError) =>
  new ProcessSpawnError({ process: config.name, command: [config.command, ...config.args].join(" "), cause })

/** The bus events of one process, or nothing when no `Bus` is in context. */
const events = (config: internal.Config, publishLines: boolean) =>
  Effect.map(Effect.serviceOption(Bus.Bus), (bus) => {
    const process = config.name
    const emit = <P>(event: Bus.Event<P>, payload: P): Effect.Effect<void> =>
      Option.isSome(bus) ? bus.value.emit(event, payload) : Effect.void
    const lines = Option.isSome(bus) && publishLines ? bus.value.publisher(Line) : undefined
    const ended = (pid: number, exit: ProcessExit, requested: boolean) =>
      Effect.andThen(
        emit(Exited, { process, pid, exit }),
        requested || (exit._tag === "Exited" && exit.code === 0)
          ? Effect.void
          : emit(Failed, { process, reason: internal.describeExit(exit), exit: Option.some(exit) })
      )
    return {
      emit,
      ended,
      line: lines === undefined
        ? undefined
        : (stream: StreamName, line: string) => lines.emit({ process, stream, line })
    }
  })

/**
 * Spawns `command` with `args` for as long as the calling scope is open and
 * returns once it has spawned; a consumer started right after misses nothing
 * (it gets up to `replay` lines written before it started). Closing the scope
 * stops the process (see the module comment).
 *
 * Fails with `ProcessSpawnError` when it cannot be spawned.
 *
 * @example
 * const proc = yield* ManagedProcess.make("node", ["worker.js"], { terminateTimeout: "2 seconds" })
 * yield* Stream.runForEach(proc.stderr, (line) => Effect.logWarning(line)).pipe(Effect.forkScoped)
 * const exit = yield* proc.exit // { _tag: "Exited", code: 0 }
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  command: string,
  args: ReadonlyArray<string> = [],
  options?: Options
): Effect.Effect<ManagedProcess, ProcessSpawnError, Scope.Scope | ChildProcessSpawner.ChildProcessSpawner> =>
  Effect.gen(function*() {
    const config = configOf(command, args, options)
    const bus = yield* events(config, options?.publishLines === true)
    const proc = yield* internal.make(config, {
      line: bus.line,
      ended: (pid, exit, requested) =>
        Effect.andThen(bus.ended(pid, exit, requested), bus.emit(Stopped, { process: config.name, exit: Option.some(exit) }))
    }, spawnError(config), outputDropped)
    yield* bus.emit(Started, { process: config.name, pid: proc.pid, restarts: 0 })
    return proc
  })

/**
 * Spawns `command` and spawns it again each time it exits, after the delay the
 * `restart` schedule gives, until the schedule is done or the calling scope
 * closes (which stops the current run as `make` does). A restart that cannot
 * spawn publishes `Failed` and asks the schedule again.
 *
 * Fails with `ProcessSpawnError` when the first run cannot be spawned.
 *
 * @example
 * const tunnel = yield* ManagedProcess.supervise("ssh", ["-N", "host"], {
 *   restart: ManagedProcess.restartPolicy({ base: "1 second", max: "1 minute" })
 * })
 * yield* ManagedProcess.listen(tunnel.stderr, (line) => Effect.logWarning(line))
 * const { restarts } = yield* tunnel.state
 *
 * @since 0.1.0
 * @category constructors
 */
export const supervise = (
  command: string,
  args: ReadonlyArray<string> = [],
  options?: SuperviseOptions
): Effect.Effect<Supervised, ProcessSpawnError, Scope.Scope | ChildProcessSpawner.ChildProcessSpawner> =>
  Effect.gen(function*() {
    const config = configOf(command, args, options)
    const process = config.name
    const bus = yield* events(config, options?.publishLines === true)
    return yield* supervisor.make({
      restart: options?.restart ?? restartPolicy(),
      resetAfter: Duration.fromInputUnsafe(options?.resetAfter ?? "10 seconds")
    }, {
      shared: internal.sharedOutputs(config, outputDropped),
      spawn: (shared) => internal.make(config, bus, spawnError(config), outputDropped, shared),
      started: (pid, restarts, delay) =>
        Effect.andThen(
          Option.isSome(delay) ? bus.emit(Restarted, { process, pid, restarts, delay: delay.value }) : Effect.void,
          bus.emit(Started, { process, pid, restarts })
        ),
      restartFailed: (error) =>
        Effect.andThen(
          Effect.logWarning(`process '${process}': restart failed`, error),
          bus.emit(Failed, { process, reason: `restart failed: ${error.message}`, exit: Option.none() })
        ),
      stopped: (exit) => bus.emit(Stopped, { process, exit })
    })
  })

/**
 * Runs `handler` for every value of `output` (a process's `stdout`, a
 * supervision's `stderr` ...) on a fiber of the calling scope, until the output
 * ends or the scope closes. A failure of the handler is logged (with `label`) and
 * the next value still comes.
 *
 * @example
 * yield* ManagedProcess.listen(proc.stdout, (line) => record(line), { label: "recorder" })
 *
 * @since 0.1.0
 * @category consumers
 */
export const listen = <A, X, R>(
  output: Stream.Stream<A>,
  handler: (value: A) => Effect.Effect<void, X, R>,
  options?: { readonly label?: string | undefined }
): Effect.Effect<void, never, Scope.Scope | R> =>
  Effect.asVoid(Effect.forkScoped(
    Stream.runForEach(output, (value) => logFailure(`process output handler '${options?.label ?? "listener"}'`)(handler(value))),
    { startImmediately: true }
  ))
