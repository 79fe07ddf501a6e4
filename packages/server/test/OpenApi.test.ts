/**
 * The OpenAPI document and docs page (issue 11): every route added through
 * `Router.add` is described with its body, params, query and response Schemas.
 */
import { assert, describe, it } from "@effect/vitest"
import { Controller, Field, Route } from "@specter-runtime/server"
import * as TestServer from "@specter-runtime/testing/server"
import { Context, Effect, Layer, Logger, Schema } from "effect"

const NewNote = Field.struct({ text: Field.string({ required: true, nonEmpty: true }), pinned: Field.bool() }, { name: "NewNote" })
const Note = Schema.Struct({ id: Schema.String, text: Schema.String })

const Notes = Controller.make("notes", Effect.succeed({
  prefix: "/api",
  routes: [
    Route.post("/notes", { body: NewNote, response: Note, status: 201 }, ({ body }) => Effect.succeed({ id: "1", text: body.text })),
    Route.get("/notes/:id", { params: Field.struct({ id: Field.string({ required: true }) }) }, ({ params }) => Effect.succeed({ id: params.id })),
    Route.get("/notes", { query: Field.struct({ limit: Field.int() }) }, () => Effect.succeed([]))
  ]
}))

const Extra = Controller.make("extra", Effect.succeed({ routes: [Route.del("/extra/:id", () => Effect.void)] }))

const inContext = <A, E>(context: Context.Context<any>, effect: Effect.Effect<A, E, any>): Effect.Effect<A, E> =>
  Effect.provideContext(effect, context) as Effect.Effect<A, E>

describe("OpenApi", () => {
  it.live("GET /openapi.json describes each route's body, params, query, response and error answers", () =>
    Effect.gen(function*() {
      const context = yield* Layer.build(TestServer.layer(Notes, { observability: { openApi: { title: "Notes", version: "1.2.3" } } }))
      const { status, body: spec } = yield* inContext(context, TestServer.request("/openapi.json"))
      assert.strictEqual(status, 200)
      assert.deepStrictEqual([spec.openapi, spec.info.title, spec.info.version], ["3.1.0", "Notes", "1.2.3"])
      const post = spec.paths["/api/notes"].post
      assert.deepStrictEqual(post.requestBody.content["application/json"].schema, { $ref: "#/components/schemas/NewNote" })
      const newNote = spec.components.schemas.NewNote
      assert.deepStrictEqual(newNote.required, ["text"])
      assert.deepStrictEqual([newNote.properties.text.type, newNote.properties.pinned.type], ["string", "boolean"])
      const created = post.responses["201"].content["application/json"].schema
      assert.deepStrictEqual(created.required, ["id", "text"])
      const invalid = post.responses["400"].content["application/json"].schema
      assert.deepStrictEqual(invalid, { $ref: "#/components/schemas/Error" }, "invalid input answers the error envelope")
      assert.deepStrictEqual(spec.components.schemas.Error.required, ["error"])
      assert.isDefined(post.responses["500"])
      const byId = spec.paths["/api/notes/{id}"].get
      assert.deepInclude(byId.parameters[0], { name: "id", in: "path", required: true })
      const list = spec.paths["/api/notes"].get
      assert.deepInclude(list.parameters[0], { name: "limit", in: "query", required: false })
      assert.isUndefined(spec.paths["/openapi.json"], "the document does not list itself")
    }).pipe(Effect.scoped, Effect.provide(Logger.layer([]))))

  it.live("docsPath: false serves the document without a page", () =>
    Effect.gen(function*() {
      const context = yield* Layer.build(TestServer.layer(Layer.merge(Notes, Extra), { observability: { openApi: { docsPath: false } } }))
      const spec = (yield* inContext(context, TestServer.request("/openapi.json"))).body
      const remove = spec.paths["/extra/{id}"]?.delete
      assert.isDefined(remove, "every controller's routes are listed")
      assert.deepInclude(remove.parameters[0], { name: "id", in: "path", required: true }, "a path parameter without a Schema is a string")
      assert.deepStrictEqual(spec.tags.map((t: { name: string }) => t.name).sort(), ["extra", "notes"])
      const docs = yield* inContext(context, TestServer.request("/docs"))
      assert.strictEqual(docs.status, 404)
    }).pipe(Effect.scoped, Effect.provide(Logger.layer([]))))

  it.live("the docs page renders the document with the Scalar script shipped in Effect (no CDN)", () =>
    Effect.gen(function*() {
      const context = yield* Layer.build(TestServer.layer(Notes, { observability: { openApi: true } }))
      const { status, headers, text } = yield* inContext(context, TestServer.request("/docs"))
      assert.strictEqual(status, 200)
      assert.include(headers.get("content-type"), "text/html")
      assert.include(text, "createApiReference")
      assert.include(text, "/api/notes/{id}")
      assert.notMatch(text, /<script[^>]+src=/, "the script is inline")
    }).pipe(Effect.scoped, Effect.provide(Logger.layer([]))))
})
