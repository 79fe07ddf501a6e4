/**
 * The ManagedProcess runtime. One supervisor fiber owns the child process: it waits
 * for the process to exit (or for a stop request, and then terminates it), lets
 * the readers drain what the process wrote, closes the process's scope, records
 * the exit, and restarts per the restart schedule. Nothing else touches the
 * process, so a stop and an exit can never race.
 *
 * Every run has its own `Scope` holding the spawned process (Effect's spawner
 * signals the whole process group when it closes) and two reader fibers that turn
 * stdout and stderr into bytes and lines on `Hub`s, which outlive the run: a
 * subscriber follows the output across restarts, until the process is stopped.
 *
 * @internal
 */
import { Cause, Clock, Deferred, Duration, Effect, Exit, Fiber, Option, type PlatformError, type Schedule, Scope, Stream } from "effect"
import { ChildProcess, ChildProcessSpawner } from "effect/process"
import type { Health, ManagedProcess, ProcessExit, ProcessSpawnError, StreamName } from "../ManagedProcess.ts"
import { Backoff, consume, errorMessage, Hub } from "./watcher.ts"
import { catchFailure, logFailure } from "./failure.ts"

export interface Config {
  readonly name: string
  readonly command: string
  readonly args: ReadonlyArray<string>
  readonly cwd: string | undefined
  readonly env: Record<string, string | undefined> | undefined
  readonly extendEnv: boolean
  readonly terminateTimeout: Duration.Duration
  readonly killTimeout: Duration.Duration
  readonly restart: Schedule.Schedule<unknown, ProcessExit> | undefined
  readonly resetAfter: Duration.Duration
  readonly replay: number
  readonly capacity: number
}

/** What the process reports as it goes (the public module turns these into bus events). */
export interface Notify {
  readonly started: (pid: number, restarts: number) => Effect.Effect<void>
  readonly line: ((stream: StreamName, line: string) => Effect.Effect<void>) | undefined
  readonly exited: (pid: number, exit: ProcessExit) => Effect.Effect<void>
  readonly failed: (reason: string, exit: ProcessExit | null) => Effect.Effect<void>
  readonly restarted: (pid: number, restarts: number, delay: Duration.Duration) => Effect.Effect<void>
  readonly stopped: (exit: ProcessExit | null) => Effect.Effect<void>
}

interface Run {
  readonly handle: ChildProcessSpawner.ChildProcessHandle
  readonly scope: Scope.Closeable
  readonly readers: ReadonlyArray<Fiber.Fiber<void>>
  readonly startedAt: number
}

interface Output {
  readonly lines: Hub<string>
  readonly bytes: Hub<Uint8Array>
}

export const describeExit = (exit: ProcessExit): string =>
  exit.code !== null ? `exited with code ${exit.code}` : `killed by ${exit.signal ?? "a signal"}`

// The spawner reports a death by signal as a failure of `exitCode` whose cause says
// "Process interrupted due to receipt of signal: 'SIGKILL'"; the signal is read from it.
const signalOf = (error: PlatformError.PlatformError): string | null => {
  const cause = (error as { readonly cause?: unknown }).cause
  const text = cause instanceof Error ? cause.message : error.message
  return /signal:? '?([A-Z0-9]+)'?/.exec(text)?.[1] ?? null
}

const exitOf = (handle: ChildProcessSpawner.ChildProcessHandle): Effect.Effect<ProcessExit> =>
  Effect.match(handle.exitCode, {
    onSuccess: (code): ProcessExit => ({ code, signal: null }),
    onFailure: (error): ProcessExit => ({ code: null, signal: signalOf(error) })
  })

const chunksOf = (chunk: Uint8Array, size: number): Array<Uint8Array> => {
  const out: Array<Uint8Array> = []
  for (let i = 0; i < chunk.length; i += size) out.push(chunk.subarray(i, i + size))
  return out
}

