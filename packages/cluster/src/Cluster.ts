/**
 * One application on many processes. With `SPECTER_REDIS_URL` and
 * `SPECTER_DATABASE_URL` (a `postgres://` URL) set, `provideWhenConfigured(app)` runs
 * the application as one node of a cluster; without them it runs the application
 * alone, exactly as before. Each node listens on its own `PORT`.
 *
 * In cluster mode:
 * - **the bus**: every event declared with a Schema is bridged through a Redis
 *   Stream (batched per turn of the event loop, trimmed with `MAXLEN ~`, tagged with
 *   the origin node): a listener on any node receives an event emitted on any node,
 *   once. Events declared without a Schema stay on the node that emits them.
 * - **singletons**: `Service.singleton(name, run)` runs on exactly one node at a time
 *   (`effect/cluster` `Singleton`, shard locks in PostgreSQL); when that node dies,
 *   another takes it over once its lock expires (`SPECTER_SINGLETON_LOCK_EXPIRATION`,
 *   default 4 seconds; measured 3.3–4.0 s after a `kill -9`).
 * - **durable queues**: a `QueueService` with `durable: true` keeps its jobs in Redis
 *   (`effect/persistence` `PersistedQueue`): any node's workers run them, every node
 *   reads and cancels them, and a job whose worker died runs again (at least once).
 *   The records of the newest `history` finished jobs are kept (default 1,000), as
 *   in memory.
 * - **sockets**: the `SocketServer` the application's layers get relays `publish` and
 *   `broadcast` to the clients of every node, and `push(sid)` to the node that holds
 *   the session (a directory of sessions in Redis): no sticky sessions needed.
 * - **shared state**: a keyed store made with `persist` (`Store.makeKeyed`) keeps one
 *   row per entry in PostgreSQL, each change a compare-and-set on the entry's version,
 *   and its changes reach the subscribers of every node; a `SharedStore` is one
 *   versioned row the same way. `LocalSockets` pushes to this node's clients only.
 * - `/health` lists the service `cluster` with this node's id, the peers it knows,
 *   the singletons it holds and the Redis and PostgreSQL connection states; while
 *   either is down it is `failed` and the node is not ready (`/health/ready` 503)
 *   until the connection comes back. `GET /health/cluster` answers the same report.
 *
 * ```ts
 * App.run(Cluster.provideWhenConfigured(AppLive))
 * ```
 *
 * ```sh
 * SPECTER_REDIS_URL=redis://127.0.0.1:6379 SPECTER_DATABASE_URL=postgres://postgres@127.0.0.1/test PORT=3001 node main.ts
 * ```
 *
 * @since 0.2.0
 */
import { NodeRedis } from "@effect/platform-node"
import { PgClient } from "@effect/sql-pg"
import { App, type Bus, QueueService, Service, SocketServer, Store } from "@specter-runtime/server"
import { Cause, Config, Context, Data, Duration, Effect, Layer, Option, Redacted, Schedule } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { PersistedQueue, Redis } from "effect/persistence"
import { SqlClient } from "effect/sql"
import { randomUUID } from "node:crypto"
import * as busBridge from "./internal/busBridge.ts"
import * as durableQueue from "./internal/durableQueue.ts"
import * as sharedKeyed from "./internal/sharedKeyed.ts"
import * as sharedStore from "./internal/sharedStore.ts"
import * as singletons from "./internal/singletons.ts"
import * as socketRelay from "./internal/socketRelay.ts"
import { SharedStores } from "./SharedStore.ts"

/**
 * How a node joins its cluster. `prefix` names everything the cluster keeps (Redis
 * keys `<prefix>:…`, PostgreSQL tables `<prefix>_…`; letters, digits and `_`), so
 * several applications can share one Redis and one database. Durations are Effect
 * durations.
 *
 * @since 0.2.0
 * @category models
 */
export interface Settings {
  readonly redisUrl: Redacted.Redacted<string>
  readonly databaseUrl: Redacted.Redacted<string>
  readonly nodeId: string
  readonly prefix: string
  /** How long a dead node's singletons stay locked (default 4 seconds). */
  readonly lockExpiration: Duration.Duration
}

/**
 * The settings from the environment, or `None` when `SPECTER_REDIS_URL` or
 * `SPECTER_DATABASE_URL` is not set (the application then runs alone):
 * `SPECTER_NODE_ID` (default: a random id), `SPECTER_CLUSTER_PREFIX` (default
 * `specter`), `SPECTER_SINGLETON_LOCK_EXPIRATION` (default `4 seconds`). Fails with
 * `App.StartupError` naming a malformed variable.
 *
 * @since 0.2.0
 * @category config
 */
