/**
 * One run of a child process. The spawner's handle lives in the caller's scope;
 * one fiber (in a `FiberSet` of that scope) reads stdout and stderr into their
 * `Output`s, records the exit, lets the output drain, ends the outputs and reports.
 *
 * Teardown is the scope's finalizers, last registered first: mark the stop as
 * requested, the spawner's own (SIGTERM to the process group, SIGKILL after
 * `terminateTimeout`), wait for the run fiber (it drains the output for at most
 * `killTimeout` after the exit), then interrupt whatever is left.
 *
 * @internal
 */
import { Deferred, Duration, Effect, Fiber, FiberSet, Metric, Option, type PlatformError, type Scope, Stream } from "effect"
import { ChildProcess, ChildProcessSpawner } from "effect/process"
import type { ManagedProcess, ProcessExit, ProcessSpawnError, StreamName } from "../ManagedProcess.ts"
import { logFailure } from "./failure.ts"
import { Output } from "./processOutput.ts"

export interface Config {
  readonly name: string
  readonly command: string
  readonly args: ReadonlyArray<string>
  readonly cwd: string | undefined
  readonly env: Record<string, string | undefined> | undefined
  readonly extendEnv: boolean
  readonly terminateTimeout: Duration.Duration
  readonly killTimeout: Duration.Duration
  readonly replay: number
  readonly capacity: number
}

/** What a run reports (the public module turns these into bus events). */
export interface Notify {
  readonly line: ((stream: StreamName, line: string) => void) | undefined
  /** After the exit and the drain; `requested` when the scope's close caused the exit. */
  readonly ended: (pid: number, exit: ProcessExit, requested: boolean) => Effect.Effect<void>
}

/** The line outputs of a supervisor, fed by every run besides the run's own. */
export interface Shared {
  readonly stdout: Output<string>
  readonly stderr: Output<string>
}

export const describeExit = (exit: ProcessExit): string =>
  exit._tag === "Exited" ? `exited with code ${exit.code}` : `killed (${exit.message})`

/**
 * The spawner reports a death by signal only as a failure of `exitCode`, whose
 * cause is an `Error` naming the signal; its text is kept as it is.
 */
const exitOf = (handle: ChildProcessSpawner.ChildProcessHandle): Effect.Effect<ProcessExit> =>
  Effect.match(handle.exitCode, {
    onSuccess: (code): ProcessExit => ({ _tag: "Exited", code }),
    onFailure: (error): ProcessExit => {
      const cause = error.reason.cause
      return { _tag: "Killed", message: cause instanceof Error ? cause.message : error.message }
    }
  })

interface Outputs {
  readonly stdout: Output<string>
  readonly stderr: Output<string>
  readonly stdoutBytes: Output<Uint8Array>
  readonly stderrBytes: Output<Uint8Array>
}

const output = <A>(config: Config, dropped: Metric.Counter<number>, name: string) =>
  Output.make<A>(config, Metric.withAttributes(dropped, { process: config.name, output: name }))

const outputs = (config: Config, dropped: Metric.Counter<number>): Effect.Effect<Outputs> =>
  Effect.all({
    stdout: output<string>(config, dropped, "stdout"),
    stderr: output<string>(config, dropped, "stderr"),
    stdoutBytes: output<Uint8Array>(config, dropped, "stdoutBytes"),
    stderrBytes: output<Uint8Array>(config, dropped, "stderrBytes")
  })

/** The line outputs of a supervisor (their drops count with the runs' own). */
export const sharedOutputs = (config: Config, dropped: Metric.Counter<number>): Effect.Effect<Shared> =>
  Effect.all({ stdout: output<string>(config, dropped, "stdout"), stderr: output<string>(config, dropped, "stderr") })

/**
 * Reads one output of the process to its end into the run's byte and line
 * outputs (and the supervisor's line output), then ends the run's.
 */
