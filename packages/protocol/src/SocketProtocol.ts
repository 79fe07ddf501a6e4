/**
 * The wire format of Specter's socket endpoint: plain WebSocket, JSON text
 * frames, one envelope per frame. The Schemas below are the contract; the server
 * decodes client frames and encodes server frames with this module, and the
 * client imports the types (`import type { SocketProtocol } from
 * "@specter-runtime/protocol"`, zero runtime bytes).
 *
 * Client → server (`ClientFrame`):
 * - `{"type":"hello","route":"/page"}` (optional): answered with `ready`.
 * - `{"type":"emit","event":"items:add","payload":…,"id":7}`: with an `id` the
 *   server answers an `ack` carrying that `id`; without one it answers nothing
 *   (except an `error` frame when the event cannot be handled).
 * - `{"type":"topic","action":"join"|"leave","topic":"room:1","id"?}`: with an
 *   `id` answered with an `ack` (`ok: false` with code `forbidden` when the server
 *   refuses the join); without one answered only when refused (an `error` frame).
 *
 * Server → client (`ServerFrame`):
 * - `{"type":"ready","sid":"…"}`, the session id.
 * - `{"type":"ack","id":7,"ok":true,"payload":…}` or
 *   `{"type":"ack","id":7,"ok":false,"error":{"code","message","fields"?}}`.
 * - `{"type":"event","event":"name","payload":…}`: a push to the session, a topic
 *   it joined, or everyone.
 * - `{"type":"error","code":"…","message":"…"}`: a frame that could not be handled.
 *
 * Acks of one session may arrive in any order: match them by `id`.
 *
 * @since 0.1.0
 */
import { Data, Result, Schema } from "effect"
import * as internal from "./internal/decode.ts"

/**
 * The longest event name, topic name and string `id`: 256 UTF-16 code units.
 *
 * @since 0.1.0
 * @category constants
 */
export const maxNameLength: number = internal.MAX_NAME

/**
 * The longest `route` of a `hello`: 2 048 UTF-16 code units.
 *
 * @since 0.1.0
 * @category constants
 */
export const maxRouteLength: number = internal.MAX_ROUTE

/**
 * An event or topic name: 1 to `maxNameLength` characters.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Name = Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(internal.MAX_NAME))

/**
 * The `id` of an emit, echoed by its ack: a finite number, or a string of at most
 * `maxNameLength` characters.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Id = Schema.Union([Schema.Finite, Schema.String.check(Schema.isMaxLength(internal.MAX_NAME))])

/**
 * @since 0.1.0
 * @category models
 */
export type Id = typeof Id.Type

/**
 * `{"type":"hello","route"?}`: the client says which page it is on.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Hello = Schema.Struct({
  type: Schema.Literal("hello"),
  route: Schema.optionalKey(Schema.String.check(Schema.isMaxLength(internal.MAX_ROUTE)))
})

/**
 * `{"type":"emit","event","payload"?,"id"?}`: a socket event; with an `id` it is acked.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Emit = Schema.Struct({
  type: Schema.Literal("emit"),
  event: Name,
  payload: Schema.optionalKey(Schema.Unknown),
  id: Schema.optionalKey(Id)
})

/**
 * `{"type":"topic","action":"join"|"leave","topic","id"?}`: with an `id` the
 * server acks the join or leave (a refused join fails with code `forbidden`).
 *
 * @since 0.1.0
 * @category schemas
 */
export const Topic = Schema.Struct({
  type: Schema.Literal("topic"),
  action: Schema.Literals(["join", "leave"]),
  topic: Name,
  id: Schema.optionalKey(Id)
})

/**
 * A frame a client sends.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ClientFrame = Schema.Union([Hello, Emit, Topic])

/**
 * @since 0.1.0
 * @category models
 */
export type ClientFrame = typeof ClientFrame.Type

/**
 * Why an emit failed: a machine `code` (`"validation"`, `"not_found"`,
 * `"unknown_event"`, `"bad_frame"`, `"internal"` …), a human `message`, and for a
 * validation failure `fields`, a message per failing field.
 *
 * @since 0.1.0
 * @category schemas
 */
export const AckError = Schema.Struct({
  code: Schema.String,
  message: Schema.String,
  fields: Schema.optionalKey(Schema.Record(Schema.String, Schema.String))
})

/**
 * @since 0.1.0
 * @category models
 */
export type AckError = typeof AckError.Type

/**
 * `{"type":"ready","sid"}`: the answer to `hello`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Ready = Schema.Struct({ type: Schema.Literal("ready"), sid: Schema.String })

/**
 * `{"type":"ack","id","ok":true,"payload"}`: an emit succeeded (`payload` is
 * `null` when the handlers returned nothing).
 *
 * @since 0.1.0
 * @category schemas
 */
export const AckOk = Schema.Struct({ type: Schema.Literal("ack"), id: Id, ok: Schema.Literal(true), payload: Schema.Unknown })

/**
 * `{"type":"ack","id","ok":false,"error"}`: an emit failed.
 *
 * @since 0.1.0
 * @category schemas
 */
export const AckFailed = Schema.Struct({ type: Schema.Literal("ack"), id: Id, ok: Schema.Literal(false), error: AckError })

/**
 * The answer to an emit that carried an `id`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Ack = Schema.Union([AckOk, AckFailed])

/**
 * @since 0.1.0
 * @category models
 */
export type Ack = typeof Ack.Type

