/**
 * Turns the typed handlers of a socket API into the untyped ones the ingress and
 * controllers run: the payload Schema of the declaration validates, the ack,
 * result or push Schema encodes. Every encoder is built once, when the handlers
 * or the publisher are made.
 *
 * @internal
 */
import type { SocketApi } from "@specter-runtime/protocol"
import { Effect, Schema } from "effect"
import type { Action, ActionContext } from "../Controller.ts"
import type { Events } from "../Handler.ts"
import type { EventContext } from "../SocketIngress.ts"
import { SocketServer } from "../SocketServer.ts"

type Handle<C> = (payload: any, context: C) => Effect.Effect<unknown, unknown>

interface Options {
  readonly handle: Handle<EventContext>
  readonly priority?: number | undefined
  readonly ordered?: boolean | undefined
  readonly label?: string | undefined
}

const fail = (message: string): never => {
  throw new TypeError(`[specter:socket-api] ${message}`)
}

/**
 * The answer of `handle` encoded with `schema` (a value the Schema refuses is a
 * defect: a server fault, never a validation failure of the client); without a
 * Schema the answer is `undefined`, so that the ack is `null`.
 */
const encoded = <C>(handle: Handle<C>, schema: SocketApi.Codec | undefined, takesPayload: boolean): Handle<C> => {
  const run: Handle<C> = takesPayload ? handle : (_, context) => handle(undefined, context)
  if (schema === undefined) return (payload, context) => Effect.asVoid(run(payload, context))
  const encode = Schema.encodeEffect(schema)
  return (payload, context) => Effect.flatMap(run(payload, context), (answer) => Effect.orDie(encode(answer)))
}

/** @internal */
export const handlers = (api: SocketApi.Any, given: { readonly [event: string]: unknown }): Events => {
  const events: Record<string, Events[string]> = {}
  for (const [event, handler] of Object.entries(given)) {
    const spec = Object.hasOwn(api.events, event) ? api.events[event] : undefined
    if (spec === undefined) return fail(`the API declares no event '${event}'`)
    const options: Options = typeof handler === "function" ? { handle: handler as Handle<EventContext> } : handler as Options
    events[event] = {
      payload: spec.payload,
      priority: options.priority,
      ordered: options.ordered,
      label: options.label,
      handle: encoded(options.handle, spec.ack, spec.payload !== undefined)
    }
  }
  return events
}

/** @internal */
export const actions = (
  api: SocketApi.Any,
  controller: string,
  given: { readonly [name: string]: unknown }
): Record<string, Action<any, any, any>> => {
  const result: Record<string, Action<any, any, any>> = {}
  for (const [name, handle] of Object.entries(given)) {
    const id = `${controller}/${name}` as const
    const spec = Object.hasOwn(api.actions, id) ? api.actions[id] : undefined
    if (spec === undefined) return fail(`the API declares no action '${id}'`)
    result[name] = {
      payload: spec.payload,
      handle: encoded(handle as Handle<ActionContext>, spec.result, spec.payload !== undefined)
    }
  }
  return result
}

type Encode = (payload: unknown) => Effect.Effect<unknown>

/** One encoder per push of `api`; a name it does not declare is a defect. */
const pushEncoders = (api: SocketApi.Any): (push: string) => Encode => {
  const encoders = new Map<string, Encode>()
  for (const [push, schema] of Object.entries(api.pushes)) {
    const encode = Schema.encodeUnknownEffect(schema)
    encoders.set(push, (payload) => Effect.orDie(encode(payload)))
  }
  return (push) => encoders.get(push) ?? (() => Effect.die(new TypeError(`[specter:socket-api] the API declares no push '${push}'`)))
}

/** @internal */
export const publisher = (api: SocketApi.Any) =>
  Effect.map(SocketServer, (server) => {
    const encoderOf = pushEncoders(api)
    return {
      publish: (topic: string, push: string, payload: unknown) =>
        Effect.flatMap(encoderOf(push)(payload), (encoded) => server.publish(topic, push, encoded)),
      push: (sid: string, push: string, payload: unknown) =>
        Effect.flatMap(encoderOf(push)(payload), (encoded) => server.push(sid, push, encoded)),
      broadcast: (push: string, payload: unknown) =>
        Effect.flatMap(encoderOf(push)(payload), (encoded) => server.broadcast(push, encoded))
    }
  })
