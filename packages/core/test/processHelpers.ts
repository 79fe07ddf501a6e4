/**
 * Helpers shared by the ManagedProcess tests: real child processes, real time.
 */
import { NodeServices } from "@effect/platform-node"
import type { ManagedProcess } from "@specter/core"
import { TestSpecter } from "@specter/testing"
import { type Duration, Effect, Layer } from "effect"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

export const TestLayer = Layer.merge(TestSpecter.layer, NodeServices.layer)
export const node = process.execPath
export const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))

/** Whether `pid` can still run: it exists and is not a zombie. */
export const alive = (pid: number): boolean => {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0] !== "Z"
  } catch {
    return false
  }
}

/** Waits (real time) until `check` holds; fails the test after `within`. */
export const eventually = (check: () => boolean | Effect.Effect<boolean>, within: Duration.Input = "5 seconds") =>
  Effect.gen(function*() {
    while (true) {
      const result = check()
      if (typeof result === "boolean" ? result : yield* result) return
      yield* Effect.sleep("5 millis")
    }
  }).pipe(Effect.timeoutOrElse({ duration: within, orElse: () => Effect.die(new Error("condition not reached in time")) }))

/** Collects the lines of `stream` from now on. */
export const lines = (proc: ManagedProcess.ManagedProcess, stream: ManagedProcess.StreamName = "stdout") =>
  Effect.gen(function*() {
    const got: Array<string> = []
    yield* proc.watchStream(stream, (line) => Effect.sync(() => void got.push(line)))
    return got
  })

export const script = (source: string): [string, Array<string>] => [node, ["-e", source]]
export const forever = "setInterval(() => {}, 1000)"
