/**
 * The socket envelope, as the client speaks it. The frame types are those of
 * `@specter-runtime/protocol` (the one definition, shared with the server), imported as
 * types only: this module adds no runtime dependency. What it holds at runtime
 * is a small decoder for the frames the server sends and the encoder of the
 * frames the client sends.
 *
 * @since 0.1.0
 */
import type { SocketProtocol } from "@specter-runtime/protocol"

/**
 * A frame the client sends: `hello` (first frame of every connection), `emit`
 * (acked when it has an `id`), `topic` (join or leave, never answered).
 *
 * @since 0.1.0
 * @category models
 */
export type ClientFrame = SocketProtocol.ClientFrame

/**
 * A frame the server sends: `ready` (the answer to `hello`, with the session
 * id), `ack` (the answer to an emit with an `id`), `event` (a push), `error`.
 *
 * @since 0.1.0
 * @category models
 */
export type ServerFrame = SocketProtocol.ServerFrame

/**
 * The `error` of a failed ack: a machine `code`, a human `message`, and for a
 * validation failure `fields`, a message per field.
 *
 * @since 0.1.0
 * @category models
 */
export type AckError = SocketProtocol.AckError

/**
 * A server `error` frame: a frame the server could not handle (not JSON, not an
 * envelope, an event nobody handles) that carried no `id`.
 *
 * @since 0.1.0
 * @category models
 */
export type ErrorFrame = SocketProtocol.ErrorFrame

/**
 * Writes a frame as JSON text. Throws the `TypeError` of `JSON.stringify` when the
 * payload has a cycle or a BigInt.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeFrame = (frame: ClientFrame): string => JSON.stringify(frame)

type Json = { readonly [key: string]: unknown }

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value)

const stringField = (value: Json, key: string): string | undefined => {
  const field = value[key]
  return typeof field === "string" ? field : undefined
}

const isId = (value: unknown): value is number | string => typeof value === "number" || typeof value === "string"

const decodeAckError = (value: unknown): AckError => {
  const error = isObject(value) ? value : {}
  const code = stringField(error, "code") ?? "error"
  const message = stringField(error, "message") ?? code
  if (!isObject(error["fields"])) return { code, message }
  const fields: Record<string, string> = {}
  for (const [name, text] of Object.entries(error["fields"])) {
    if (typeof text === "string") fields[name] = text
  }
  return { code, message, fields }
}

const decodeObject = (value: Json): ServerFrame | undefined => {
  switch (value["type"]) {
    case "ready": {
      const sid = stringField(value, "sid")
      return sid === undefined ? undefined : { type: "ready", sid }
    }
    case "ack": {
      const id = value["id"]
      if (!isId(id)) return undefined
      return value["ok"] === true
        ? { type: "ack", id, ok: true, payload: value["payload"] }
        : { type: "ack", id, ok: false, error: decodeAckError(value["error"]) }
    }
    case "event": {
      const event = stringField(value, "event")
      return event === undefined ? undefined : { type: "event", event, payload: value["payload"] }
    }
    case "error": {
      const code = stringField(value, "code") ?? "error"
      const message = stringField(value, "message") ?? code
      const id = value["id"]
      return isId(id) ? { type: "error", code, message, id } : { type: "error", code, message }
    }
    default:
      return undefined
  }
}

/**
 * Reads one server frame from a WebSocket message's `data`. Returns `undefined` for
 * binary data, text that is not JSON, or an envelope of an unknown type or with a
 * missing required field. A failed ack without a usable `error` still decodes (code
 * `"error"`), so that the emit waiting for it settles. Never throws.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeFrame = (data: unknown): ServerFrame | undefined => {
  if (typeof data !== "string") return undefined
  let value: unknown
  try {
    value = JSON.parse(data)
  } catch {
    return undefined
  }
  return isObject(value) ? decodeObject(value) : undefined
}
