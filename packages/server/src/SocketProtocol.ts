/**
 * The wire format of the socket endpoint: JSON text frames, one envelope each.
 *
 * Client → server: `hello {route?}`, `emit {event, payload?, id?}`,
 * `topic {action: "join" | "leave", topic}`.
 * Server → client: `ready {sid}`, `ack {id, ok, payload | error}`,
 * `event {event, payload}`, `error {code, message}`.
 * Original: SPRAG's browser socket envelope (hello/emit/topic in,
 * event/error/ready out), extended with acks.
 *
 * @since 0.1.0
 */
import { Result, Schema } from "effect"

/** Longest event or topic name, in characters. */
const MAX_NAME = 256

const Name = Schema.String.pipe(Schema.check(Schema.isMinLength(1), Schema.isMaxLength(MAX_NAME)))
const Id = Schema.Union([Schema.Finite, Schema.String.pipe(Schema.check(Schema.isMaxLength(MAX_NAME)))])

/**
 * A frame from a client, validated.
 *
 * @since 0.1.0
 * @category models
 */
export const ClientFrame = Schema.Union([
  Schema.Struct({ type: Schema.Literal("hello"), route: Schema.optionalKey(Schema.String) }),
  Schema.Struct({ type: Schema.Literal("emit"), event: Name, payload: Schema.optionalKey(Schema.Unknown), id: Schema.optionalKey(Id) }),
  Schema.Struct({ type: Schema.Literal("topic"), action: Schema.Literals(["join", "leave"]), topic: Name })
])

/**
 * @since 0.1.0
 * @category models
 */
export type ClientFrame = typeof ClientFrame.Type

/**
 * Why a frame could not be handled; sent back in an `error` frame (or an ack).
 *
 * @since 0.1.0
 * @category models
 */
export interface FrameError {
  readonly code: "bad_json" | "bad_frame"
  readonly message: string
  /** The frame's `id`, when it had a usable one, so that the error can be an ack. */
  readonly id?: number | string | undefined
}

const decodeFrame = Schema.decodeUnknownResult(ClientFrame)

const idOf = (value: unknown): number | string | undefined => {
  if (typeof value !== "object" || value === null || !("id" in value)) return undefined
  const id = (value as { id: unknown }).id
  return (typeof id === "number" && Number.isFinite(id)) || (typeof id === "string" && id.length <= MAX_NAME) ? id : undefined
}

/**
 * Parses one text frame. Never throws: malformed JSON, a non-object and an
 * unknown or malformed envelope are `FrameError`s.
 *
 * @since 0.1.0
 * @category decoding
 */
export const parse = (text: string): Result.Result<ClientFrame, FrameError> => {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return Result.fail({ code: "bad_json", message: "frame is not valid JSON" })
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return Result.fail({ code: "bad_frame", message: "frame must be a JSON object" })
  }
  const decoded = decodeFrame(json)
  if (Result.isSuccess(decoded)) return Result.succeed(decoded.success)
  const type = (json as { type?: unknown }).type
  const message = typeof type === "string" && ["hello", "emit", "topic"].includes(type)
    ? `malformed '${type}' frame: ${decoded.failure.message}`
    : `unknown frame type ${JSON.stringify(type) ?? "undefined"}; expected hello, emit or topic`
  return Result.fail({ code: "bad_frame", message, id: idOf(json) })
}

/**
 * The error of a failed ack: a code (`"validation"`, `"not_found"`,
 * `"unknown_event"`, `"internal"` …), a message, and per-field messages for
 * validation failures.
 *
 * @since 0.1.0
 * @category models
 */
export interface AckError {
  readonly code: string
  readonly message: string
  readonly fields?: Readonly<Record<string, string>> | undefined
}

/** `ready`. @since 0.1.0 @category encoding */
export const ready = (sid: string): string => JSON.stringify({ type: "ready", sid })

/** A successful `ack`. @since 0.1.0 @category encoding */
export const ackOk = (id: number | string, payload: unknown): string =>
  JSON.stringify({ type: "ack", id, ok: true, payload: payload ?? null })

/** A failed `ack`. @since 0.1.0 @category encoding */
export const ackError = (id: number | string, error: AckError): string =>
  JSON.stringify({ type: "ack", id, ok: false, error })

/** A server `event`. @since 0.1.0 @category encoding */
export const event = (name: string, payload: unknown): string =>
  JSON.stringify({ type: "event", event: name, payload: payload ?? null })

/** An `error` frame. @since 0.1.0 @category encoding */
export const error = (code: string, message: string): string => JSON.stringify({ type: "error", code, message })
