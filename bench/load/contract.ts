/**
 * What every server of the load bench answers, so that the same workload means
 * the same work on each of them (and what the smoke check verifies first):
 *
 * - `POST /api/items` with `ITEM_BODY`: validated and coerced (`quantity` "3" → 3,
 *   `active` absent → true, `tags` absent → []), given an id and a time, kept, and
 *   answered 201 with the item; an invalid body answers 400.
 * - `GET /api/items`: `{ "items": [...] }`, the last `KEEP` items added.
 * - `POST /api/broadcast`: pushes `{"type":"event","event":"tick","payload":{...}}`
 *   to every connected socket, answers 200 `{ "sent": <sockets> }`.
 * - the socket at `/ws`: `{"type":"emit","event":"items:add","payload":…,"id":n}`
 *   is acked with `{"type":"ack","id":n,"ok":true,"payload":<item>}` (the envelope
 *   of `shared/architecture.md`), an invalid payload with `"ok":false`.
 * - a readiness path answering 200 once the server serves (`/health`; Specter's
 *   `/health` also answers during start-up, so it is `/health/ready` there).
 */

/** How many items a server keeps (the oldest goes first), so a snapshot has a fixed size. */
export const KEEP = 100

/** The POST body: `quantity` as a string to coerce, `active` left to its default. */
export const ITEM_BODY = JSON.stringify({ name: "widget", quantity: "3", tags: ["red", "small"] })

/** A body each server must refuse with 400 (an empty name). */
export const INVALID_BODY = JSON.stringify({ name: "", quantity: "3" })

/** The socket frame of one emit with ack id `id`. */
export const emitFrame = (id: number): string =>
  `{"type":"emit","event":"items:add","payload":${ITEM_BODY},"id":${id}}`

/** The payload every broadcast carries. */
export const TICK = { message: "tick" }

/** The servers, in the order the report lists them (the subject last). */
export const SERVERS = ["raw", "effect", "specter"] as const
export type ServerName = (typeof SERVERS)[number]

/** Each server's readiness path (see the module comment). */
export const READY_PATH: Readonly<Record<ServerName, string>> = {
  raw: "/health",
  effect: "/health",
  specter: "/health/ready"
}