const read = (
  stream: StreamName,
  source: Stream.Stream<Uint8Array, PlatformError.PlatformError>,
  bytes: Output<Uint8Array>,
  lines: Output<string>,
  shared: Output<string> | undefined,
  notify: Notify
) =>
  source.pipe(
    Stream.mapArrayEffect((chunks) => Effect.as(bytes.publishAll(chunks), chunks)),
    Stream.decodeText,
    Stream.splitLines,
    Stream.runForEachArray((batch) => {
      if (notify.line !== undefined) for (const line of batch) notify.line(stream, line)
      return shared === undefined ? lines.publishAll(batch) : Effect.andThen(lines.publishAll(batch), shared.publishAll(batch))
    }),
    logFailure(`reading ${stream}`, "Warn"),
    Effect.ensuring(Effect.andThen(bytes.end, lines.end))
  )

/** The run fiber: read, record the exit, drain (for at most `killTimeout` after it), report. */
const watch = (
  config: Config,
  handle: ChildProcessSpawner.ChildProcessHandle,
  own: Outputs,
  shared: Shared | undefined,
  exit: Deferred.Deferred<ProcessExit>,
  requested: () => boolean,
  notify: Notify
) =>
  Effect.gen(function*() {
    const readers = yield* Effect.forkChild(Effect.all([
      read("stdout", handle.stdout, own.stdoutBytes, own.stdout, shared?.stdout, notify),
      read("stderr", handle.stderr, own.stderrBytes, own.stderr, shared?.stderr, notify)
    ], { concurrency: 2, discard: true }), { startImmediately: true })
    const result = yield* exitOf(handle)
    const stopped = requested()
    yield* Deferred.succeed(exit, result)
    const drained = yield* Effect.timeoutOption(Fiber.await(readers), config.killTimeout)
    if (Option.isNone(drained)) {
      yield* Effect.logWarning(`output still open ${Duration.format(config.killTimeout)} after the exit; no longer read`)
      yield* Fiber.interrupt(readers)
    }
    yield* notify.ended(handle.pid, result, stopped)
  }).pipe(
    // An interruption before the readers ran must still end the streams.
    Effect.ensuring(Effect.forEach([own.stdout, own.stderr, own.stdoutBytes, own.stderrBytes], (o) => o.end)),
    Effect.annotateLogs({ process: config.name })
  )

/**
 * Spawns one run in the calling scope. `shared` (a supervisor's outputs) also
 * receives every line; the run never ends it.
 */
export const make = (
  config: Config,
  notify: Notify,
  spawnError: (cause: PlatformError.PlatformError) => ProcessSpawnError,
  dropped: Metric.Counter<number>,
  shared?: Shared
): Effect.Effect<ManagedProcess, ProcessSpawnError, Scope.Scope | ChildProcessSpawner.ChildProcessSpawner> =>
  Effect.gen(function*() {
    const spawner = yield* ChildProcessSpawner.ChildProcessSpawner
    const own = yield* outputs(config, dropped)
    const exit = yield* Deferred.make<ProcessExit>()
    const work = yield* FiberSet.make<void>()
    yield* Effect.addFinalizer(() => FiberSet.awaitEmpty(work))
    const handle = yield* spawner.spawn(ChildProcess.make(config.command, config.args, {
      cwd: config.cwd,
      env: config.env,
      extendEnv: config.extendEnv,
      killSignal: "SIGTERM",
      forceKillAfter: config.terminateTimeout
    })).pipe(Effect.mapError(spawnError))
    let requested = false
    yield* Effect.addFinalizer(() => Effect.sync(() => void (requested = true)))
    yield* FiberSet.run(work, watch(config, handle, own, shared, exit, () => requested, notify))
    return {
      pid: handle.pid,
      stdout: own.stdout.stream,
      stderr: own.stderr.stream,
      stdoutBytes: own.stdoutBytes.stream,
      stderrBytes: own.stderrBytes.stream,
      exit: Deferred.await(exit),
      isRunning: Effect.orElseSucceed(handle.isRunning, () => false)
    } satisfies ManagedProcess
  })