export const settings: Effect.Effect<Option.Option<Settings>, App.StartupError> = Effect.gen(function*() {
  const redisUrl = yield* Config.option(Config.Redacted("SPECTER_REDIS_URL"))
  const databaseUrl = yield* Config.option(Config.Redacted("SPECTER_DATABASE_URL"))
  if (Option.isNone(redisUrl) || Option.isNone(databaseUrl)) return Option.none()
  const nodeId = yield* Config.String("SPECTER_NODE_ID").pipe(Config.withDefault(`node-${randomUUID().slice(0, 8)}`))
  const prefix = yield* Config.String("SPECTER_CLUSTER_PREFIX").pipe(Config.withDefault("specter"))
  if (!/^[a-z_][a-z0-9_]{0,40}$/.test(prefix)) {
    return yield* new App.StartupError({ message: `SPECTER_CLUSTER_PREFIX must be lowercase letters, digits and _ (got '${prefix}')` })
  }
  const lockExpiration = yield* Config.Duration("SPECTER_SINGLETON_LOCK_EXPIRATION").pipe(Config.withDefault(singletons.defaults.lockExpiration))
  return Option.some({ redisUrl: redisUrl.value, databaseUrl: databaseUrl.value, nodeId, prefix, lockExpiration: Duration.fromInputUnsafe(lockExpiration) })
}).pipe(Effect.catchTag("ConfigError", (error) => Effect.fail(new App.StartupError({ message: `cluster: ${error.message}` }))))

const startup = (what: string) => <A, E, R>(layer: Layer.Layer<A, E, R>): Layer.Layer<A, App.StartupError, R> =>
  Layer.catchCause(layer, (cause) =>
    Layer.effectDiscard(Effect.fail(new App.StartupError({ message: `cluster: ${what}: ${Cause.pretty(cause).split("\n")[0]}` })))) as Layer.Layer<A, App.StartupError, R>

/**
 * What a node knows of its cluster, for `/health/cluster` and for the application.
 *
 * @since 0.2.0
 * @category services
 */
export class Node extends Context.Service<Node, {
  readonly id: string
  /** The nodes (this one included) that sent a heartbeat in the last 3 seconds. */
  readonly peers: Effect.Effect<ReadonlyArray<string>>
  /** The singletons running on this node now. */
  readonly singletons: () => ReadonlyArray<string>
  readonly redis: Effect.Effect<"up" | "down">
  readonly postgres: Effect.Effect<"up" | "down">
}>()("@specter-runtime/cluster/Node") {}

/**
 * This node's own `SocketServer`, whose `publish`, `broadcast` and `push` reach only
 * the clients connected to this node. In cluster mode the `SocketServer` the app gets
 * relays to every node; use this one for pushes that every node makes for its own
 * clients, such as forwarding the changes of a shared store (every node sees them).
 * Alone, there is none: use the `SocketServer`.
 *
 * @example
 * const local = Option.getOrElse(yield* Effect.serviceOption(Cluster.LocalSockets), () => sockets)
 *
 * @since 0.2.0
 * @category services
 */
export class LocalSockets extends Context.Service<LocalSockets, SocketServer.SocketServer["Service"]>()("@specter-runtime/cluster/LocalSockets") {}

/** Heartbeats into `<prefix>:nodes` (a sorted set scored by time) and reads the peers from it. */
const makeNode = (settings: Settings, held: singletons.Held) =>
  Effect.gen(function*() {
    const redis = yield* Redis.Redis
    const sql = yield* SqlClient.SqlClient
    const key = `${settings.prefix}:nodes`
    const beat = Effect.suspend(() => redis.send("ZADD", key, String(Date.now()), settings.nodeId))
    yield* beat.pipe(Effect.ignore, Effect.repeat(Schedule.spaced("1 second")), Effect.forkScoped)
    yield* Effect.addFinalizer(() => Effect.ignore(redis.send("ZREM", key, settings.nodeId)))
    const up = <A, E>(probe: Effect.Effect<A, E>) =>
      probe.pipe(Effect.timeout("1 second"), Effect.as("up" as const), Effect.orElseSucceed(() => "down" as const))
    return Node.of({
      id: settings.nodeId,
      peers: Effect.suspend(() => redis.send<ReadonlyArray<string>>("ZRANGEBYSCORE", key, String(Date.now() - 3000), "+inf")).pipe(
        Effect.orElseSucceed((): ReadonlyArray<string> => [])
      ),
      singletons: () => [...held.names].sort(),
      redis: up(redis.send("PING")),
      postgres: up(sql`select 1`)
    })
  })

/** What `/health/cluster` and the `cluster` entry of `/health` show. */
const report = (node: Node["Service"]) =>
  Effect.map(Effect.all([node.redis, node.postgres, node.peers], { concurrency: 3 }), ([redis, postgres, peers]) => ({
    node: node.id,
    peers,
    singletons: node.singletons(),
    redis,
    postgres
  }))

/**
 * A connection of the node is down: the node is not ready (`/health/ready` answers
 * 503) until it comes back.
 *
 * @since 0.2.0
 * @category errors
 */
