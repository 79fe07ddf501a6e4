/**
 * The socket envelope: JSON text frames, one envelope per frame. See "The socket
 * protocol" in the architecture notes.
 *
 * @since 0.1.0
 */

/**
 * A frame the client sends:
 *
 * - `{"type":"hello","route":"/path"}`: first frame of every connection; the server
 *   answers `ready`.
 * - `{"type":"emit","event":"name","payload":…,"id":7}`: with an `id` the server
 *   answers an `ack` with the same `id`; without one nothing is answered.
 * - `{"type":"topic","action":"join"|"leave","topic":"room:1"}`: never answered.
 *
 * Original: SPRAG's browser runtime sent the same `hello`/`emit`/`topic` frames,
 * without `id`.
 *
 * @since 0.1.0
 * @category models
 */
export type ClientFrame =
  | { readonly type: "hello"; readonly route?: string }
  | { readonly type: "emit"; readonly event: string; readonly payload?: unknown; readonly id?: number }
  | { readonly type: "topic"; readonly action: "join" | "leave"; readonly topic: string }

/**
 * The `error` of a failed ack: a machine `code`, a human `message`, and for
 * validation errors `fields`, a map from field name to message.
 *
 * @since 0.1.0
 * @category models
 */
export interface AckFailure {
  readonly code: string
  readonly message: string
  readonly fields?: Readonly<Record<string, string>>
}

/**
 * A server `error` frame, `{"type":"error","code":"…","message":"…"}`: a frame the
 * server could not handle (not JSON, too large, unknown event). Not tied to an emit
 * unless it carries that emit's `id`.
 *
 * @since 0.1.0
 * @category models
 */
export interface ServerError {
  readonly code: string
  readonly message: string
}

/**
 * A frame the server sends: `ready` (answer to `hello`, carries the session id),
 * `ack` (answer to an emit with an `id`), `event` (a push to this session, a topic it
 * joined, or everyone), `error`.
 *
 * @since 0.1.0
 * @category models
 */
export type ServerFrame =
  | { readonly type: "ready"; readonly sid: string }
  | { readonly type: "ack"; readonly id: number; readonly ok: true; readonly payload: unknown }
  | { readonly type: "ack"; readonly id: number; readonly ok: false; readonly error: AckFailure }
  | { readonly type: "event"; readonly event: string; readonly payload: unknown }
  | { readonly type: "error"; readonly code: string; readonly message: string; readonly id?: number }

/**
 * Writes a frame as JSON text. Throws the `TypeError` of `JSON.stringify` when the
 * payload has a cycle or a BigInt.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeFrame = (frame: ClientFrame): string => JSON.stringify(frame)

type Json = { readonly [key: string]: unknown }

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const stringField = (value: Json, key: string): string | undefined => {
  const field = value[key]
  return typeof field === "string" ? field : undefined
}

const decodeFailure = (value: unknown): AckFailure => {
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
  if (!isObject(value)) return undefined
  switch (value["type"]) {
    case "ready": {
      const sid = stringField(value, "sid")
      return sid === undefined ? undefined : { type: "ready", sid }
    }
    case "ack": {
      const id = value["id"]
      if (typeof id !== "number") return undefined
      return value["ok"] === true
        ? { type: "ack", id, ok: true, payload: value["payload"] }
        : { type: "ack", id, ok: false, error: decodeFailure(value["error"]) }
    }
    case "event": {
      const event = stringField(value, "event")
      return event === undefined ? undefined : { type: "event", event, payload: value["payload"] }
    }
    case "error": {
      const code = stringField(value, "code") ?? "error"
      const message = stringField(value, "message") ?? code
      const id = value["id"]
      return typeof id === "number" ? { type: "error", code, message, id } : { type: "error", code, message }
    }
    default:
      return undefined
  }
}
