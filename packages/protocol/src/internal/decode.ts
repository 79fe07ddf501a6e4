/**
 * The hand-written check of the common envelopes: it accepts a value only when
 * the `ClientFrame` Schema would accept it, and builds the same frame; anything
 * else is left to the Schema (which explains the failure). The protocol tests
 * check that both agree on generated input.
 *
 * @internal
 */
import type { ClientFrame } from "../SocketProtocol.ts"

/** Longest event name, topic and string `id`, in UTF-16 code units. */
export const MAX_NAME = 256

/** Longest `route` of a `hello`, in UTF-16 code units. */
export const MAX_ROUTE = 2048

const isName = (u: unknown): u is string => typeof u === "string" && u.length >= 1 && u.length <= MAX_NAME

const isId = (u: unknown): u is number | string =>
  typeof u === "number" ? Number.isFinite(u) : typeof u === "string" && u.length <= MAX_NAME

const emit = (o: Readonly<Record<string, unknown>>): ClientFrame | undefined => {
  const event = o["event"]
  if (!isName(event)) return undefined
  const hasPayload = "payload" in o
  if (!("id" in o)) return hasPayload ? { type: "emit", event, payload: o["payload"] } : { type: "emit", event }
  const id = o["id"]
  if (!isId(id)) return undefined
  return hasPayload ? { type: "emit", event, payload: o["payload"], id } : { type: "emit", event, id }
}

/** The frame `json` stands for, when it is a well-formed envelope; `undefined` means "ask the Schema". */
export const fast = (json: unknown): ClientFrame | undefined => {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return undefined
  const o = json as Readonly<Record<string, unknown>>
  switch (o["type"]) {
    case "emit":
      return emit(o)
    case "topic": {
      const action = o["action"]
      const topic = o["topic"]
      if ((action !== "join" && action !== "leave") || !isName(topic)) return undefined
      if (!("id" in o)) return { type: "topic", action, topic }
      const id = o["id"]
      return isId(id) ? { type: "topic", action, topic, id } : undefined
    }
    case "hello": {
      if (!("route" in o)) return { type: "hello" }
      const route = o["route"]
      return typeof route === "string" && route.length <= MAX_ROUTE ? { type: "hello", route } : undefined
    }
    default:
      return undefined
  }
}

/** The frame's `id`, when it has a usable one (so that a rejection can be an ack). */
export const idOf = (json: object): number | string | undefined => {
  const id = "id" in json ? json.id : undefined
  return isId(id) ? id : undefined
}

/** A short, safe description of a `type` value for an error message. */
export const describe = (type: unknown): string => {
  if (typeof type === "string") return JSON.stringify(type.length > 32 ? `${type.slice(0, 32)}…` : type)
  return type === null ? "null" : Array.isArray(type) ? "an array" : typeof type === "object" ? "an object" : String(type)
}