export class ConnectionLost extends Data.TaggedError("ConnectionLost")<{ readonly redis: "up" | "down"; readonly postgres: "up" | "down" }> {
  override get message() {
    return `cluster connections: Redis ${this.redis}, PostgreSQL ${this.postgres}`
  }
}

const healthRoute = Layer.unwrap(Effect.map(Effect.service(Node), (node) =>
  HttpRouter.add("GET", "/health/cluster", Effect.map(report(node), (body) =>
    HttpServerResponse.jsonUnsafe(body, { status: body.redis === "up" && body.postgres === "up" ? 200 : 503 })))))

/** The node as a service of `/health`: its report as details, failed while a connection is down. */
const status = Service.layerDiscard("cluster", Effect.gen(function*() {
  const node = yield* Node
  yield* Service.health(Effect.flatMap(report(node), (body) =>
    body.redis === "up" && body.postgres === "up" ? Effect.succeed(body) : Effect.fail(new ConnectionLost(body))))
}))

/**
 * The cluster services of a node: `Service.Singletons`, `QueueService.DurableQueues`,
 * `Node`, the bus bridge and `GET /health/cluster`. Fails to start with
 * `App.StartupError` when Redis or PostgreSQL cannot be reached.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (
  settings: Settings
): Layer.Layer<
  Service.Singletons | QueueService.DurableQueues | SharedStores | Store.SharedKeyed | SocketServer.SocketServer | LocalSockets | Node,
  App.StartupError,
  Bus.Bus | HttpRouter.HttpRouter | SocketServer.SocketServer
> => {
  const held = new singletons.Held()
  const connections = Layer.merge(
    NodeRedis.layer({ url: Redacted.value(settings.redisUrl) }).pipe(startup("cannot reach Redis")),
    PgClient.layer({ url: settings.databaseUrl }).pipe(startup("cannot reach PostgreSQL"))
  )
  const lockRefresh = Duration.min(singletons.defaults.lockRefresh, Duration.divideUnsafe(settings.lockExpiration, 3))
  const singletonsLive = Layer.effect(Service.Singletons, singletons.make(held)).pipe(
    Layer.provide(singletons.sharding({
      node: settings.nodeId,
      tablePrefix: `${settings.prefix}_`,
      lockExpiration: settings.lockExpiration,
      lockRefresh
    }).pipe(startup("cannot start singletons")))
  )
  const queues = Layer.effect(QueueService.DurableQueues, durableQueue.make({ prefix: `${settings.prefix}:`, maxAttempts: 10 })).pipe(
    Layer.provide(PersistedQueue.layer),
    Layer.provide(PersistedQueue.layerStoreRedis({
      prefix: `${settings.prefix}:queue:`,
      pollInterval: "200 millis",
      lockExpiration: settings.lockExpiration,
      lockRefreshInterval: lockRefresh
    }))
  )
  const bridge = Layer.effectDiscard(busBridge.make({ key: `${settings.prefix}:bus`, node: settings.nodeId, maxLength: 10_000 }))
  const node = Layer.effect(Node, makeNode(settings, held))
  const stores = Layer.effect(SharedStores, sharedStore.make(settings.prefix))
  const sockets = Layer.merge(
    Layer.effect(SocketServer.SocketServer, socketRelay.make({ prefix: settings.prefix, node: settings.nodeId })),
    Layer.effect(LocalSockets, Effect.service(SocketServer.SocketServer))
  )
  const keyed = Layer.effect(Store.SharedKeyed, sharedKeyed.make(settings.prefix, settings.nodeId))
  return Layer.mergeAll(singletonsLive, queues, stores, keyed, sockets, bridge, Layer.merge(healthRoute, status.pipe(startup("cannot start"))).pipe(Layer.provideMerge(node))).pipe(
    Layer.provide(connections)
  )
}

/**
 * `app` as a node of the cluster when `settings` finds both URLs in the
 * environment, and `app` unchanged otherwise. Fails to start with the
 * configuration's error when a variable is malformed.
 *
 * @example
 * App.run(Cluster.provideWhenConfigured(AppLive))
 *
 * @since 0.2.0
 * @category layers
 */
export const provideWhenConfigured = <A, E, R>(
  app: Layer.Layer<A, E, R>
): Layer.Layer<
  A,
  E | App.StartupError,
  Exclude<R, Service.Singletons | QueueService.DurableQueues | SharedStores | Store.SharedKeyed | LocalSockets | Node> | Bus.Bus | HttpRouter.HttpRouter | SocketServer.SocketServer
> =>
  Layer.unwrap(Effect.map(
    settings,
    Option.match({
      onNone: () => app as Layer.Layer<A, E, any>,
      onSome: (settings) => app.pipe(Layer.provide(layer(settings))) as Layer.Layer<A, E | App.StartupError, any>
    })
  ))
