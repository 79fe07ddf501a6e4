/**
 * A typed socket API end to end: a server whose handlers, actions and pushes are
 * checked against `SocketApi.make`'s declaration, and a Node client (`ws` as its
 * WebSocket) that takes the declaration as a type parameter. The acks, results
 * and pushes the client receives are the Schemas' encoded (JSON) form.
 *
 * The server's compile-time checks are the `@ts-expect-error` lines of
 * `typeChecks` below (the project's `tsc` fails if one of them compiles); the
 * client's are `packages/client/test/types.test.ts`.
 */
import { assert, describe, layer } from "@effect/vitest"
import { connect, type SocketClient } from "@specter-runtime/client"
import { Controller, Field, SocketApi } from "@specter-runtime/server"
import * as TestServer from "@specter-runtime/testing/server"
import { DateTime, Effect, Layer, Ref, Schema } from "effect"
import WebSocket from "ws"

const NewItem = Field.struct({ name: Field.string({ required: true, nonEmpty: true }), quantity: Field.int({ required: true }) })
const Item = Schema.Struct({ id: Schema.String, name: Schema.String, quantity: Schema.Number, createdAt: Schema.DateTimeUtcFromMillis })
type Item = typeof Item.Type

const Api = SocketApi.make({
  events: {
    "items:add": { payload: NewItem, ack: Item },
    "items:clear": {},
    "items:broken": { ack: Item }
  },
  pushes: { "items:changed": Schema.Struct({ items: Schema.Array(Item) }) },
  actions: { "items/rename": { payload: Schema.Struct({ id: Schema.String, name: Schema.String }), result: Item } }
})

/** On the server a `DateTime.Utc`; on the wire, and so for the client, epoch ms. */
const createdMs = Date.UTC(2026, 0, 2)
const createdAt = DateTime.makeUnsafe(createdMs)

const Items = Controller.make("items", Effect.gen(function*() {
  const items = yield* Ref.make<ReadonlyArray<Item>>([])
  const pushes = yield* SocketApi.publisher(Api)
  const changed = Effect.flatMap(Ref.get(items), (all) => pushes.publish("items", "items:changed", { items: all }))
  const add = (item: typeof NewItem.Type) =>
    Effect.gen(function*() {
      const created: Item = { id: `i${(yield* Ref.get(items)).length + 1}`, name: item.name, quantity: item.quantity, createdAt }
      yield* Ref.update(items, (all) => [...all, created])
      yield* changed
      return created
    })
  const rename = ({ id, name }: { readonly id: string; readonly name: string }) =>
    Effect.flatMap(Ref.updateAndGet(items, (all) => all.map((i) => (i.id === id ? { ...i, name } : i))), (all) =>
      Effect.succeed(all.find((i) => i.id === id) ?? { id, name, quantity: 0, createdAt }))
  return {
    events: SocketApi.handlers(Api, {
      "items:add": (item) => add(item),
      "items:clear": { ordered: true, handle: () => Effect.andThen(Ref.set(items, []), changed) },
      // A handler that breaks the declaration at run time (the type checker was told otherwise).
      "items:broken": () => Effect.succeed({ id: 1 } as unknown as Item)
    }),
    actions: SocketApi.actions(Api, "items", { rename })
  }
}))

/** A Node client of `Api` on the test server, closed with the scope. */
const client = Effect.flatMap(TestServer.url("/ws", "ws"), (url) =>
  Effect.acquireRelease(
    Effect.sync(() => connect<typeof Api>(url, { WebSocket, reconnect: false })),
    (client) => Effect.sync(() => client.close())
  ))

/** The next push `push` the client receives; listening starts when this is called. */
const nextPush = <P extends SocketApi.PushName<typeof Api>>(client: SocketClient<typeof Api>, push: P) => {
  const received = new Promise<SocketApi.Wire<typeof Api>["pushes"][P]>((resolve) => {
    const off = client.on(push, (payload) => {
      off()
      resolve(payload)
    })
  })
  return Effect.promise(() => received)
}

interface Rejection {
  readonly code: string
  readonly fields?: Readonly<Record<string, string>> | undefined
}

/** The `SocketAckError` an emit or call rejects with. */
const rejection = (promise: Promise<unknown>) =>
  Effect.promise((): Promise<Rejection> => promise.then(() => ({ code: "resolved" }), (error: Rejection) => error))

