/**
 * A route's handler as the router runs it: decode what the route declares (and
 * nothing else), run the user's handler, normalise its value, and answer every
 * failure itself. Built once per route, so a request pays only for the steps its
 * route declared.
 *
 * @internal
 */
import { Answer, Field } from "@specter-runtime/core"
import { Context, Effect, type Schema } from "effect"
import { HttpRouter, HttpServerRequest, type HttpServerResponse } from "effect/http"
import { IncomingMessage } from "node:http"
import { answerFailure, respond } from "./response.ts"
import type { Options } from "../Route.ts"

/** A route with a body was sent something that is not JSON. */
export class UnsupportedMediaType
  extends Answer.TaggedError("UnsupportedMediaType", { status: 415 })<{ readonly contentType: string | undefined }>
{
  override get message() {
    return "request body must be JSON (content-type: application/json)"
  }
}

/** `application/json` or any `<type>/<subtype>+json`, with any parameters. */
const JSON_TYPE = /^\s*(?:application\/json|[^\s/;]+\/[^\s;]+\+json)\s*(?:;|$)/i

/** Whether a `content-type` header names JSON. */
export const isJson = (contentType: string | undefined): boolean => contentType !== undefined && JSON_TYPE.test(contentType)

/**
 * The request's `content-type`. On Node it is read from the `IncomingMessage`
 * itself: `request.headers` copies every header into a new object on first use,
 * which a route that reads one header does not need.
 */
export const contentTypeOf = (request: HttpServerRequest.HttpServerRequest): string | undefined =>
  request.source instanceof IncomingMessage ? request.source.headers["content-type"] : request.headers["content-type"]

/** The router's parsed query with one value per key: of a repeated key, the last. */
const queryOf = (parsed: Readonly<Record<string, string | ReadonlyArray<string>>>): Record<string, string> => {
  const query: Record<string, string> = Object.create(null)
  for (const key in parsed) {
    const value = parsed[key]!
    query[key] = typeof value === "string" ? value : value[value.length - 1]!
  }
  return query
}

const unset: unique symbol = Symbol("unset")

/**
 * What a handler receives. Undeclared params and query are read from the router
 * only when the handler looks at them.
 */
class Input {
  readonly request: HttpServerRequest.HttpServerRequest
  readonly context: Context.Context<never>
  body: unknown = undefined
  #params: unknown = unset
  #query: unknown = unset
  constructor(request: HttpServerRequest.HttpServerRequest, context: Context.Context<never>) {
    this.request = request
    this.context = context
  }
  get params(): unknown {
    if (this.#params === unset) this.#params = Context.getUnsafe(this.context, HttpRouter.RouteContext).params
    return this.#params
  }
  set params(value: unknown) {
    this.#params = value
  }
  get query(): unknown {
    if (this.#query === unset) this.#query = queryOf(Context.getUnsafe(this.context, HttpServerRequest.ParsedSearchParams))
    return this.#query
  }
  set query(value: unknown) {
    this.#query = value
  }
}

/** What `Route.make` passes on: `Route.Options`. */
export type Spec = Options

type Step = (input: Input) => Effect.Effect<HttpServerResponse.HttpServerResponse, unknown, unknown>

const readBody = (schema: Schema.Top, request: HttpServerRequest.HttpServerRequest): Effect.Effect<unknown, unknown, unknown> => {
  const contentType = contentTypeOf(request)
  return isJson(contentType)
    ? Effect.flatMap(request.json, (json) => Field.validate(schema, json))
    : Effect.fail(new UnsupportedMediaType({ contentType }))
}

/** The steps a route declared, innermost first: the handler, then body, query, params around it. */
const steps = (spec: Spec, handler: (input: any) => Effect.Effect<unknown, unknown, unknown>): Step => {
  const { body, params, query, status, headers } = spec
  const run: Step = (input) => Effect.map(handler(input), (value) => respond(value, status, headers))
  const withBody: Step = body === undefined ? run : (input) =>
    Effect.flatMap(readBody(body, input.request), (decoded) => {
      input.body = decoded
      return run(input)
    })
  const withQuery: Step = query === undefined ? withBody : (input) =>
    Effect.flatMap(Field.validate(query, input.query), (decoded) => {
      input.query = decoded
      return withBody(input)
    })
  return params === undefined ? withQuery : (input) =>
    Effect.flatMap(Field.validate(params, input.params), (decoded) => {
      input.params = decoded
      return withQuery(input)
    })
}

/** The handler of a route: every failure (decode, handler, defect) is answered here. */
export const make = (
  spec: Spec,
  handler: (input: any) => Effect.Effect<unknown, unknown, unknown>
): Effect.Effect<HttpServerResponse.HttpServerResponse, never, any> => {
  const first = steps(spec, handler)
  const message = spec.errorMessage === "" ? undefined : spec.errorMessage
  return Effect.withFiber((fiber) => {
    const context = fiber.context as Context.Context<never>
    const request = Context.getUnsafe(context, HttpServerRequest.HttpServerRequest)
    return Effect.catchCause(first(new Input(request, context)), (cause) => answerFailure(cause, request, message))
  })
}
