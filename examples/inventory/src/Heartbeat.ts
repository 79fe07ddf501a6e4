/**
 * A supervised helper process: a small Node script that prints one JSON line a
 * second (`{ pid, beat, rss }`, `rss` in bytes). The service keeps its last 20
 * output lines and pushes each one to every page as `process:line`
 * `{ stream, line }`; a page that connects (or reconnects) gets the recent lines at
 * once as `process:lines` `{ lines }`.
 *
 * The helper is restarted when it exits (after 1 s, doubling up to 10 s, at most
 * 10 times in a row) and stopped with the service: SIGTERM, then SIGKILL after
 * 2 s. If the server dies without stopping it (`kill -9`), the helper's next write
 * fails (EPIPE) and it exits, so it never outlives the server by more than a beat.
 */
import { ManagedProcess, Service, SocketServer } from "@specter-runtime/server"
import { Context, Effect, Stream, SubscriptionRef } from "effect"
import { inOrder } from "./Live.ts"

const script = [
  // Its output is its whole purpose: once nobody reads it (the server is gone), it ends.
  "process.stdout.on('error', () => process.exit(1))",
  "let beat = 0",
  "setInterval(() => console.log(JSON.stringify({ pid: process.pid, beat: ++beat, rss: process.memoryUsage().rss })), 1000)"
].join("; ")

/** One line of the helper's output, without its line ending. */
export interface OutputLine {
  readonly stream: ManagedProcess.StreamName
  readonly line: string
}

/** How many of the most recent lines the service keeps. */
export const recentLines = 20

/** The heartbeat service; `lines` holds the most recent output lines, oldest first. */
export class Heartbeat extends Context.Service<Heartbeat, {
  readonly lines: SubscriptionRef.SubscriptionRef<ReadonlyArray<OutputLine>>
}>()("heartbeat") {
  /** Starts the helper and follows its output; fails to start when the helper cannot be spawned. */
  static readonly layer = Service.layer(this, Effect.gen(function*() {
    const sockets = yield* SocketServer.SocketServer
    const lines = yield* SubscriptionRef.make<ReadonlyArray<OutputLine>>([])
    const helper = yield* ManagedProcess.supervise(process.execPath, ["-e", script], {
      name: "heartbeat",
      restart: ManagedProcess.restartPolicy({ max: "10 seconds" }),
      terminateTimeout: "2 seconds",
      publishLines: true // for the inspector's view of the process
    })
    const tagged = (stream: ManagedProcess.StreamName) => Stream.map(helper[stream], (line): OutputLine => ({ stream, line }))
    const show = (output: OutputLine) =>
      Effect.andThen(
        SubscriptionRef.update(lines, (recent) => [...recent, output].slice(-recentLines)),
        sockets.broadcast("process:line", output)
      )
    yield* inOrder(
      Stream.map(Stream.merge(tagged("stdout"), tagged("stderr")), show),
      (sid) => Effect.flatMap(SubscriptionRef.get(lines), (recent) => sockets.push(sid, "process:lines", { lines: recent }))
    )
    yield* Service.health(Effect.map(helper.state, ({ restarts, current }) => ({ restarts, running: current._tag === "Some" })))
    return { lines }
  }))
}
