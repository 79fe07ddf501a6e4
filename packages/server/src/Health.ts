/**
 * Health and readiness of the application, for people and for orchestrators:
 *
 * - `GET /health`: every service in start order with its status, uptime, fibers,
 *   timers and what its probes say, plus the connected sockets; 200 only while
 *   every service is running, 503 otherwise (a service allowed to fail at start,
 *   `Service.optional`, counts as not running);
 * - `GET /health/live`: 200 as long as the process answers;
 * - `GET /health/ready`: 200 once the application has started and until its
 *   shutdown begins, while no required service reports `failed`; 503 otherwise.
 *
 * Original: `ServiceManager.health()`.
 *
 * @since 0.1.0
 */
import { ServiceManager } from "@specter-runtime/core"
import { Context, Effect, Layer, SubscriptionRef } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { SocketServer } from "./SocketServer.ts"

/**
 * Where the application is: `starting` until every layer of the application is
 * built, `ready` then, `stopping` from the moment its shutdown begins.
 *
 * @since 0.1.0
 * @category models
 */
export type Phase = "starting" | "ready" | "stopping"

/**
 * The phase of the application, as a `SubscriptionRef` (`App` sets it).
 *
 * @since 0.1.0
 * @category services
 */
export class Readiness extends Context.Service<Readiness, {
  readonly phase: SubscriptionRef.SubscriptionRef<Phase>
}>()("@specter-runtime/server/Readiness") {
  /** A fresh readiness, `starting`. */
  static readonly layer: Layer.Layer<Readiness> = Layer.effect(
    Readiness,
    Effect.map(SubscriptionRef.make<Phase>("starting"), (phase) => Readiness.of({ phase }))
  )
}

/**
 * Marks the application `ready` when built and `stopping` as soon as its scope
 * begins to close: build it after everything else of the application.
 *
 * @since 0.1.0
 * @category layers
 */
export const markReady: Layer.Layer<never, never, Readiness> = Layer.effectDiscard(
  Readiness.use(({ phase }) =>
    Effect.andThen(
      SubscriptionRef.set(phase, "ready"),
      Effect.addFinalizer(() => SubscriptionRef.set(phase, "stopping"))
    ))
)

const json = (body: unknown, ok: boolean) => HttpServerResponse.jsonUnsafe(body, { status: ok ? 200 : 503 })

/**
 * The routes `/health`, `/health/live` and `/health/ready` under `path` (default
 * `/health`).
 *
 * @since 0.1.0
 * @category layers
 */
export const routes = (
  path: `/${string}` = "/health"
): Layer.Layer<never, never, HttpRouter.HttpRouter | ServiceManager.ServiceManager | SocketServer | Readiness> =>
  HttpRouter.use((router) =>
    Effect.gen(function*() {
      const manager = yield* ServiceManager.ServiceManager
      const sockets = yield* SocketServer
      const { phase } = yield* Readiness
      yield* router.add("GET", path, Effect.map(manager.health, (services) => {
        const all = Object.values(services)
        const ok = all.every((s) => s.status === "running")
        return json({ status: ok ? "ok" : "degraded", services, sockets: sockets.sessions().length }, ok)
      }))
      yield* router.add("GET", `${path}/live`, Effect.succeed(json({ status: "ok" }, true)))
      yield* router.add("GET", `${path}/ready`, Effect.gen(function*() {
        const now = yield* SubscriptionRef.get(phase)
        const failed = Object.values(yield* manager.health).filter((s) => s.status === "failed" && s.optional !== true)
        const ready = now === "ready" && failed.length === 0
        return json({ status: ready ? "ready" : now === "ready" ? "failed" : now, failed: failed.map((s) => s.name) }, ready)
      }))
    })
  )
