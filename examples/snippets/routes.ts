import { App, Answer, Field, HttpError, Route, Router } from "@specter-runtime/server"
import { Console, Effect, Layer } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest, HttpServer } from "effect/http"

const NewItem = Field.struct({ name: Field.string({ required: true, maxLength: 40 }), quantity: Field.int({ default: 1 }) })
const ItemId = Field.struct({ id: Field.int({ required: true }) })

class ItemNotFound extends Answer.TaggedError("ItemNotFound", { status: 404 })<{ readonly id: number }> {
  override get message() {
    return `no item ${this.id}`
  }
}

const items = new Map<number, typeof NewItem.Type>()

const Api = Router.layer([
  Route.post("/items", { body: NewItem, status: 201 }, ({ body }) => Effect.sync(() => (items.set(items.size + 1, body), { id: items.size }))),
  Route.get("/items/:id", { params: ItemId }, ({ params }) =>
    items.has(params.id) ? Effect.succeed(items.get(params.id)!) : Effect.fail(new ItemNotFound({ id: params.id }))),
  Route.del("/items/:id", { params: ItemId }, () => Effect.fail(HttpError.forbidden("items are kept forever")))
], { prefix: "/api" })

// An HTTP client for relative URLs against the running app (what @specter-runtime/testing/server does).
const Served = HttpServer.layerTestClient.pipe(Layer.provide(FetchHttpClient.layer), Layer.provideMerge(App.layer(Api, { http: { port: 0 } })))

const call = (method: "GET" | "POST" | "PUT" | "DELETE", path: string, body?: string, type = "application/json") =>
  Effect.gen(function*() {
    const request = HttpClientRequest.make(method)(path)
    const response = yield* HttpClient.execute(body === undefined ? request : HttpClientRequest.bodyText(request, body, type))
    const allow = response.headers["allow"]
    return `${response.status} ${yield* response.text}${allow === undefined ? "" : ` allow: ${allow}`}`
  })

const program = Effect.gen(function*() {
  yield* Console.log(yield* call("POST", "/api/items", `{"name":"lamp","quantity":"3"}`)) // => 201 {"id":1}
  yield* Console.log(yield* call("GET", "/api/items/1")) // => 200 {"name":"lamp","quantity":3}
  yield* Console.log(yield* call("GET", "/api/items/7")) // => 404 {"error":"no item 7"}
  yield* Console.log(yield* call("POST", "/api/items", `{"quantity":1}`)) // => 400 {"error":"Validation failed: name: 'name' is required","errors":{"name":"'name' is required"}}
  yield* Console.log(yield* call("POST", "/api/items", "name=lamp", "application/x-www-form-urlencoded")) // => 415 {"error":"request body must be JSON (content-type: application/json)"}
  yield* Console.log(yield* call("DELETE", "/api/items/1")) // => 403 {"error":"items are kept forever"}
  yield* Console.log(yield* call("PUT", "/api/items/1")) // => 405 {"error":"method not allowed"} allow: GET, HEAD, DELETE
})

Effect.runPromise(program.pipe(Effect.provide(Served)))
