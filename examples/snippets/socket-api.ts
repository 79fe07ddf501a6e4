import { connect } from "@specter-runtime/client"
import { App, Controller, SocketApi } from "@specter-runtime/server"
import { Console, Effect, Layer, Ref, Schema } from "effect"
import { HttpServer } from "effect/http"

// api.ts, shared by the server and its clients (a client imports it with `import type`)
const Item = Schema.Struct({ id: Schema.Int, name: Schema.String })
const Api = SocketApi.make({
  events: { "items:add": { payload: Schema.Struct({ name: Schema.String }), ack: Item } },
  pushes: { "items:added": Item }
})

// the server: its handlers are checked against the API
const Items = Controller.make("items", Effect.gen(function*() {
  const pushes = yield* SocketApi.publisher(Api)
  const ids = yield* Ref.make(0)
  return {
    events: SocketApi.handlers(Api, {
      "items:add": ({ name }) =>
        Effect.gen(function*() {
          const item = { id: yield* Ref.updateAndGet(ids, (n) => n + 1), name }
          yield* pushes.broadcast("items:added", item)
          return item
        })
    })
  }
}))

// a client: the API is its type parameter, so the ack is typed and a wrong payload does not compile
const program = Effect.gen(function*() {
  const { address } = yield* HttpServer.HttpServer
  const client = connect<typeof Api>(`ws://127.0.0.1:${"port" in address ? address.port : 3000}/ws`)
  const item = yield* Effect.promise(() => client.emit("items:add", { name: "lamp" }))
  yield* Console.log(item) // => { id: 1, name: 'lamp' }
  client.close()
})

Effect.runPromise(program.pipe(Effect.provide(Layer.orDie(App.layer(Items, { http: { port: 0 } })))))
