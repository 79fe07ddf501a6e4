/**
 * A ManagedProcess owns a child OS process for as long as its `Scope` is open: it
 * spawns it through `effect/process`, reads its stdout and stderr as `Stream`s of
 * lines and of bytes, keeps its exit code and signal, restarts it per a `Schedule`
 * when it exits, and stops it — SIGTERM to its whole process group, a grace
 * period, then SIGKILL — after letting the output drain, so trailing lines are
 * never lost. A Service that starts one with `self.adopt` stops it when it stops.
 *
 * Original: `ManagedProcess(name, terminate_timeout, kill_timeout)` with `start`,
 * `watch_stream`, `follow_output`, `wait`, `poll`, `stop`, `running`, `pid`,
 * `returncode`, and `start_process(name, argv, owner)`.
 *
 * ```ts
 * const Tunnel = Service.layer(TunnelService, (self) =>
 *   Effect.gen(function*() {
 *     const tunnel = yield* self.adopt(ManagedProcess.start("tunnel", "ssh", ["-N", "host"], {
 *       restart: ManagedProcess.restartPolicy({ times: 10 })
 *     }))
 *     yield* tunnel.followOutput({ stderr: (line) => Effect.logWarning(line) })
 *   }))
 * ```
 *
 * Requires `ChildProcessSpawner` (from `NodeServices.layer`).
 *
 * @since 0.1.0
 */
import { Cause, Data, Duration, Effect, type Fiber, Option, type PlatformError, Schedule, type Scope, type Stream } from "effect"
import type { ChildProcessSpawner } from "effect/process"
import * as Bus from "./Bus.ts"
import * as internal from "./internal/managedProcess.ts"
import { backoff } from "./internal/watcher.ts"

/**
 * One of the process's output streams.
 *
 * @since 0.1.0
 * @category models
 */
export type StreamName = "stdout" | "stderr"

/**
 * How a process ended: its exit `code`, or the `signal` that killed it (`code` is
 * then `null`), like Node's `exit` event. Original: `returncode` (lost after stop).
 *
 * @since 0.1.0
 * @category models
 */
export interface ProcessExit {
  readonly code: number | null
  readonly signal: string | null
}

/**
 * Options of `start`.
 *
 * - `cwd`, `env`: the working directory and environment variables; `env` extends
 *   the parent's environment unless `extendEnv: false` (a variable set to
 *   `undefined` is removed).
 * - `terminateTimeout`: how long `stop` waits after SIGTERM before SIGKILL (default
 *   5 s). Original: `terminate_timeout`.
 * - `killTimeout`: how long, after the process is gone, its output may take to
 *   drain before the readers are cut off (default 1 s). Original: `kill_timeout`.
 * - `restart`: a `Schedule` (input: the `ProcessExit`) giving the delay before each
 *   restart after the process exits or crashes; the process stays down when it
 *   ends. `true` is `restartPolicy()`. Default `false`: no restart.
 * - `resetAfter`: a run at least this long resets the restart schedule (default 10 s).
 * - `replay`: lines (and byte chunks) kept for handlers and streams that subscribe
 *   later (default 0).
 * - `capacity`: lines held per slow handler before the oldest is dropped (default 16 384).
 * - `publishLines`: also publish every line as a `Line` bus event (default `false`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly cwd?: string | undefined
  readonly env?: Record<string, string | undefined> | undefined
  readonly extendEnv?: boolean | undefined
  readonly terminateTimeout?: Duration.Input | undefined
  readonly killTimeout?: Duration.Input | undefined
  readonly restart?: boolean | Schedule.Schedule<unknown, ProcessExit> | undefined
  readonly resetAfter?: Duration.Input | undefined
  readonly replay?: number | undefined
  readonly capacity?: number | undefined
  readonly publishLines?: boolean | undefined
}

/**
 * Options of `watchStream` and `watchBytes`. Original: `watch_stream(…, label)`.
 *
 * @since 0.1.0
 * @category models
 */
export interface WatchOptions {
  /** The name of the handler in logs (default `<stream> reader`). */
  readonly label?: string | undefined
}

/**
 * A snapshot of a process: its command line, whether it runs, its pid (while it
 * runs), how often it was restarted, its last exit (kept after stop), how long the
 * current run has lasted, and how many output handlers are attached.
 *
 * @since 0.1.0
 * @category models
 */
