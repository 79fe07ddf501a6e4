/**
 * Singletons on `effect/cluster`: a `Sharding` whose shard locks live in PostgreSQL
 * (`SqlRunnerStorage`), with no runner-to-runner messaging (`Runners.layerNoop`):
 * only singletons run on it, and a singleton needs nothing but the shard lock of
 * its name. A node that dies keeps its locks until they expire
 * (`shardLockExpiration`), then the next refresh of another node takes them.
 *
 * @internal
 */
import { Service } from "@specter-runtime/core"
import { Duration, Effect, Layer, Option } from "effect"
import { MessageStorage, RunnerAddress, RunnerHealth, Runners, Sharding, ShardingConfig, SqlRunnerStorage } from "effect/cluster"
import type { SqlClient } from "effect/sql"

export interface SingletonOptions {
  readonly node: string
  /** Table prefix of the runner storage. */
  readonly tablePrefix: string
  readonly lockExpiration: Duration.Duration
  readonly lockRefresh: Duration.Duration
}

/** The names of the singletons this node runs now. */
export class Held {
  readonly names = new Set<string>()
}

/** `Sharding` for singletons only, over the `SqlClient` in context. */
export const sharding = (options: SingletonOptions): Layer.Layer<Sharding.Sharding, unknown, SqlClient.SqlClient> =>
  Sharding.layer.pipe(
    Layer.provide([Runners.layerNoop, RunnerHealth.layerNoop]),
    Layer.provide(MessageStorage.layerNoop),
    Layer.provide(SqlRunnerStorage.layerWith({ prefix: options.tablePrefix })),
    Layer.provide(ShardingConfig.layer({
      // The address only names this node in the lock table: nothing connects to it.
      runnerAddress: Option.some(RunnerAddress.make(options.node, 1)),
      shardLockExpiration: options.lockExpiration,
      shardLockRefreshInterval: options.lockRefresh,
      // Polled twice per lock refresh, so that a lock that expired is taken soon after.
      refreshAssignmentsInterval: Duration.divideUnsafe(options.lockRefresh, 2)
    }))
  )

/** The `Service.Singletons` owner on the `Sharding` in context; `held` tracks what runs here. */
export const make = (held: Held) =>
  Effect.map(Effect.service(Sharding.Sharding), (sharding) =>
    Service.Singletons.of({
      run: (name, effect) =>
        sharding.registerSingleton(
          name,
          Effect.acquireUseRelease(
            Effect.andThen(Effect.sync(() => held.names.add(name)), Effect.logInfo(`singleton '${name}' runs on this node`)),
            () => effect,
            () => Effect.andThen(Effect.sync(() => held.names.delete(name)), Effect.logInfo(`singleton '${name}' stopped on this node`))
          )
        )
    }))

export const defaults = {
  lockExpiration: Duration.seconds(4),
  lockRefresh: Duration.seconds(1)
}
