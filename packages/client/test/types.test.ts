/**
 * The typed client is checked at compile time: `types/typed.ts` uses a client of
 * a declared socket API the right way and the wrong ways. Here it is compiled
 * with its `@ts-expect-error` directives taken out, and each wrong use must fail
 * with the error code its directive names, while nothing else fails.
 */
import { execFile } from "node:child_process"
import { readFileSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { afterEach, describe, expect, it } from "vitest"

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, "../../..")
const tsc = join(dirname(createRequire(import.meta.url).resolve("typescript/package.json")), "bin/tsc")
const DIRECTIVE = /^(\s*)\/\/ @ts-expect-error (TS\d+) (.*)$/

interface Expected {
  readonly line: number
  readonly code: string
  readonly why: string
}

/** The source without its directives, and the error each of them expects on the line after it. */
const uncheck = (source: string) => {
  const expected: Array<Expected> = []
  const lines = source.split("\n").map((text, index) => {
    const match = DIRECTIVE.exec(text)
    if (match === null) return text
    expected.push({ line: index + 2, code: match[2]!, why: match[3]! })
    return `${match[1]}// expected: ${match[2]}`
  })
  return { text: lines.join("\n"), expected }
}

/** Every error `tsc` reports for `file` alone, with the project's compiler options. */
const compile = async (file: string) => {
  const config = join(tmpdir(), `specter-client-types-${process.pid}.json`)
  // Type roots are found from the config's folder: name the project's.
  const compilerOptions = { typeRoots: [join(root, "node_modules/@types")] }
  writeFileSync(config, JSON.stringify({ extends: join(root, "tsconfig.json"), compilerOptions, include: [], files: [file] }))
  try {
    const run = await promisify(execFile)(process.execPath, [tsc, "--noEmit", "--pretty", "false", "-p", config]).catch(
      (failed: { readonly stdout: string }) => failed
    )
    const errors = [...run.stdout.matchAll(/^(.+)\((\d+),\d+\): error (TS\d+): (.*)$/gm)].map(([, path, line, code, message]) => ({
      path: path!,
      line: Number(line),
      code: code!,
      message: message!
    }))
    // An error without a place (a bad config, a missing library) fails the test too.
    expect(run.stdout.match(/error TS\d+/g)?.length ?? 0).toBe(errors.length)
    return errors
  } finally {
    rmSync(config, { force: true })
  }
}

const scratch: Array<string> = []
afterEach(() => {
  for (const file of scratch.splice(0)) rmSync(file, { force: true })
})

describe("typed client", () => {
  it("a wrong payload, a wrong ack type and an unknown event are compile errors, and the right uses compile", async () => {
    const { text, expected } = uncheck(readFileSync(join(here, "types/typed.ts"), "utf8"))
    const copy = join(here, "types/typed.unchecked.tmp.ts")
    scratch.push(copy)
    writeFileSync(copy, text)
    const errors = await compile(copy)
    expect(expected.length).toBeGreaterThanOrEqual(12)
    expect(errors.filter((e) => !e.path.endsWith("typed.unchecked.tmp.ts"))).toEqual([])
    const byLine = (e: { readonly line: number }, f: { readonly line: number }) => e.line - f.line
    const reported = [...new Map(errors.map((e) => [e.line, { line: e.line, code: e.code }])).values()].sort(byLine)
    expect(reported).toEqual(expected.map(({ line, code }) => ({ line, code })).sort(byLine))
  }, 60_000)
})
