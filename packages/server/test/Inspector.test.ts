/**
 * The inspector on a real server: its page behind the `authorize` hook, its
 * socket events behind the page's token, the snapshot (services, queues with
 * their jobs, watchers, sockets, bus traffic), the pushes, and cancelling a job.
 * The page itself, in a browser, is tested by the example's browser tests.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Bus, QueueService, Registry, Service, SocketServer, Watcher } from "@specter-runtime/server"
import * as TestServer from "@specter-runtime/testing/server"
import { Context, Effect, Layer, Schedule, Schema, Stream } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"

class Slow extends Context.Service<Slow, QueueService.QueueService<string>>()("slow") {
  static readonly layer = QueueService.layer(this, {
    item: Schema.String,
    workers: 4,
    drainTimeout: "100 millis",
    handle: (_, job) => Effect.andThen(job.progress(10, "started"), Effect.never)
  })
}

const Ticks = Service.layerDiscard("ticks", Effect.gen(function*() {
  yield* Effect.forkScoped(Stream.runDrain(Watcher.poll(Effect.succeed(1), { name: "ticks", interval: "1 second" })))
  yield* Bus.on(Watcher.Stopped, () => {})
}))

const App = Layer.mergeAll(Slow.layer, Ticks)

const admin = HttpClientRequest.setHeader("x-admin", "yes")

/** The token of an authorized page. */
const pageToken = Effect.gen(function*() {
  const client = yield* HttpClient.HttpClient
  const html = yield* Effect.flatMap(client.execute(admin(HttpClientRequest.get("/_specter"))), (res) => res.text)
  const token = /name="specter-inspector-token" content="([^"]+)"/.exec(html)?.[1]
  assert.isString(token)
  return token!
})

const ack = (frame: any) => frame.type === "ack"

describe("Inspector", () => {
  layer(
    TestServer.layer(App, {
      inspector: {
        interval: "100 millis",
        authorize: (request) =>
          request.headers["x-admin"] === "yes" ? Effect.void : Effect.fail(new SocketServer.Refused({ status: 403, message: "admins only" }))
      }
    }),
    { excludeTestServices: true }
  )((it) => {
    it.effect("the inspector page answers the authorize hook's refusal unless it accepts the request", () =>
      Effect.gen(function*() {
        const client = yield* HttpClient.HttpClient
        const refused = yield* client.execute(HttpClientRequest.get("/_specter"))
        assert.strictEqual(refused.status, 403)
        assert.deepStrictEqual(yield* refused.json, { error: "admins only" })
        const page = yield* client.execute(admin(HttpClientRequest.get("/_specter")))
        assert.strictEqual(page.status, 200)
        assert.include(yield* page.text, `<script type="module" src="/_specter/inspector.js">`)
        const script = yield* client.execute(HttpClientRequest.get("/_specter/client.js"))
        assert.strictEqual(script.status, 200)
      }))

    it.effect("a socket without an authorized page's token is answered forbidden", () =>
      Effect.gen(function*() {
        const socket = yield* TestServer.connect("/ws")
        yield* socket.send({ type: "emit", event: "_specter:watch", payload: { token: "guessed" }, id: 1 })
        const answer = yield* socket.next(ack)
        assert.isFalse(answer.ok)
        assert.strictEqual(answer.error.code, "forbidden")
        yield* socket.send({ type: "emit", event: "_specter:cancel", payload: { token: "guessed", queue: "slow", id: "slow-1" }, id: 2 })
        assert.strictEqual((yield* socket.next(ack)).error.code, "forbidden")
      }).pipe(Effect.scoped))

    it.effect("_specter:watch answers a snapshot of services (with their listeners), queues, watchers and sockets, then pushes fresh ones", () =>
      Effect.gen(function*() {
        const token = yield* pageToken
        const registry = yield* Registry.Registry
        const slow = yield* registry.require(QueueService.registryKey("slow"))
        // The inspector follows an event from its first subscriber or publisher (here the
        // queue, at its start), on a fiber of its own: the job starts once it does.
        const bus = yield* Bus.Bus
        yield* Effect.repeat(Effect.sync(() => bus.subscribers(slow.updated)), {
          until: (subscribers) => subscribers > 0,
          schedule: Schedule.spaced("10 millis")
        }).pipe(Effect.timeout("2 seconds"))
        const id = yield* slow.enqueue("a")
        const socket = yield* TestServer.connect("/ws")
        yield* socket.send({ type: "emit", event: "_specter:watch", payload: { token }, id: 1 })
        const { payload: snapshot } = yield* socket.next(ack)
        const services = snapshot.services.map((s: any) => `${s.name}:${s.status}`)
        assert.includeMembers(services, ["slow:running", "ticks:running"])
        assert.strictEqual(snapshot.services.find((s: any) => s.name === "ticks").listeners, 1)
        assert.deepInclude(snapshot.watchers.map((w: any) => [w.name, w.mode, w.status]), ["ticks", "poll", "running"])
        assert.strictEqual(snapshot.queues[0].name, "slow")
        assert.isAtLeast(snapshot.sockets.sessions.length, 1)
        // The job's progress arrives with a later push, and so does its bus traffic.
        const snapshots = (f: any) => f.type === "event" && f.event === "_specter:snapshot"
        yield* socket.next((f) => snapshots(f) && f.payload.queues[0].jobs.some((j: any) => j.id === id && j.state === "running" && j.percent === 10))
        yield* socket.next((f) => snapshots(f) && f.payload.bus.traffic.some((t: any) => t.event === "slow:job" && t.payload.includes(id)))
      }).pipe(Effect.scoped))

    it.effect("_specter:cancel cancels a job, and answers not_found for a queue that does not exist", () =>
      Effect.gen(function*() {
        const token = yield* pageToken
        const slow = yield* Effect.flatMap(Registry.Registry, (r) => r.require(QueueService.registryKey("slow")))
        const id = yield* slow.enqueue("b")
        const socket = yield* TestServer.connect("/ws")
        yield* socket.send({ type: "emit", event: "_specter:cancel", payload: { token, queue: "slow", id }, id: 1 })
        const answer = yield* socket.next(ack)
        assert.deepStrictEqual(answer.payload, { cancelled: true })
        const job = yield* slow.job(id)
        assert.strictEqual(job._tag === "Some" ? job.value.state : "missing", "cancelled")
        yield* socket.send({ type: "emit", event: "_specter:cancel", payload: { token, queue: "nope", id }, id: 2 })
        assert.strictEqual((yield* socket.next(ack)).error.code, "not_found")
      }).pipe(Effect.scoped))
  })
})
