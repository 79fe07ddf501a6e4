import { App, Field, Route, Router } from "@specter-runtime/server"
import { Console, Effect, Layer } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest, HttpServer } from "effect/http"

const Note = Field.struct({
  text: Field.string({ required: true, maxLength: 280 }),
  tags: Field.list(Field.string({ maxLength: 20 }), { maxItems: 5, defaultWith: () => [] })
})

const Api = Router.layer([Route.post("/notes", { body: Note, status: 201 }, ({ body }) => Effect.succeed(body))])

// Every limit has a default: these are the defaults, but for the port and the body limit.
const Served = App.layer(Api, {
  http: {
    port: 0, // default PORT, else 3000; host: HOST, else every interface
    maxBodyBytes: 4 * 1024, // default 1 MiB; a larger body answers 413
    headersTimeout: "5 seconds", // a client slower to send its headers gets 408
    requestTimeout: "10 seconds", // the same for the whole request, body included
    keepAliveTimeout: "5 seconds", // idle keep-alive connections close after it
    maxConnections: 10_000, // TCP connections at once, WebSockets included
    shutdownTimeout: "1 second" // how long requests in flight may finish at shutdown
  },
  sockets: { path: "/ws" } // and the socket server's own options (SocketServer.Options)
})

const post = (body: string, type = "application/json") =>
  Effect.gen(function*() {
    const response = yield* HttpClient.execute(HttpClientRequest.bodyText(HttpClientRequest.post("/notes"), body, type))
    return `${response.status} ${yield* response.text}`
  })

const program = Effect.gen(function*() {
  yield* Console.log(yield* post(JSON.stringify({ text: "hello", tags: ["a"] }))) // => 201 {"text":"hello","tags":["a"]}
  yield* Console.log(yield* post(JSON.stringify({ text: "x".repeat(281) }))) // => 400 {"error":"Validation failed: text: 'text' must be at most 280 characters","errors":{"text":"'text' must be at most 280 characters"}}
  yield* Console.log(yield* post(JSON.stringify({ text: "x".repeat(5000) }))) // => 413 {"error":"request body too large"}
  yield* Console.log(yield* post(JSON.stringify({ text: "hi" }), "text/plain")) // => 415 {"error":"request body must be JSON (content-type: application/json)"}
})

Effect.runPromise(program.pipe(Effect.provide(HttpServer.layerTestClient.pipe(Layer.provide(FetchHttpClient.layer), Layer.provideMerge(Served)))))
