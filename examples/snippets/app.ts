import { App, Controller, Field, Route, Service, SocketServer, Store } from "@specter-runtime/server"
import { Context, Effect, Layer } from "effect"

const Note = Field.struct({ text: Field.string({ required: true, nonEmpty: true }) })

class Notes extends Context.Service<Notes, Store.Store<{ notes: ReadonlyArray<string> }>>()("notes") {
  static readonly layer = Service.layer(this, Store.make("notes", { notes: [] as ReadonlyArray<string> }))
}

const NotesController = Controller.make("notes-api", Effect.gen(function*() {
  const notes = yield* Notes
  const sockets = yield* SocketServer.SocketServer
  const add = (text: string) => notes.update((s) => ({ notes: [...s.notes, text] }))
  yield* notes.listen((s) => sockets.publish("notes", "notes:changed", s))
  return {
    routes: [Route.post("/api/notes", { body: Note, status: 201 }, ({ body }) => add(body.text))],
    events: { "notes:add": Controller.event({ payload: Note, handle: ({ text }) => add(text) }) }
  }
}))

App.run(NotesController.pipe(Layer.provide(Notes.layer))) // port: PORT, or 3000
