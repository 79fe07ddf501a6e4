/**
 * A supervised helper process: a small Node script that prints one JSON line a
 * second (`{ pid, beat, rss }`, `rss` in bytes). The service keeps its last 20
 * output lines in its state and pushes each one to every page as `process:line`
 * `{ stream, line }`; a page that connects (or reconnects) gets the recent lines at
 * once as `process:lines` `{ lines }`.
 *
 * The helper is restarted when it exits (after 1 s, doubling up to 10 s, at most
 * 10 times in a row) and stopped with the service: SIGTERM, then SIGKILL after
 * 2 s. If the server dies without stopping it (`kill -9`), the helper's next write
 * fails (EPIPE) and it exits, so it never outlives the server by more than a beat.
 */
import { ManagedProcess, Service, SocketServer } from "@specter/server"
import { Effect, Semaphore } from "effect"

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

/** The heartbeat service; its state holds the most recent output lines, oldest first. */
export class Heartbeat extends Service.Tag<Heartbeat>()("heartbeat", { lines: [] as ReadonlyArray<OutputLine> }) {}

/**
 * Starts the helper and follows its output. Fails to start (`ServiceStartError`)
 * when the helper cannot be spawned.
 */
export const HeartbeatLive = Service.layer(Heartbeat, (self) =>
  Effect.gen(function*() {
    const sockets = yield* SocketServer.SocketServer
    // One push at a time: a new page gets its snapshot and the live lines in order.
    const lock = yield* Semaphore.make(1)
    const helper = yield* self.adopt(ManagedProcess.start("heartbeat", process.execPath, ["-e", script], {
      restart: ManagedProcess.restartPolicy({ max: "10 seconds" }),
      terminateTimeout: "2 seconds"
    }))
    const show = (stream: ManagedProcess.StreamName) => (line: string) =>
      lock.withPermit(Effect.andThen(
        self.update((s) => ({ lines: [...s.lines, { stream, line }].slice(-recentLines) })),
        sockets.broadcast("process:line", { stream, line })
      ))
    yield* helper.followOutput({ stdout: show("stdout"), stderr: show("stderr") })
    yield* self.listen(SocketServer.Connected, ({ sid }) =>
      lock.withPermit(Effect.flatMap(self.get, ({ lines }) => sockets.push(sid, "process:lines", { lines }))))
  }))
