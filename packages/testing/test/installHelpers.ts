/**
 * What the packaging test needs to act as a new user: temporary directories outside
 * the repository, commands run there with an environment that carries nothing of the
 * repository (no `npm_*` variables, no source export condition, no repository tools on
 * PATH), and an app started as a real process.
 */
import { Effect, type Scope } from "effect"
import { execFile, spawn } from "node:child_process"
import { mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { delimiter, dirname, join, relative } from "node:path"
import { fileURLToPath } from "node:url"

/** The repository's root directory. */
export const repository = realpathSync(fileURLToPath(new URL("../../..", import.meta.url)))

/** The repository's Node 24 binary (the `node` devDependency); the machine's own Node is too old. */
export const node = realpathSync(join(repository, "node_modules/.bin/node"))

/** True when `path` is not inside the repository. */
export const outside = (path: string): boolean => relative(repository, path).startsWith("..")

/**
 * The environment of a process run as a new user: this one's, without npm's and
 * vitest's variables and `NODE_OPTIONS`, with the repository's Node first on PATH and
 * no other PATH entry inside the repository.
 */
export const userEnv = (extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(npm_|VITEST|NODE_OPTIONS$|NODE_ENV$|INIT_CWD$|TEST$)/i.test(key)) env[key] = value
  }
  const path = (process.env["PATH"] ?? "").split(delimiter).filter((entry) => entry !== "" && outside(entry))
  return { ...env, PATH: [dirname(node), ...path].join(delimiter), ...extra }
}

/** A new directory under the system's temporary directory, removed with the scope. */
export const tempDirectory = (prefix: string): Effect.Effect<string, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => realpathSync(mkdtempSync(join(tmpdir(), prefix)))),
    (directory) => Effect.sync(() => rmSync(directory, { recursive: true, force: true }))
  )

/** How a command ended: its exit code (null when a signal ended it) and its stdout and stderr together. */
export interface Ran {
  readonly code: number | null
  readonly output: string
}

/** Runs `command` in `cwd` as a new user would, for at most `timeoutMs`; never fails. */
export const run = (
  command: string,
  args: ReadonlyArray<string>,
  options: { readonly cwd: string; readonly timeoutMs?: number; readonly env?: Readonly<Record<string, string>> }
): Effect.Effect<Ran> =>
  Effect.callback<Ran>((resume) => {
    const child = execFile(
      command,
      [...args],
      { cwd: options.cwd, env: userEnv(options.env), timeout: options.timeoutMs ?? 240_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) =>
        resume(Effect.succeed({ code: error === null ? 0 : typeof error.code === "number" ? error.code : null, output: `${stdout}${stderr}` }))
    )
    return Effect.sync(() => child.kill("SIGKILL"))
  })

/** npm's flags for an install that takes what it can from the cache and says nothing extra. */
export const quietInstall = ["--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"] as const

/** A file of a tarball, as text (`tar -xzO`). */
export const readFromTarball = (tarball: string, file: string): Effect.Effect<string> =>
  Effect.map(run("tar", ["-xzOf", tarball, `package/${file}`], { cwd: dirname(tarball) }), ({ output }) => output)

/** The paths in a tarball, without the leading `package/`. */
export const tarballFiles = (tarball: string): Effect.Effect<ReadonlyArray<string>> =>
  Effect.map(run("tar", ["-tzf", tarball], { cwd: dirname(tarball) }), ({ output }) =>
    output.split("\n").filter((line) => line !== "").map((line) => line.replace(/^package\//, "")))

/** The version of `name` that the repository's lockfile installs. */
export const lockedVersion = (name: string): string => {
  const lock = JSON.parse(readFileSync(join(repository, "package-lock.json"), "utf8"))
  return lock.packages[`node_modules/${name}`].version
}

/** A started app: the port it listens on, what it has written so far, and its end. */
export interface Started {
  readonly port: number
  readonly log: () => string
  readonly exited: Effect.Effect<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>
  readonly signal: (signal: NodeJS.Signals) => Effect.Effect<void>
}

/**
 * Starts `node <args>` in `cwd` as a new user would, on a free port of 127.0.0.1,
 * and succeeds once it logs its address. Dies when it exits first or does not listen
 * within 60 seconds. Closing the scope SIGKILLs it if it still runs.
 */
export const start = (cwd: string, args: ReadonlyArray<string>): Effect.Effect<Started, never, Scope.Scope> =>
  Effect.gen(function*() {
    const child = yield* Effect.acquireRelease(
      Effect.sync(() => spawn(node, [...args], { cwd, env: userEnv({ PORT: "0", HOST: "127.0.0.1" }), stdio: ["ignore", "pipe", "pipe"] })),
      (child) => Effect.sync(() => child.exitCode === null && child.signalCode === null && child.kill("SIGKILL"))
    )
    let log = ""
    const exited = Effect.callback<{ code: number | null; signal: NodeJS.Signals | null }>((resume) => {
      if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.succeed({ code: child.exitCode, signal: child.signalCode }))
      child.once("exit", (code, signal) => resume(Effect.succeed({ code, signal })))
    })
    const port = yield* Effect.callback<number>((resume) => {
      const read = (chunk: Buffer) => {
        log += String(chunk)
        const match = /Listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(log)
        if (match !== null) resume(Effect.succeed(Number(match[1])))
      }
      child.stdout.on("data", read)
      child.stderr.on("data", read)
      child.once("exit", () => resume(Effect.die(new Error(`the app exited before listening:\n${log}`))))
    }).pipe(Effect.timeoutOrElse({ duration: "60 seconds", orElse: () => Effect.die(new Error(`the app did not listen:\n${log}`)) }))
    return { port, log: () => log, exited, signal: (signal) => Effect.sync(() => void child.kill(signal)) }
  })