export const start = (
  config: Config,
  notify: Notify,
  spawnError: (cause: Cause.Cause<PlatformError.PlatformError>) => ProcessSpawnError
): Effect.Effect<ManagedProcess, ProcessSpawnError, Scope.Scope | ChildProcessSpawner.ChildProcessSpawner> =>
  Effect.gen(function*() {
    const { name } = config
    const spawner = yield* ChildProcessSpawner.ChildProcessSpawner
    const parent = yield* Effect.scope
    const command = ChildProcess.make(config.command, config.args, {
      cwd: config.cwd,
      env: config.env,
      extendEnv: config.extendEnv,
      killSignal: "SIGTERM",
      forceKillAfter: config.terminateTimeout
    })
    const output: Record<StreamName, Output> = {
      stdout: { lines: new Hub(config.capacity, config.replay), bytes: new Hub(config.capacity, config.replay) },
      stderr: { lines: new Hub(config.capacity, config.replay), bytes: new Hub(config.capacity, config.replay) }
    }
    const handlers = new Set<Fiber.Fiber<unknown, unknown>>()
    const restart = config.restart === undefined ? undefined : new Backoff(config.restart)
    const stopSignal = yield* Deferred.make<void>()
    const done = yield* Deferred.make<void>()
    let grace = config.terminateTimeout
    let stopRequested = false
    let current: Run | undefined
    let lastExit: ProcessExit | undefined
    let restarts = 0

    const reader = (stream: StreamName, bytes: Stream.Stream<Uint8Array, PlatformError.PlatformError>) =>
      bytes.pipe(
        Stream.tap((chunk) => Effect.sync(() => output[stream].bytes.publish(chunk))),
        Stream.decodeText,
        Stream.splitLines,
        Stream.runForEach((line) => {
          output[stream].lines.publish(line)
          return notify.line === undefined ? Effect.void : notify.line(stream, line)
        }),
        logFailure(`process '${name}': reading ${stream}`, "Warn")
      )

    const spawn: Effect.Effect<Run, ProcessSpawnError> = Effect.gen(function*() {
      const scope = yield* Scope.make()
      const handle = yield* spawner.spawn(command).pipe(
        Scope.provide(scope),
        Effect.onError((cause) => Scope.close(scope, Exit.failCause(cause))),
        (spawned) => catchFailure(spawned, (cause) => Effect.fail(spawnError(cause as Cause.Cause<PlatformError.PlatformError>)))
      )
      const readers = [
        yield* Effect.forkDetach(reader("stdout", handle.stdout)),
        yield* Effect.forkDetach(reader("stderr", handle.stderr))
      ]
      const startedAt = yield* Clock.currentTimeMillis
      yield* Effect.logDebug(`process '${name}' started (pid ${handle.pid})`)
      return { handle, scope, readers, startedAt }
    })

    /**
     * Waits for `run` to exit — terminating it first if a stop is requested — then
     * lets its readers drain and closes its scope. Returns how it exited.
     */
    const finishRun = (run: Run): Effect.Effect<ProcessExit> =>
      Effect.gen(function*() {
        const exited = yield* Effect.raceFirst(
          Effect.map(exitOf(run.handle), () => true),
          Effect.as(Deferred.await(stopSignal), false)
        )
        if (!exited) {
          // SIGTERM to the process group, up to `grace` for it to go, then SIGKILL.
          yield* Effect.ignore(run.handle.kill({ killSignal: "SIGTERM", forceKillAfter: grace }))
          // The group is gone: unref tells the spawner's finalizer not to signal it again.
          yield* Effect.ignore(run.handle.unref)
        }
        const exit = yield* exitOf(run.handle)
        // Closing the scope signals what is left of the group (a grandchild holding the pipes).
        yield* Scope.close(run.scope, Exit.void)
        // Drain: the readers end at end-of-file, with every trailing line delivered.
        const drained = yield* Effect.timeoutOption(Fiber.awaitAll(run.readers), config.killTimeout)
        if (Option.isNone(drained)) {
          yield* Effect.logWarning(`process '${name}': output still open ${Duration.format(config.killTimeout)} after exit`)
          yield* Fiber.interruptAll(run.readers)
        }
        return exit
      })

    /** After `exit`, waits the restart delay and spawns again; `undefined` when the policy or a stop says no. */
    const respawn = (exit: ProcessExit): Effect.Effect<Run | undefined> =>
      Effect.gen(function*() {
        if (restart === undefined) return undefined
        while (true) {
          const delay = yield* restart.next(exit)
          if (Option.isNone(delay)) return undefined
          const stopped = yield* Effect.raceFirst(
            Effect.as(Effect.sleep(delay.value), false),
            Effect.as(Deferred.await(stopSignal), true)
          )
          if (stopped) return undefined
          const spawned = yield* Effect.exit(spawn)
          if (Exit.isSuccess(spawned)) {
            const run = spawned.value
            restarts++
            yield* notify.restarted(run.handle.pid, restarts, delay.value)
            yield* notify.started(run.handle.pid, restarts)
            return run
          }
          yield* Effect.logWarning(`process '${name}': restart failed`, spawned.cause)
          yield* notify.failed(`restart failed: ${errorMessage(spawned.cause)}`, null)
        }
      })

    const supervise = (first: Run): Effect.Effect<void> =>
      Effect.gen(function*() {
        let run: Run | undefined = first
        while (run !== undefined) {
          current = run
          const exit: ProcessExit = yield* finishRun(run)
          current = undefined
          lastExit = exit
          yield* notify.exited(run.handle.pid, exit)
          if (stopRequested) break
          if (exit.code !== 0) {
            yield* Effect.logWarning(`process '${name}' ${describeExit(exit)}`)
            yield* notify.failed(describeExit(exit), exit)
          }
          const now = yield* Clock.currentTimeMillis
          // A run that lasted `resetAfter` was a success: the restart schedule starts over.
          if (now - run.startedAt >= Duration.toMillis(config.resetAfter)) restart?.reset()
          run = yield* respawn(exit)
        }
      }).pipe(
        // Only an interruption of the whole runtime gets here with a live run: its scope
        // then terminates the process group the spawner's way.
        Effect.onInterrupt(() => current === undefined ? Effect.void : Scope.close(current.scope, Exit.void)),
        Effect.ensuring(Effect.gen(function*() {
          output.stdout.lines.end()
          output.stdout.bytes.end()
          output.stderr.lines.end()
          output.stderr.bytes.end()
          // The handlers get every line read before the stop returns (a stuck one is
          // waited for at most `killTimeout`, and keeps running in its own scope).
          yield* Effect.timeoutOption(Fiber.awaitAll([...handlers]), config.killTimeout)
          yield* notify.stopped(lastExit ?? null)
          yield* Deferred.succeed(done, undefined)
        }))
      )

    const stopWith = (timeout: Duration.Input): Effect.Effect<void> =>
      Effect.suspend(() => {
        if (!stopRequested) {
          stopRequested = true
          grace = Duration.fromInputUnsafe(timeout)
          Deferred.doneUnsafe(stopSignal, Exit.void)
        }
        // An output handler does not wait: the stop waits for the handlers.
        const current = Fiber.getCurrent()
        return current !== undefined && handlers.has(current) ? Effect.void : Deferred.await(done)
      })

    const first = yield* spawn
    current = first
    yield* notify.started(first.handle.pid, 0)
    yield* Effect.forkDetach(Effect.annotateLogs(supervise(first), { process: name }))
    yield* Scope.addFinalizer(parent, stopWith(config.terminateTimeout))

    const watch = <A, X, R>(
      hub: Hub<A>,
      handler: (value: A) => Effect.Effect<void, X, R>,
      label: string
    ): Effect.Effect<Fiber.Fiber<void>, never, Scope.Scope | R> =>
      Effect.flatMap(hub.subscribe(true), (queue) => consume(queue, handler, `process '${name}': ${label}`, handlers))

    const watchStream: ManagedProcess["watchStream"] = (stream, handler, options) =>
      watch(output[stream].lines, handler, options?.label ?? `${stream} reader`)

    const running = Effect.suspend(() =>
      current === undefined ? Effect.succeed(false) : Effect.orElseSucceed(current.handle.isRunning, () => false)
    )
    const pid = Effect.map(running, (alive) => alive && current !== undefined ? Option.some<number>(current.handle.pid) : Option.none())
    // The run that just exited is still `current` until its output has drained.
    const exit = Effect.suspend(() => {
      const run = current
      if (run === undefined) return Effect.succeed(Option.fromNullishOr(lastExit))
      return Effect.flatMap(running, (alive) =>
        alive ? Effect.succeed(Option.fromNullishOr(lastExit)) : Effect.map(exitOf(run.handle), Option.some))
    })

    const health: Effect.Effect<Health> = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const alive = yield* running
      return {
        name,
        command: [config.command, ...config.args].join(" "),
        running: alive,
        pid: alive && current !== undefined ? Option.some(current.handle.pid) : Option.none(),
        restarts,
        exit: yield* exit,
        uptimeMs: alive && current !== undefined ? now - current.startedAt : 0,
        handlers: handlers.size
      }
    })

    return {
      name,
      pid,
      running,
      exit,
      awaitExit: Effect.suspend(() =>
        current !== undefined ? exitOf(current.handle) : Effect.succeed(lastExit ?? { code: null, signal: null })
      ),
      stdout: output.stdout.lines.stream(true),
      stderr: output.stderr.lines.stream(true),
      stdoutBytes: output.stdout.bytes.stream(true),
      stderrBytes: output.stderr.bytes.stream(true),
      watchStream,
      watchBytes: (stream, handler, options) => {
        const size = options?.chunkSize
        return watch(
          output[stream].bytes,
          size === undefined ? handler : (chunk: Uint8Array) => Effect.forEach(chunksOf(chunk, size), handler, { discard: true }),
          options?.label ?? `${stream} reader`
        )
      },
      followOutput: (handlers) =>
        Effect.gen(function*() {
          const fibers: Array<Fiber.Fiber<void>> = []
          if (handlers.stdout !== undefined) fibers.push(yield* watchStream("stdout", handlers.stdout, { label: handlers.stdoutLabel ?? "stdout" }))
          if (handlers.stderr !== undefined) fibers.push(yield* watchStream("stderr", handlers.stderr, { label: handlers.stderrLabel ?? "stderr" }))
          return fibers
        }),
      health,
      stop: stopWith(config.terminateTimeout),
      stopWith
    } satisfies ManagedProcess
  })