export interface Health {
  readonly name: string
  readonly command: string
  readonly running: boolean
  readonly pid: Option.Option<number>
  readonly restarts: number
  readonly exit: Option.Option<ProcessExit>
  readonly uptimeMs: number
  readonly handlers: number
}

/**
 * A supervised child process.
 *
 * @since 0.1.0
 * @category models
 */
export interface ManagedProcess {
  readonly name: string
  /** The pid while the process runs. Original: `pid`. */
  readonly pid: Effect.Effect<Option.Option<number>>
  /** Whether the process runs now (between restarts it does not). Original: `running`. */
  readonly running: Effect.Effect<boolean>
  /** How the process last exited, kept after it is stopped. Original: `poll()`, `returncode`. */
  readonly exit: Effect.Effect<Option.Option<ProcessExit>>
  /** Waits for the running process to exit (the last exit when none runs). Original: `wait()`. */
  readonly awaitExit: Effect.Effect<ProcessExit>
  /** Lines of stdout (without their line ending) from now until the process is stopped, across restarts. */
  readonly stdout: Stream.Stream<string>
  /** Lines of stderr, like `stdout`. */
  readonly stderr: Stream.Stream<string>
  /** The raw bytes of stdout, as read. */
  readonly stdoutBytes: Stream.Stream<Uint8Array>
  /** The raw bytes of stderr, as read. */
  readonly stderrBytes: Stream.Stream<Uint8Array>
  /**
   * Runs `handler` for every line of `stream` on a fiber of the calling scope, until
   * the scope closes or the process is stopped; returns that fiber. A failing handler
   * is logged with its label and gets the next line (the original's reader died,
   * weakness 28a); it never slows the reading. Original: `watch_stream(stream, handler, label)`.
   */
  readonly watchStream: <X, R>(
    stream: StreamName,
    handler: (line: string) => Effect.Effect<void, X, R>,
    options?: WatchOptions
  ) => Effect.Effect<Fiber.Fiber<void>, never, Scope.Scope | R>
  /**
   * `watchStream` for raw bytes, in chunks of at most `chunkSize` bytes when given.
   * Original: `watch_stream(stream, handler, chunk_size)`.
   */
  readonly watchBytes: <X, R>(
    stream: StreamName,
    handler: (chunk: Uint8Array) => Effect.Effect<void, X, R>,
    options?: WatchOptions & { readonly chunkSize?: number | undefined }
  ) => Effect.Effect<Fiber.Fiber<void>, never, Scope.Scope | R>
  /**
   * `watchStream` on stdout and/or stderr; returns one fiber per handler given.
   * Original: `follow_output(stdout_handler, stderr_handler, stdout_label, stderr_label)`.
   */
  readonly followOutput: <X1 = never, R1 = never, X2 = never, R2 = never>(handlers: {
    readonly stdout?: ((line: string) => Effect.Effect<void, X1, R1>) | undefined
    readonly stderr?: ((line: string) => Effect.Effect<void, X2, R2>) | undefined
    readonly stdoutLabel?: string | undefined
    readonly stderrLabel?: string | undefined
  }) => Effect.Effect<ReadonlyArray<Fiber.Fiber<void>>, never, Scope.Scope | R1 | R2>
  readonly health: Effect.Effect<Health>
  /**
   * Stops the process and its supervision: SIGTERM to its process group, up to
   * `terminateTimeout` for it to exit, then SIGKILL; then the output drains (up to
   * `killTimeout`) and reaches the handlers, the output streams end and the exit is
   * kept. Idempotent; concurrent calls wait for the same stop. From inside an output
   * handler it returns at once (the stop goes on). Closing the owning scope does the
   * same. Original: `stop()`, which cut the readers first and dropped the exit code.
   */
  readonly stop: Effect.Effect<void>
  /** `stop` with another grace period than `terminateTimeout`. Original: `stop(timeout)`. */
  readonly stopWith: (timeout: Duration.Input) => Effect.Effect<void>
}

/**
 * The process could not be spawned (for example, the executable does not exist).
 *
 * @since 0.1.0
 * @category errors
 */
