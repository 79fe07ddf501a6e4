/**
 * The inspector: a page served by the runtime at `/_specter` that shows the
 * running application live, over the application's own socket: every service
 * with its status, uptime, fibers, timers and health details; every
 * `QueueService` with its jobs, their progress and a cancel button; the socket
 * sessions, their topics and the events the socket handles; a tail of the bus
 * traffic with a filter; watchers and managed processes with their health and
 * last output lines; and the `specter_*` metrics (persistence among them).
 *
 * It is for development and operations, and opt-in: `App.run(app, { inspector:
 * true })`, or with `Options`. It is protected by the sockets' `authorize` hook
 * (or its own): the page answers 401/403 unless the hook accepts its request,
 * and the page carries a token without which the socket events below refuse to
 * answer, so a client that never loaded an authorized page sees nothing.
 *
 * On the wire (what the page does; any client may do the same):
 * - emit `_specter:watch` `{ token }`: acked with a `Snapshot`, after which the
 *   session gets a `_specter:snapshot` push with a fresh `Snapshot` every
 *   `interval`, until it disconnects;
 * - emit `_specter:cancel` `{ token, queue, id }`: cancels a job, acked with
 *   `{ cancelled }` (`false` for a job unknown or already finished).
 * A bad or expired token answers a `forbidden` ack.
 *
 * What it costs while on: one subscription to every bus event that has a
 * subscriber (each message kept as a JSON preview of at most 400 characters, the
 * last `tail` of them), and one snapshot per `interval` while a page watches.
 *
 * The page's files are in this package's `inspector/` folder; the socket client
 * it imports is the `@specter-runtime/client` bundle (see `ClientModule`), served
 * at `<path>/client.js`.
 *
 * @since 0.1.0
 */
import type { QueueService, Specter } from "@specter-runtime/core"
import type { Duration, Effect, Layer } from "effect"
import type { HttpRouter, HttpServerRequest } from "effect/http"
import type { ClientBundleMissing } from "./ClientModule.ts"
import * as internal from "./internal/inspector.ts"
import type { SocketIngress } from "./SocketIngress.ts"
import type { Refused, SocketServer } from "./SocketServer.ts"

/**
 * Options of the inspector; every field is optional.
 *
 * - `path`: where the page is served (default `/_specter`).
 * - `authorize`: decides whether a request for the page may see it, with the
 *   signature of the sockets' hook (`SocketServer.Options.authorize`), which `App`
 *   gives it by default: it gets the page's HTTP request (headers, cookies) and
 *   succeeds to serve it, or fails with `SocketServer.Refused`, whose `status`
 *   (401 or 403) and `message` answer the request. Without one, everyone may.
 * - `interval`: how often a watching page gets a new snapshot (default 500 ms).
 * - `tail`: how many bus messages the tail keeps (default 200).
 * - `lines`: how many output lines are kept per managed process (default 20).
 * - `socketPath`: the socket endpoint the page connects to (default `/ws`; `App`
 *   sets it to its own `socketPath`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly path?: `/${string}` | undefined
  readonly authorize?: ((request: HttpServerRequest.HttpServerRequest) => Effect.Effect<unknown, Refused>) | undefined
  readonly interval?: Duration.Input | undefined
  readonly tail?: number | undefined
  readonly lines?: number | undefined
  readonly socketPath?: `/${string}` | undefined
}

/**
 * One job of a queue as the inspector shows it; times are epoch ms, `percent`
 * 0–100.
 *
 * @since 0.1.0
 * @category models
 */
export interface JobView {
  readonly id: string
  readonly state: "queued" | "running" | "completed" | "failed" | "cancelled"
  readonly attempts: number
  readonly percent: number
  readonly message: string | undefined
  readonly reason: string | undefined
  readonly enqueuedAt: number
  readonly startedAt: number | undefined
  readonly finishedAt: number | undefined
}

/**
 * A queue: its name, its counts (`QueueService.QueueState`) and its most recent
 * jobs (live ones first, then up to 20 finished ones, newest first).
 *
 * @since 0.1.0
 * @category models
 */
