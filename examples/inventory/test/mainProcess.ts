/**
 * The example's `src/main.ts` as a real child process, for the tests whose subject
 * is the process: it listens on a free port (`PORT=0`), and `start` returns once it
 * has logged its address and `/health/ready` answers 200 (the address is logged
 * as soon as the health routes are served, before the application's own routes
 * exist). Closing the scope SIGKILLs it if it still runs.
 */
import { Effect, Schedule, type Scope } from "effect"
import { type ChildProcessByStdio, spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import type { Readable } from "node:stream"
import { fileURLToPath } from "node:url"

const main = fileURLToPath(new URL("../src/main.ts", import.meta.url))

/** How a process ended: its exit code, or the signal that ended it. */
export interface Exit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

/** A running server. */
export interface MainProcess {
  readonly child: ChildProcessByStdio<null, Readable, Readable>
  readonly port: number
  /** What it has written to stdout and stderr so far. */
  readonly log: () => string
  /** Waits for it to exit (at once when it already has). */
  readonly exited: Effect.Effect<Exit>
}

/** Waits (up to 10 s, then dies) until the server on `port` answers 200 at `/health/ready`. */
const ready = (port: number) =>
  Effect.tryPromise(() => fetch(`http://127.0.0.1:${port}/health/ready`)).pipe(
    Effect.flatMap((response) => (response.ok ? Effect.void : Effect.fail(new Error(`/health/ready answered ${response.status}`)))),
    Effect.retry({ schedule: Schedule.spaced("50 millis"), times: 200 }),
    Effect.orDie
  )

/**
 * Starts `src/main.ts` with the parent's environment plus `env` (and `PORT=0`);
 * succeeds once it listens. Dies when it exits before listening.
 */
export const start = (env: Readonly<Record<string, string>> = {}): Effect.Effect<MainProcess, never, Scope.Scope> =>
  Effect.gen(function*() {
    const child = yield* Effect.acquireRelease(
      Effect.sync(() =>
        spawn(process.execPath, [main], { env: { ...process.env, ...env, PORT: "0" }, stdio: ["ignore", "pipe", "pipe"] })
      ),
      (child) => Effect.sync(() => child.exitCode === null && child.signalCode === null && child.kill("SIGKILL"))
    )
    let log = ""
    child.stdout.on("data", (chunk) => void (log += String(chunk)))
    child.stderr.on("data", (chunk) => void (log += String(chunk)))
    const exit = new Promise<Exit>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })))
    const port = yield* Effect.callback<number>((resume) => {
      let listening = false
      const check = () => {
        const match = /Listening on http:\/\/\S+:(\d+)/.exec(log)
        if (match !== null) {
          listening = true
          child.stdout.off("data", check)
          resume(Effect.succeed(Number(match[1])))
        }
      }
      child.stdout.on("data", check)
      void exit.then((e) => {
        if (!listening) resume(Effect.die(new Error(`main.ts exited before listening (${e.code ?? e.signal}):\n${log}`)))
      })
    })
    yield* ready(port)
    return { child, port, log: () => log, exited: Effect.promise(() => exit) }
  })

/**
 * Runs `src/main.ts` with the parent's environment plus `env` until it exits by
 * itself (for a start that must fail); gives its exit and what it wrote.
 */
export const runToExit = (env: Readonly<Record<string, string>>): Effect.Effect<Exit & { readonly output: string }> =>
  Effect.callback((resume) => {
    const child = spawn(process.execPath, [main], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] })
    let output = ""
    child.stdout.on("data", (chunk) => void (output += String(chunk)))
    child.stderr.on("data", (chunk) => void (output += String(chunk)))
    child.once("exit", (code, signal) => resume(Effect.succeed({ code, signal, output })))
    return Effect.sync(() => child.kill("SIGKILL"))
  })

/**
 * The pid of the helper process the server supervises, read from the first line of
 * output the server pushes over its socket (`process:lines` or `process:line`).
 */
export const helperPid = (port: number): Effect.Effect<number> =>
  Effect.callback<number>((resume) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/ws`)
    socket.addEventListener("message", (message) => {
      const frame = JSON.parse(String(message.data))
      const lines: ReadonlyArray<{ readonly line: string }> = frame.event === "process:lines"
        ? frame.payload.lines
        : frame.event === "process:line"
        ? [frame.payload]
        : []
      const first = lines[0]
      if (first !== undefined) {
        socket.close()
        resume(Effect.succeed(JSON.parse(first.line).pid))
      }
    })
    return Effect.sync(() => socket.close())
  })

/** Whether `pid` is a live process (a zombie, exited but not yet reaped, is not). */
export const isRunning = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0] !== "Z"
  } catch {
    return true // no /proc (not Linux): signal 0 reached it
  }
}