export class ProcessSpawnError extends Data.TaggedError("ProcessSpawnError")<{
  readonly process: string
  readonly command: string
  readonly cause: Cause.Cause<PlatformError.PlatformError>
}> {
  override get message(): string {
    return `process '${this.process}' could not start '${this.command}': ${Cause.pretty(this.cause)}`
  }
}

/**
 * Published when the process starts (`restarts` is 0 for the first start).
 *
 * @since 0.1.0
 * @category events
 */
export const Started = Bus.event<{ readonly process: string; readonly pid: number; readonly restarts: number }>(
  "process:started"
)

/**
 * Published for every output line, when the process has `publishLines: true`.
 *
 * @since 0.1.0
 * @category events
 */
export const Line = Bus.event<{ readonly process: string; readonly stream: StreamName; readonly line: string }>(
  "process:line"
)

/**
 * Published every time the process exits, however it exits.
 *
 * @since 0.1.0
 * @category events
 */
export const Exited = Bus.event<{ readonly process: string; readonly pid: number; readonly exit: ProcessExit }>(
  "process:exited"
)

/**
 * Published when the process exits with a non-zero code or by a signal it was not
 * sent by `stop`, and when a restart cannot spawn it (`exit` is then `null`).
 *
 * @since 0.1.0
 * @category events
 */
export const Failed = Bus.event<{ readonly process: string; readonly reason: string; readonly exit: ProcessExit | null }>(
  "process:failed"
)

/**
 * Published when the process has been started again, with the restart count and
 * the delay the restart schedule gave.
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
 * Published once when the process is down for good: stopped, or exited with no
 * restart left. `exit` is its last exit.
 *
 * @since 0.1.0
 * @category events
 */
export const Stopped = Bus.event<{ readonly process: string; readonly exit: ProcessExit | null }>("process:stopped")

/**
 * A restart schedule: `base` (default 1 s), doubling per restart, capped at `max`
 * (default 30 s), for at most `times` restarts in a row (default 10; the count
 * starts over after a run of `resetAfter`).
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

/**
 * Spawns `command` with `args` and supervises it until the calling scope closes
 * (or `stop`). Returns once the process has spawned. Output is read from the
 * start: attach handlers right after `start`, or set `replay`, to see the first lines.
 *
 * Fails with `ProcessSpawnError` when the process cannot be spawned.
 * Original: `ManagedProcess(name).start(argv, owner)`, `start_process(name, argv, owner)`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const start = (
  name: string,
  command: string,
  args: ReadonlyArray<string> = [],
  options?: Options
): Effect.Effect<ManagedProcess, ProcessSpawnError, Scope.Scope | ChildProcessSpawner.ChildProcessSpawner> =>
  Effect.flatMap(Effect.serviceOption(Bus.Bus), (bus) => {
    const emit = <P>(event: Bus.Event<P>, payload: P) => Option.isSome(bus) ? bus.value.emit(event, payload) : Effect.void
    return internal.start(
      {
        name,
        command,
        args,
        cwd: options?.cwd,
        env: options?.env,
        extendEnv: options?.extendEnv ?? true,
        terminateTimeout: Duration.fromInputUnsafe(options?.terminateTimeout ?? "5 seconds"),
        killTimeout: Duration.fromInputUnsafe(options?.killTimeout ?? "1 second"),
        restart: options?.restart === true ? restartPolicy() : options?.restart === false ? undefined : options?.restart,
        resetAfter: Duration.fromInputUnsafe(options?.resetAfter ?? "10 seconds"),
        replay: options?.replay ?? 0,
        capacity: options?.capacity ?? 16_384
      },
      {
        started: (pid, restarts) => emit(Started, { process: name, pid, restarts }),
        line: options?.publishLines === true ? (stream, line) => emit(Line, { process: name, stream, line }) : undefined,
        exited: (pid, exit) => emit(Exited, { process: name, pid, exit }),
        failed: (reason, exit) => emit(Failed, { process: name, reason, exit }),
        restarted: (pid, restarts, delay) => emit(Restarted, { process: name, pid, restarts, delay }),
        stopped: (exit) => emit(Stopped, { process: name, exit })
      },
      (cause) => new ProcessSpawnError({ process: name, command: [command, ...args].join(" "), cause })
    )
  })
