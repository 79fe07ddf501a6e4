/**
 * A load worker: a child process of the bench that runs the jobs its parent
 * sends over IPC (`{ id, job }`), answers `{ id, result }` or `{ id, error }`,
 * and reports broadcast progress as `{ progress }`. It holds its WebSocket
 * clients between jobs.
 */
import * as Http from "./http.ts"
import * as Sockets from "./sockets.ts"

export type Job =
  | ({ readonly kind: "http" } & Http.HttpJob)
  | { readonly kind: "connect"; readonly url: string; readonly clients: number }
  | { readonly kind: "emit"; readonly durationMs: number }
  | { readonly kind: "watch" }
  | { readonly kind: "disconnect" }

const send = (message: unknown) => process.send?.(message)

const perform = (job: Job): Promise<unknown> | unknown => {
  switch (job.kind) {
    case "http":
      return Http.run(job)
    case "connect":
      return Sockets.connect(job.url, job.clients)
    case "emit":
      return Sockets.emit(job.durationMs)
    case "watch":
      return Sockets.watch((progress) => send({ progress }))
    case "disconnect":
      return Sockets.disconnect()
  }
}

process.on("message", async ({ id, job }: { readonly id: number; readonly job: Job }) => {
  try {
    send({ id, result: await perform(job) })
  } catch (error) {
    send({ id, error: String(error instanceof Error ? error.message : error) })
  }
})
process.on("disconnect", () => process.exit(0))
