/**
 * One node of the inventory cluster (see `clusterApp.ts`): a cluster node when
 * `SPECTER_REDIS_URL` and `SPECTER_DATABASE_URL` are set, the app alone otherwise.
 */
import { Cluster } from "@specter-runtime/cluster"
import { App } from "@specter-runtime/server"
import { ClusterAppLive } from "./clusterApp.ts"

App.run(Cluster.provideWhenConfigured(ClusterAppLive))
