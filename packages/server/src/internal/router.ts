/**
 * The route table behind `Router.add`, one per `HttpRouter`. Effect's router
 * cannot remove a route and answers a known path with an unknown method 404, so
 * every path a group uses is registered in it once, for every method, with a
 * dispatcher reading this table:
 *
 * - a slot per method and path holds the handler of the group that added it,
 *   emptied when that group's scope closes (the path then answers 503) and filled
 *   again by the next group that adds the route (a restarted controller);
 * - the fast path is one `Map` lookup by method in the path the router matched;
 * - on a miss, a second matcher holding the routes by method (this table's own
 *   `FindMyWay`) finds a route of another pattern that takes the method
 *   (`DELETE /items/new` with `GET /items/new` and `DELETE /items/:id`), else the
 *   methods the path takes (405 with `Allow`).
 *
 * @internal
 */
import { Answer } from "@specter-runtime/core"
import { Cause, Data, Effect, type Scope } from "effect"
import { FindMyWay, HttpRouter, HttpServerRequest, type HttpServerResponse } from "effect/http"
import * as openapi from "./openapi.ts"
import { answerFailure } from "./response.ts"

/** A handler as the table keeps it: complete, answering its own failures. */
export type Handler = Effect.Effect<HttpServerResponse.HttpServerResponse, never, HttpRouter.Provided>

/** A group's wrapping of each of its handlers (its middleware). */
export type Wrap = (handler: Handler) => Handler

interface Live {
  readonly route: HttpRouter.Route<never, never>
  readonly handler: Handler
}

interface Slot {
  /** `undefined` once the group that added the route has stopped. */
  live: Live | undefined
}

interface Table {
  /** Every route ever added, by method, for the miss path. */
  readonly routes: FindMyWay.Router<Slot>
  /** The slots of each path registered in the router, by method. */
  readonly paths: Map<string, Map<string, Slot>>
}

/** The methods a route may answer, in the order `Allow` lists them. */
const methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"] as const

/** A method with no route at a path the table knows. */
class MethodNotAllowed extends Data.TaggedError("MethodNotAllowed")<{ readonly allow: string }> {
  override get message() {
    return "method not allowed"
  }
  [Answer.symbol](): Answer.Answer {
    return Answer.make(405, this.message, { headers: { allow: this.allow } })
  }
}

/** A route whose group has stopped. */
class RouteStopped extends Answer.TaggedError("RouteStopped", { status: 503 })<{}> {
  override get message() {
    return "unavailable: this route has stopped"
  }
}

const tables = new WeakMap<HttpRouter.HttpRouter, Table>()

const tableOf = (router: HttpRouter.HttpRouter): Table => {
  let table = tables.get(router)
  if (table === undefined) {
    table = { routes: FindMyWay.make<Slot>(), paths: new Map() }
    tables.set(router, table)
  }
  return table
}

/** The path as the matcher sees it: no repeated or trailing slash, any case. */
const keyOf = (path: string): string => path.replace(/\/{2,}/g, "/").replace(/(.)\/$/, "$1").toLowerCase()

const find = (table: Table, method: string, url: string) => {
  const found = table.routes.find(method, url)
  return found === undefined && method === "HEAD" ? table.routes.find("GET", url) : found
}

/** The answer when the path the router matched has no live route for the method. */
const miss = (table: Table, request: HttpServerRequest.HttpServerRequest, slot: Slot | undefined): Handler => {
  const found = find(table, request.method, request.url)
  const live = found?.handler.live
  if (live !== undefined) {
    return Effect.provideService(live.handler, HttpRouter.RouteContext, { route: live.route, params: found!.params })
  }
  const allow = methods.filter((method) => find(table, method, request.url)?.handler.live !== undefined)
  const error = slot === undefined && found === undefined && allow.length > 0
    ? new MethodNotAllowed({ allow: allow.join(", ") })
    : new RouteStopped()
  return answerFailure(Cause.fail(error), request, undefined)
}

const dispatch = (table: Table, slots: Map<string, Slot>) => (request: HttpServerRequest.HttpServerRequest): Handler => {
  const method = request.method
  const slot = slots.get(method) ?? (method === "HEAD" ? slots.get("GET") : undefined)
  return slot?.live !== undefined ? slot.live.handler : miss(table, request, slot)
}

/**
 * The slot of `method` at `path`, registering the path with the router the first
 * time; the table changes only once the router has taken the path.
 */
const slotOf = (router: HttpRouter.HttpRouter, table: Table, method: string, path: `/${string}`) =>
  Effect.suspend(() => {
    const key = keyOf(path)
    const known = table.paths.get(key)
    const slots = known ?? new Map<string, Slot>()
    const registered = known === undefined ? router.add("*", path, dispatch(table, slots)) as Effect.Effect<void> : Effect.void
    return Effect.map(registered, () => {
      if (known === undefined) table.paths.set(key, slots)
      let slot = slots.get(method)
      if (slot === undefined) {
        slot = { live: undefined }
        table.routes.on(method, path, slot)
        slots.set(method, slot)
      }
      return slot
    })
  }).pipe(Effect.catchDefect((defect) => Effect.die(new Error(clash(method, path, defect)))))

const clash = (method: string, path: string, defect: unknown) =>
  `cannot add ${method} ${path}: the router already has a route of the same pattern ` +
  `(at the same path with other parameter names, or added with bare HttpRouter.add): ${
    defect instanceof Error ? defect.message : String(defect)
  }`

/**
 * Adds `routes` under `prefix`, each handler wrapped by `wrap`, until the calling
 * scope closes. A route a running group already serves is a defect.
 */
export const add = (
  routes: ReadonlyArray<HttpRouter.Route<never, never>>,
  prefix: string | undefined,
  wrap: Wrap | undefined
): Effect.Effect<void, never, HttpRouter.HttpRouter | Scope.Scope> =>
  Effect.gen(function*() {
    const router = yield* HttpRouter.HttpRouter
    const table = tableOf(router)
    const mine: Array<readonly [Slot, Live]> = []
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        for (const [slot, live] of mine) if (slot.live === live) slot.live = undefined
      })
    )
    for (const route of routes) {
      const path = (prefix === undefined ? route.path : HttpRouter.prefixPath(route.path, prefix)) as `/${string}`
      const slot = yield* slotOf(router, table, route.method, path)
      if (slot.live !== undefined) return yield* Effect.die(new Error(`${route.method} ${path} is already served by a running group`))
      const handler = route.uninterruptible ? Effect.uninterruptible(route.handler) : route.handler
      const live: Live = { route, handler: wrap === undefined ? handler : wrap(handler) }
      slot.live = live
      mine.push([slot, live])
      yield* openapi.serve(router, route, path)
    }
  })

/** A group's middleware as a wrap: its failures are answered like a route's. */
export const middleware = (
  f: (handler: Handler) => Effect.Effect<HttpServerResponse.HttpServerResponse, unknown, HttpRouter.Provided>
): Wrap =>
(handler) =>
  Effect.catchCause(
    f(handler),
    (cause) => Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => answerFailure(cause, request, undefined))
  )