describe("SocketApi", () => {
  layer(TestServer.layer(Items), { excludeTestServices: true })((it) => {
    it.effect("a Node client of a typed API emits, gets the typed ack, and receives the typed push", () =>
      Effect.gen(function*() {
        const socket = yield* client
        socket.join("items")
        yield* Effect.promise(() => socket.emit("items:clear"))
        const changed = nextPush(socket, "items:changed")
        const ack = yield* Effect.promise(() => socket.emit("items:add", { name: "bolt", quantity: 3 }))
        const expected = { id: "i1", name: "bolt", quantity: 3, createdAt: createdMs }
        assert.deepStrictEqual(ack, expected)
        assert.deepStrictEqual(yield* changed, { items: [expected] })
      }).pipe(Effect.scoped))

    it.effect("a payload the event's Schema refuses is a validation ack with its fields, and the handler does not run", () =>
      Effect.gen(function*() {
        const socket = yield* client
        yield* Effect.promise(() => socket.emit("items:clear"))
        const refused = yield* rejection(socket.emit("items:add", { name: "", quantity: "x" } as never))
        assert.deepStrictEqual([refused.code, Object.keys(refused.fields ?? {}).sort()], ["validation", ["name", "quantity"]])
        const added = yield* Effect.promise(() => socket.emit("items:add", { name: "nut", quantity: 1 }))
        assert.strictEqual(added.id, "i1")
      }).pipe(Effect.scoped))

    it.effect("an event without an ack Schema answers null", () =>
      Effect.gen(function*() {
        const socket = yield* client
        assert.strictEqual(yield* Effect.promise(() => socket.emit("items:clear")), null)
      }).pipe(Effect.scoped))

    it.effect("an action of the API answers its encoded result over the socket and over HTTP", () =>
      Effect.gen(function*() {
        const socket = yield* client
        yield* Effect.promise(() => socket.emit("items:clear"))
        yield* Effect.promise(() => socket.emit("items:add", { name: "bolt", quantity: 3 }))
        const renamed = yield* Effect.promise(() => socket.call("items/rename", { id: "i1", name: "screw" }))
        assert.deepStrictEqual(renamed, { id: "i1", name: "screw", quantity: 3, createdAt: createdMs })
        const overHttp = yield* TestServer.request("/actions/items/rename", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ id: "i1", name: "washer" })
        })
        assert.deepStrictEqual([overHttp.status, overHttp.body.name, overHttp.body.createdAt], [200, "washer", createdMs])
      }).pipe(Effect.scoped))

    it.effect("an ack the ack Schema refuses is an internal ack, never a validation error of the client", () =>
      Effect.gen(function*() {
        const socket = yield* client
        const refused = yield* rejection(socket.emit("items:broken"))
        assert.deepStrictEqual([refused.code, refused.fields], ["internal", undefined])
      }).pipe(Effect.scoped))
  })

  describe("names the API does not declare", () => {
    const untyped = SocketApi as unknown as {
      handlers: (api: unknown, handlers: object) => unknown
      actions: (api: unknown, controller: string, handlers: object) => unknown
    }
    const message = (make: () => unknown) => {
      try {
        make()
        return "no error"
      } catch (error) {
        return `${(error as Error).name}: ${(error as Error).message}`
      }
    }

    layer(Layer.empty)((it) => {
      it.effect("handlers and actions refuse them with a TypeError naming them", () =>
        Effect.sync(() => {
          const handle = () => Effect.void
          assert.strictEqual(message(() => untyped.handlers(Api, { "items:nope": handle })), "TypeError: [specter:socket-api] the API declares no event 'items:nope'")
          assert.strictEqual(message(() => untyped.actions(Api, "items", { nope: handle })), "TypeError: [specter:socket-api] the API declares no action 'items/nope'")
          assert.strictEqual(message(() => untyped.actions(Api, "stock", { rename: handle })), "TypeError: [specter:socket-api] the API declares no action 'stock/rename'")
        }))
    })
  })
})

/** Compile-time checks of the server side; never called. */
const typeChecks = Effect.gen(function*() {
  const pushes = yield* SocketApi.publisher(Api)
  SocketApi.handlers(Api, {
    // @ts-expect-error the ack must be an Item
    "items:add": (item) => Effect.succeed(item.name)
  })
  SocketApi.handlers(Api, {
    // @ts-expect-error the payload of items:add has no field colour
    "items:add": (item) => Effect.succeed({ id: item.colour, name: "", quantity: 0, createdAt })
  })
  SocketApi.handlers(Api, {
    // @ts-expect-error an event the API does not declare
    "items:nope": () => Effect.void
  })
  SocketApi.handlers(Api, {
    // @ts-expect-error a handler needs no service: it closes over the ones it uses
    "items:clear": () => SocketApi.publisher(Api)
  })
  // @ts-expect-error an action the API does not declare
  SocketApi.actions(Api, "items", { remove: () => Effect.void })
  // @ts-expect-error the result of items/rename must be an Item
  SocketApi.actions(Api, "items", { rename: () => Effect.succeed("renamed") })
  // @ts-expect-error a push payload of the wrong type
  yield* pushes.publish("items", "items:changed", { items: [{ id: "i1" }] })
  // @ts-expect-error a push the API does not declare
  yield* pushes.broadcast("items:gone", {})
})
void typeChecks
