/**
 * What the inspector learns from the bus: a tail of the traffic of every event
 * that has a subscriber, and the state of every watcher and managed process, read
 * from the events they publish (`watcher:*`, `process:*`). It follows those
 * events from the moment it is built (before the application's services start),
 * and every other event as soon as the bus knows it.
 *
 * @internal
 */
import { Bus, ManagedProcess, Watcher } from "@specter-runtime/core"
import { Clock, Duration, Effect, Option, type Scope, Stream } from "effect"
import type { BusTraffic, ProcessView, WatcherView } from "../Inspector.ts"

/** The events the views are built from, followed from the start. */
const lifecycle: ReadonlyArray<Bus.Event<any>> = [
  Watcher.Started,
  Watcher.Failed,
  Watcher.Restarted,
  Watcher.Stopped,
  ManagedProcess.Started,
  ManagedProcess.Line,
  ManagedProcess.Exited,
  ManagedProcess.Failed,
  ManagedProcess.Restarted,
  ManagedProcess.Stopped
]

const MAX_PAYLOAD = 400

/** `payload` as at most 400 characters of JSON (Options and Durations as their JSON). */
export const preview = (payload: unknown): string => {
  let text: string
  try {
    text = JSON.stringify(payload, (_, value) => (Duration.isDuration(value) ? Duration.format(value) : value)) ?? "undefined"
  } catch {
    text = String(payload)
  }
  return text.length > MAX_PAYLOAD ? `${text.slice(0, MAX_PAYLOAD - 1)}…` : text
}

const exitText = (exit: ManagedProcess.ProcessExit): string => exit._tag === "Exited" ? `exit code ${exit.code}` : exit.message

/** What the observer keeps; read by the snapshot. */
export interface Observer {
  readonly traffic: () => ReadonlyArray<BusTraffic>
  readonly watchers: () => ReadonlyArray<WatcherView>
  readonly processes: () => ReadonlyArray<ProcessView>
  /** The events the observer follows (each has one subscriber that is the observer's). */
  readonly followed: ReadonlySet<string>
}

interface Limits {
  readonly tail: number
  readonly lines: number
}

/** Appends `value` to `array`, keeping its last `max` values. */
const keepLast = <A>(array: Array<A>, value: A, max: number): void => {
  array.push(value)
  if (array.length > max) array.splice(0, array.length - max)
}

const watcherOf = (views: Map<string, WatcherView>, name: string, at: number): WatcherView =>
  views.get(name) ?? { name, mode: "poll", status: "running", restarts: 0, errors: 0, lastError: undefined, since: at }

const processOf = (views: Map<string, ProcessView>, name: string, at: number): ProcessView =>
  views.get(name) ?? { name, pid: undefined, status: "running", restarts: 0, lastExit: undefined, since: at, lines: [] }

/** Updates the watcher and process views with one event. */
const record = (
  watchers: Map<string, WatcherView>,
  processes: Map<string, ProcessView>,
  limits: Limits,
  event: string,
  p: any,
  at: number
): void => {
  if (event.startsWith("watcher:")) {
    const w = watcherOf(watchers, p.watcher, at)
    if (event === Watcher.Started.name) watchers.set(w.name, { ...w, mode: p.mode, status: "running", since: at })
    else if (event === Watcher.Failed.name) {
      watchers.set(w.name, { ...w, status: Option.isSome(p.retryIn) ? "retrying" : "failed", errors: p.errorCount, lastError: p.error })
    } else if (event === Watcher.Restarted.name) watchers.set(w.name, { ...w, status: "running", restarts: p.restarts })
    else if (event === Watcher.Stopped.name) watchers.set(w.name, { ...w, status: "stopped", since: at })
    return
  }
  const v = processOf(processes, p.process, at)
  if (event === ManagedProcess.Started.name) processes.set(v.name, { ...v, pid: p.pid, status: "running", restarts: p.restarts, since: at })
  else if (event === ManagedProcess.Line.name) keepLast(v.lines as Array<ProcessView["lines"][number]>, { at, stream: p.stream, line: p.line }, limits.lines)
  else if (event === ManagedProcess.Exited.name) processes.set(v.name, { ...v, status: "exited", lastExit: exitText(p.exit), since: at })
  else if (event === ManagedProcess.Restarted.name) processes.set(v.name, { ...v, status: "restarting", restarts: p.restarts })
  else if (event === ManagedProcess.Failed.name) processes.set(v.name, { ...v, status: "failed", lastExit: p.reason, since: at })
  else if (event === ManagedProcess.Stopped.name) processes.set(v.name, { ...v, status: "stopped", since: at })
  if (!processes.has(v.name)) processes.set(v.name, v)
}

/**
 * Follows the bus in the calling scope: the lifecycle events at once, every other
 * event as soon as the bus has it (`Bus.eventNames`).
 */
export const make = (limits: Limits): Effect.Effect<Observer, never, Bus.Bus | Scope.Scope> =>
  Effect.gen(function*() {
    const bus = yield* Bus.Bus
    const traffic: Array<BusTraffic> = []
    const watchers = new Map<string, WatcherView>()
    const processes = new Map<string, ProcessView>()
    const followed = new Set<string>()
    const follow = (event: Bus.Event<unknown>) =>
      Effect.gen(function*() {
        followed.add(event.name)
        const stream = yield* bus.subscribe(event)
        yield* Effect.forkScoped(Stream.runForEach(stream, (payload) =>
          Effect.map(Clock.currentTimeMillis, (at) => {
            keepLast(traffic, { at, event: event.name, payload: preview(payload) }, limits.tail)
            if (event.name.startsWith("watcher:") || event.name.startsWith("process:")) {
              record(watchers, processes, limits, event.name, payload, at)
            }
          })))
      })
    yield* Effect.forEach(lifecycle, follow, { discard: true })
    const names = yield* bus.eventNames
    yield* Effect.forkScoped(Stream.runForEach(names, (name) => (followed.has(name) ? Effect.void : follow(Bus.event(name)))))
    return {
      traffic: () => traffic.slice(),
      watchers: () => [...watchers.values()],
      processes: () => [...processes.values()].map((p) => ({ ...p, lines: p.lines.slice() })),
      followed
    }
  })
