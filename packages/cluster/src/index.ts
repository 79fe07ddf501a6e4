/**
 * @specter-runtime/cluster: one Specter application on many processes, over Redis
 * and PostgreSQL.
 *
 * @since 0.2.0
 */
export * as Cluster from "./Cluster.ts"
export * as SharedStore from "./SharedStore.ts"