export interface QueueView extends QueueService.QueueState {
  readonly name: string
  readonly jobs: ReadonlyArray<JobView>
}

/**
 * A watcher, from the events it published: `status` is `running`, `retrying`
 * (its source failed and it will try again), `failed` or `stopped`; `since` is
 * when it last started or stopped (epoch ms).
 *
 * @since 0.1.0
 * @category models
 */
export interface WatcherView {
  readonly name: string
  readonly mode: "poll" | "stream" | "files"
  readonly status: "running" | "retrying" | "failed" | "stopped"
  readonly restarts: number
  readonly errors: number
  readonly lastError: string | undefined
  readonly since: number
}

/**
 * A managed process, from the events it published: its pid, `status`, restarts,
 * how its last run ended, and its last output lines (those it published, with
 * `publishLines: true`).
 *
 * @since 0.1.0
 * @category models
 */
export interface ProcessView {
  readonly name: string
  readonly pid: number | undefined
  readonly status: "running" | "restarting" | "exited" | "failed" | "stopped"
  readonly restarts: number
  readonly lastExit: string | undefined
  readonly since: number
  readonly lines: ReadonlyArray<{ readonly at: number; readonly stream: "stdout" | "stderr"; readonly line: string }>
}

/**
 * One bus message: when (epoch ms), which event, and its payload as JSON (cut
 * at 400 characters).
 *
 * @since 0.1.0
 * @category models
 */
export interface BusTraffic {
  readonly at: number
  readonly event: string
  readonly payload: string
}

/**
 * Everything the page shows, at `at` (epoch ms). `bus.events` counts
 * subscribers without the inspector's own; `metrics` are the `specter_*`
 * metrics, each with its attributes and its state as numbers.
 *
 * @since 0.1.0
 * @category models
 */
export interface Snapshot {
  readonly at: number
  readonly services: ReadonlyArray<{
    readonly name: string
    readonly status: string
    readonly uptimeMs: number
    readonly fibers: number
    readonly timers: number
    readonly listeners: number
    readonly details: string | undefined
    readonly error: string | undefined
    readonly optional: boolean
  }>
  readonly queues: ReadonlyArray<QueueView>
  readonly sockets: {
    readonly sessions: ReadonlyArray<{ readonly sid: string; readonly route: string | undefined; readonly topics: ReadonlyArray<string> }>
    readonly topics: ReadonlyArray<{ readonly topic: string; readonly sessions: number }>
    readonly events: ReadonlyArray<{ readonly event: string; readonly handlers: number }>
  }
  readonly bus: {
    readonly events: ReadonlyArray<{ readonly event: string; readonly subscribers: number; readonly published: number; readonly dropped: number }>
    readonly traffic: ReadonlyArray<BusTraffic>
  }
  readonly watchers: ReadonlyArray<WatcherView>
  readonly processes: ReadonlyArray<ProcessView>
  readonly metrics: ReadonlyArray<{ readonly id: string; readonly type: string; readonly attributes: Readonly<Record<string, string>>; readonly state: Readonly<Record<string, number>> }>
}

/**
 * The inspector's routes (the page, its script, style and client bundle) and
 * its socket events, for the application's lifetime. `App` builds it before the
 * application's own layers when `App.Options.inspector` is set, so it sees
 * every watcher and process start; build it yourself only around `App.layer`'s
 * pieces. Fails with `ClientBundleMissing` when the client bundle cannot be read.
 *
 * @example
 * App.run(AppLive, {
 *   inspector: {
 *     authorize: (request) =>
 *       request.headers["x-admin"] === secret ? Effect.void : Effect.fail(new SocketServer.Refused({ status: 403, message: "admins only" }))
 *   }
 * })
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options = {}
): Layer.Layer<never, ClientBundleMissing, HttpRouter.HttpRouter | SocketServer | SocketIngress | Specter.Runtime> => internal.layer(options)
