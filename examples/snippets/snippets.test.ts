/**
 * The README's code is real code: each ```ts block is one of the files here, which
 * the type-check covers, and the runnable ones run to completion and print exactly
 * what their `// => <output>` comments say, line by line, in order (log lines of
 * Effect's logger aside). Each run gets a fresh `SPECTER_DATA_DIR` in the system
 * temp directory, removed afterwards, so no snippet writes into the repository.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { execFile, spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url))
const readme = readFileSync(here("../../README.md"), "utf8")
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1])

/** The snippets in README order. */
const snippets = [
  "app.ts",
  "limits.ts",
  "service.ts",
  "queue-service.ts",
  "bus.ts",
  "registry.ts",
  "store.ts",
  "keyed-store.ts",
  "model.ts",
  "cache.ts",
  "persistence.ts",
  "watcher.ts",
  "managed-process.ts",
  "operation.ts",
  "routes.ts",
  "socket-api.ts",
  "observability.ts",
  "cluster.ts",
  "service.test.ts",
  "app.test.ts"
]

/**
 * `app.ts` serves until it is stopped (tested below); the `.test.ts` snippets are
 * tests this project runs as they are; every other snippet ends by itself.
 */
const runnable = snippets.filter((file) => file !== "app.ts" && !file.endsWith(".test.ts"))

/** What a snippet says it prints: its `// => <output>` comments, in order. */
const expectedOutput = (file: string): ReadonlyArray<string> =>
  [...readFileSync(here(file), "utf8").matchAll(/\/\/ => (.*)$/gm)].map((m) => m[1]!.trim())

const LOG_LINE = /^\[\d\d:\d\d:\d\d\.\d{3}\] [A-Z]+ \(#\d+\)/

/** What a snippet printed, without blank lines and Effect's log entries (a log line and its indented continuation). */
const printed = (output: string): ReadonlyArray<string> => {
  const out: Array<string> = []
  let inLog = false
  for (const line of output.split("\n")) {
    if (LOG_LINE.test(line)) inLog = true
    else if (!/^\s/.test(line)) inLog = false
    if (!inLog && line.trim().length > 0) out.push(line.trim())
  }
  return out
}

const tempDataDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "specter-snippet-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

const run = (file: string) =>
  Effect.gen(function*() {
    const dataDir = yield* tempDataDir
    return yield* Effect.callback<{ code: number | null; stdout: string; output: string }>((resume) => {
      execFile(
        process.execPath,
        [here(file)],
        { timeout: 20_000, env: { ...process.env, SPECTER_DATA_DIR: dataDir } },
        (error, stdout, stderr) =>
          resume(Effect.succeed({ code: error === null ? 0 : (error as { code?: number }).code ?? 1, stdout, output: stdout + stderr }))
      )
    })
  }).pipe(Effect.scoped)

describe("README", () => {
  it("every ts block of the README is a snippet file, verbatim", () => {
    const files = snippets.map((f) => readFileSync(here(f), "utf8"))
    assert.deepStrictEqual(blocks, files)
  })

  it.live("app.ts serves: a note is added over HTTP, a bad one is refused, and SIGTERM ends it", () =>
    Effect.gen(function*() {
      const dataDir = yield* tempDataDir
      const child = spawn(process.execPath, [here("app.ts")], {
        env: { ...process.env, PORT: "0", SPECTER_DATA_DIR: dataDir },
        stdio: ["ignore", "pipe", "pipe"]
      })
      let log = ""
      const port = yield* Effect.callback<number>((resume) => {
        const read = (chunk: Buffer) => {
          log += String(chunk)
          const match = /Listening on http:\/\/\S+:(\d+)/.exec(log)
          if (match !== null) resume(Effect.succeed(Number(match[1])))
        }
        child.stdout.on("data", read)
        child.stderr.on("data", read)
        child.on("exit", () => resume(Effect.die(new Error(`app.ts exited before listening:\n${log}`))))
      })
      const post = (body: string) =>
        Effect.promise(() =>
          fetch(`http://127.0.0.1:${port}/api/notes`, { method: "POST", headers: { "content-type": "application/json" }, body })
            .then((r) => r.status))
      assert.strictEqual(yield* post('{"text":"hello"}'), 201)
      assert.strictEqual(yield* post("{}"), 400)
      const exited = new Promise<number | null>((resolve) => child.on("exit", resolve))
      child.kill("SIGTERM")
      assert.strictEqual(yield* Effect.promise(() => exited), 0)
    }).pipe(Effect.scoped), 30_000)

  for (const file of runnable) {
    it.live(`${file} runs to completion and prints what its comments say`, () =>
      Effect.gen(function*() {
        const result = yield* run(file)
        assert.strictEqual(result.code, 0, result.output)
        assert.deepStrictEqual(printed(result.stdout), expectedOutput(file), result.output)
      }), 30_000)
  }
})