/**
 * `{"type":"event","event","payload"}`: a push from the server.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Event = Schema.Struct({ type: Schema.Literal("event"), event: Name, payload: Schema.Unknown })

/**
 * `{"type":"error","code","message","id"?}`: a frame the server could not handle
 * (not JSON, not an envelope, an event nobody handles) that carried no `id`. With
 * an `id` the server answers a failed `ack` instead; a client treats an `error`
 * carrying an `id` the same way.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ErrorFrame = Schema.Struct({
  type: Schema.Literal("error"),
  code: Schema.String,
  message: Schema.String,
  id: Schema.optionalKey(Id)
})

/**
 * @since 0.1.0
 * @category models
 */
export type ErrorFrame = typeof ErrorFrame.Type

/**
 * A frame the server sends.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ServerFrame = Schema.Union([Ready, Ack, Event, ErrorFrame])

/**
 * @since 0.1.0
 * @category models
 */
export type ServerFrame = typeof ServerFrame.Type

/**
 * A client frame that is not a well-formed envelope: `code` is `"bad_json"` (not
 * JSON) or `"bad_frame"` (not an object, an unknown `type`, a missing or malformed
 * field, with the Schema's explanation in `message`). `id` is the frame's `id`
 * when it had a usable one, so that the answer can be a failed ack.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidFrame extends Data.TaggedError("InvalidFrame")<{
  readonly code: "bad_json" | "bad_frame"
  readonly reason: string
  readonly id: Id | undefined
}> {
  override get message() {
    return this.reason
  }
}

const decodeSchema = Schema.decodeUnknownResult(ClientFrame)

const explain = (json: unknown): Result.Result<ClientFrame, InvalidFrame> => {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return Result.fail(new InvalidFrame({ code: "bad_frame", reason: "a frame must be a JSON object", id: undefined }))
  }
  const decoded = decodeSchema(json)
  if (Result.isSuccess(decoded)) return Result.succeed(decoded.success)
  const type = (json as { readonly type?: unknown }).type
  const reason = type === "hello" || type === "emit" || type === "topic"
    ? `malformed '${type}' frame: ${decoded.failure.message}`
    : `unknown frame type ${internal.describe(type)}; expected hello, emit or topic`
  return Result.fail(new InvalidFrame({ code: "bad_frame", reason, id: internal.idOf(json) }))
}

/**
 * Reads one client text frame. Never throws: text that is not JSON, a value that
 * is not an object, an unknown `type`, and missing, malformed, huge or odd fields
 * are an `InvalidFrame`. Unknown extra keys are dropped.
 *
 * Well-formed `hello`, `emit` and `topic` frames are recognised by a hand-written
 * check that agrees with `ClientFrame` (as fast as `JSON.parse` alone); the rest
 * go through the Schema, which accepts them or says what is wrong.
 *
 * @example
 * const frame = SocketProtocol.decode('{"type":"emit","event":"items:add","id":1}')
 * // Result.succeed({ type: "emit", event: "items:add", id: 1 })
 *
 * @since 0.1.0
 * @category decoding
 */
export const decode = (text: string): Result.Result<ClientFrame, InvalidFrame> => {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return Result.fail(new InvalidFrame({ code: "bad_json", reason: "a frame must be valid JSON", id: undefined }))
  }
  const frame = internal.fast(json)
  return frame === undefined ? explain(json) : Result.succeed(frame)
}

/**
 * A server frame whose payload JSON cannot represent: a cycle, a `BigInt`, a
 * `toJSON` that throws, nesting too deep for `JSON.stringify`.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnencodableFrame extends Data.TaggedError("UnencodableFrame")<{
  readonly type: ServerFrame["type"]
  readonly cause: unknown
}> {
  override get message() {
    return `a '${this.type}' frame cannot be written as JSON: ${String(this.cause)}`
  }
}

/**
 * Writes a server frame as JSON text. A frame is its own encoding (`ServerFrame`'s
 * `Type` and `Encoded` are the same), so this is `JSON.stringify`, with its
 * failures as `UnencodableFrame` instead of a throw.
 *
 * @example
 * SocketProtocol.encode(SocketProtocol.ack(7, { saved: true }))
 * // Result.succeed('{"type":"ack","id":7,"ok":true,"payload":{"saved":true}}')
 *
 * @since 0.1.0
 * @category encoding
 */
export const encode = (frame: typeof ServerFrame.Encoded): Result.Result<string, UnencodableFrame> => {
  try {
    return Result.succeed(JSON.stringify(frame))
  } catch (cause) {
    return Result.fail(new UnencodableFrame({ type: frame.type, cause }))
  }
}

/**
 * `ready` with the session id.
 *
 * @since 0.1.0
 * @category constructors
 */
export const ready = (sid: string): ServerFrame => ({ type: "ready", sid })

/**
 * A successful `ack` of emit `id`; an `undefined` payload is sent as `null`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const ack = (id: Id, payload: unknown): ServerFrame => ({ type: "ack", id, ok: true, payload: payload ?? null })

/**
 * The answer to a frame that failed with `error`: a failed `ack` when the frame
 * carried an `id`, else an `error` frame.
 *
 * @since 0.1.0
 * @category constructors
 */
export const failed = (id: Id | undefined, error: AckError): ServerFrame =>
  id === undefined
    ? { type: "error", code: error.code, message: error.message }
    : { type: "ack", id, ok: false, error }

/**
 * An `event` push; an `undefined` payload is sent as `null`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const event = (name: string, payload: unknown): ServerFrame => ({ type: "event", event: name, payload: payload ?? null })
