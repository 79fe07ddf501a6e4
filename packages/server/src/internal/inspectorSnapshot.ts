/**
 * One `Inspector.Snapshot`: read from the ServiceManager, the queues listed in
 * the Registry, the socket server and ingress, the bus, the observer, and the
 * metric registry. Reading never changes anything.
 *
 * @internal
 */
import { Bus, QueueService, Registry, ServiceManager } from "@specter-runtime/core"
import { Clock, Effect, Metric, Option } from "effect"
import type { JobView, QueueView, Snapshot } from "../Inspector.ts"
import { SocketIngress } from "../SocketIngress.ts"
import { SocketServer } from "../SocketServer.ts"
import { type Observer, preview } from "./inspectorObserver.ts"

const FINISHED_SHOWN = 20

const jobView = (job: QueueService.Job<unknown>): JobView => ({
  id: job.id,
  state: job.state,
  attempts: job.attempts,
  percent: job.progress.percent,
  message: job.progress.message,
  reason: job.reason,
  enqueuedAt: job.enqueuedAt,
  startedAt: job.startedAt,
  finishedAt: job.finishedAt
})

/** The queues listed in the registry, in the order they started. */
export const queues = Effect.gen(function*() {
  const registry = yield* Registry.Registry
  const names = (yield* registry.list).filter((key) => key.startsWith(QueueService.registryPrefix))
  const found = yield* Effect.forEach(names, (key) => registry.resolve(QueueService.registryKey(key.slice(QueueService.registryPrefix.length))))
  return found.flatMap(Option.toArray)
})

const queueView = (queue: QueueService.QueueService<unknown>): Effect.Effect<QueueView> =>
  Effect.gen(function*() {
    const stats = yield* queue.stats
    const jobs = yield* queue.jobs
    const live = jobs.filter((job) => job.state === "queued" || job.state === "running")
    const finished = jobs.filter((job) => job.state !== "queued" && job.state !== "running").slice(-FINISHED_SHOWN).reverse()
    return { name: queue.name, ...stats, jobs: [...live, ...finished].map(jobView) }
  })

/** A metric's state as numbers only (a histogram's buckets and a summary's quantiles are left out). */
const numbers = (state: unknown): Record<string, number> =>
  Object.fromEntries(
    Object.entries(typeof state === "object" && state !== null ? state : {}).filter((entry): entry is [string, number] =>
      typeof entry[1] === "number" && Number.isFinite(entry[1])
    )
  )

const metrics = Effect.map(Metric.snapshot, (all) =>
  all.filter((m) => m.id.startsWith("specter_")).map((m) => ({
    id: m.id,
    type: m.type,
    attributes: Object.fromEntries(Object.entries(m.attributes ?? {}).map(([k, v]) => [k, String(v)])),
    state: numbers(m.state)
  })))

const sockets = Effect.gen(function*() {
  const server = yield* SocketServer
  const ingress = yield* SocketIngress
  const sessions = server.sessions()
  const topics = new Map<string, number>()
  for (const session of sessions) for (const topic of session.topics) topics.set(topic, (topics.get(topic) ?? 0) + 1)
  return {
    sessions,
    topics: [...topics].map(([topic, count]) => ({ topic, sessions: count })).sort((a, b) => a.topic.localeCompare(b.topic)),
    events: ingress.events().filter((event) => !event.startsWith("_specter:")).map((event) => ({ event, handlers: ingress.count(event) }))
  }
})

/** Everything the page shows, now. */
export const snapshot = (observer: Observer) =>
  Effect.gen(function*() {
    const manager = yield* ServiceManager.ServiceManager
    const bus = yield* Bus.Bus
    const health = yield* manager.health
    const views = yield* Effect.flatMap(queues, (all) => Effect.forEach(all, queueView))
    return {
      at: yield* Clock.currentTimeMillis,
      services: Object.values(health).map((s) => ({
        name: s.name,
        status: s.status,
        uptimeMs: s.uptimeMs,
        fibers: s.fibers,
        timers: s.timers,
        listeners: s.listeners,
        details: s.details === undefined ? undefined : preview(s.details.length === 1 ? s.details[0] : s.details),
        error: s.error,
        optional: s.optional === true
      })),
      queues: views,
      sockets: yield* sockets,
      bus: {
        events: bus.stats().map((s) => ({ ...s, subscribers: s.subscribers - (observer.followed.has(s.event) ? 1 : 0) })),
        traffic: observer.traffic()
      },
      watchers: observer.watchers(),
      processes: observer.processes(),
      metrics: yield* metrics
    } satisfies Snapshot
  })
