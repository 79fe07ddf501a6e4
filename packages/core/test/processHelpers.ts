/**
 * Helpers shared by the ManagedProcess tests: real child processes (Node scripts),
 * waits on real events (never on real time), and a layer with a Bus, a recording
 * logger and the Node spawner.
 */
import { NodeServices } from "@effect/platform-node"
import { Effect, Layer, Stream } from "effect"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import * as TestLogger from "../../testing/src/TestLogger.ts"
import * as Bus from "../src/Bus.ts"

export { TestLogger }

export const TestLayer = Layer.mergeAll(Bus.layer, TestLogger.layer, NodeServices.layer)
export const node = process.execPath
export const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))
export const script = (source: string): [string, Array<string>] => [node, ["-e", source]]
export const forever = "setInterval(() => {}, 1000)"

/** Whether `pid` can still run: it exists and is not a zombie (this container's PID 1 does not reap orphans). */
export const alive = (pid: number): boolean => {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0] !== "Z"
  } catch {
    return false
  }
}

/** The first `n` values of `stream`, as an array. */
export const take = <A>(stream: Stream.Stream<A>, n: number): Effect.Effect<Array<A>> =>
  Effect.map(Stream.runCollect(Stream.take(stream, n)), (values) => [...values])

/** Waits for the first value of `stream` that satisfies `predicate`. */
export const until = <A>(stream: Stream.Stream<A>, predicate: (value: A) => boolean): Effect.Effect<A> =>
  Stream.runHead(Stream.filter(stream, predicate)).pipe(
    Effect.flatMap((found) => found._tag === "Some" ? Effect.succeed(found.value) : Effect.die(new Error("stream ended")))
  )
