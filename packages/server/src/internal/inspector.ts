/**
 * The inspector's layer: its page and assets on the router, the tokens that tie
 * a socket session to an authorized page, the `_specter:*` socket events, and the
 * fiber that pushes a snapshot to every watching session each interval.
 *
 * @internal
 */
import { Bus, type Registry, type ServiceManager } from "@specter-runtime/core"
import { Clock, Data, Duration, Effect, Layer, Result, Schedule, Schema, Stream } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { randomUUID } from "node:crypto"
import { readFile } from "node:fs/promises"
import { fileURLToPath } from "node:url"
import * as ClientModule from "../ClientModule.ts"
import * as HttpError from "../HttpError.ts"
import type { Options } from "../Inspector.ts"
import { SocketIngress } from "../SocketIngress.ts"
import * as SocketServer from "../SocketServer.ts"
import * as Observer from "./inspectorObserver.ts"
import { queues, snapshot } from "./inspectorSnapshot.ts"

/** How long a page's token is accepted: a page left open longer is reloaded. */
const TOKEN_TTL = Duration.hours(12)
/** Tokens kept at most; the oldest goes first. */
const MAX_TOKENS = 1000

const assets = fileURLToPath(new URL("../../inspector/", import.meta.url))

class InspectorAssetsMissing extends Data.TaggedError("InspectorAssetsMissing")<{ readonly cause: unknown }> {
  override get message() {
    return `the inspector's page cannot be read from ${assets}`
  }
}

const read = (file: string) => readFile(`${assets}${file}`, "utf8")

const readAssets = Effect.tryPromise({
  try: () => Promise.all([read("index.html"), read("inspector.js"), read("inspector.css")] as const),
  catch: (cause) => new InspectorAssetsMissing({ cause })
}).pipe(Effect.orDie)

/** The tokens of the pages served, each with when it expires (epoch ms). */
const makeTokens = Effect.sync(() => {
  const tokens = new Map<string, number>()
  return {
    issue: Effect.map(Clock.currentTimeMillis, (now) => {
      const token = randomUUID()
      tokens.set(token, now + Duration.toMillis(TOKEN_TTL))
      for (const oldest of tokens.keys()) {
        if (tokens.size <= MAX_TOKENS) break
        tokens.delete(oldest)
      }
      return token
    }),
    check: (token: string) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const expires = tokens.get(token)
        return expires !== undefined && expires > now
          ? Effect.void
          : Effect.fail(HttpError.forbidden("the inspector needs a fresh page: reload it"))
      })
  }
})

const Watch = Schema.Struct({ token: Schema.String })
const Cancel = Schema.Struct({ token: Schema.String, queue: Schema.String, id: Schema.String })

const page = (html: string, token: string, base: string, socketPath: string) =>
  HttpServerResponse.text(html.replaceAll("%BASE%", base).replace("%TOKEN%", token).replace("%SOCKET%", socketPath), {
    contentType: "text/html; charset=utf-8",
    headers: { "cache-control": "no-store", "x-frame-options": "DENY", "referrer-policy": "no-referrer" }
  })

const asset = (text: string, contentType: string) => Effect.succeed(HttpServerResponse.text(text, { contentType, headers: { "cache-control": "no-cache" } }))

const routes = (options: Options) =>
  Layer.effectDiscard(Effect.gen(function*() {
    const base = options.path ?? "/_specter"
    const interval = options.interval ?? Duration.millis(500)
    const router = yield* HttpRouter.HttpRouter
    const sockets = yield* SocketServer.SocketServer
    const ingress = yield* SocketIngress
    const bus = yield* Bus.Bus
    const observer = yield* Observer.make({ tail: options.tail ?? 200, lines: options.lines ?? 20 })
    const tokens = yield* makeTokens
    const watching = new Set<string>()
    const [html, script, style] = yield* readAssets
    const authorize = options.authorize ?? (() => Effect.void)

    yield* router.add("GET", base as HttpRouter.PathInput, Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const allowed = yield* Effect.result(authorize(request))
      if (Result.isFailure(allowed)) return HttpServerResponse.jsonUnsafe({ error: allowed.failure.message }, { status: allowed.failure.status })
      return page(html, yield* tokens.issue, base, options.socketPath ?? "/ws")
    }))
    yield* router.add("GET", `${base}/inspector.js` as HttpRouter.PathInput, asset(script, "text/javascript; charset=utf-8"))
    yield* router.add("GET", `${base}/inspector.css` as HttpRouter.PathInput, asset(style, "text/css; charset=utf-8"))

    // Socket handlers need no services: they close over these.
    const context = yield* Effect.context<Registry.Registry | ServiceManager.ServiceManager | Bus.Bus | SocketServer.SocketServer | SocketIngress>()
    const current = Effect.provideContext(snapshot(observer), context)
    const listed = Effect.provideContext(queues, context)
    yield* Effect.orDie(ingress.subscribe("_specter:watch", {
      payload: Watch,
      label: "inspector",
      handle: ({ token }, { session }) =>
        Effect.andThen(tokens.check(token), Effect.andThen(Effect.sync(() => watching.add(session.sid)), current))
    }))
    yield* Effect.orDie(ingress.subscribe("_specter:cancel", {
      payload: Cancel,
      label: "inspector",
      handle: ({ token, queue, id }) =>
        Effect.andThen(tokens.check(token), Effect.gen(function*() {
          const found = (yield* listed).find((q) => q.name === queue)
          if (found === undefined) return yield* HttpError.notFound(`no queue '${queue}'`)
          return { cancelled: yield* found.cancel(id) }
        }))
    }))

    const gone = yield* bus.subscribe(SocketServer.Disconnected)
    yield* Effect.forkScoped(Stream.runForEach(gone, ({ sid }) => Effect.sync(() => watching.delete(sid))))
    const pushAll = Effect.suspend(() =>
      watching.size === 0
        ? Effect.void
        : Effect.flatMap(current, (next) => Effect.forEach([...watching], (sid) => sockets.push(sid, "_specter:snapshot", next), { discard: true }))
    )
    yield* Effect.forkScoped(Effect.repeat(pushAll, Schedule.spaced(interval)))
  }))

export const layer = (options: Options) =>
  Layer.merge(routes(options), ClientModule.route({ path: `${options.path ?? "/_specter"}/client.js` }))
