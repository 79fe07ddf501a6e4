import { App, Controller, Field, Route, Service, SocketServer, Store } from "@specter/server"
import { Effect } from "effect"

const Note = Field.struct({ text: Field.string({ required: true, nonEmpty: true }) })

class Notes extends Service.Tag<Notes, { readonly store: Store.Store<{ notes: ReadonlyArray<string> }> }>()("note-store", {}) {}
const NotesLive = Service.layer(Notes, () => Effect.map(Store.make("notes", { notes: [] as ReadonlyArray<string> }), (store) => ({ store })))

const NotesController = Controller.make("notes", () =>
  Effect.gen(function*() {
    const { store } = yield* Notes
    const sockets = yield* SocketServer.SocketServer
    const add = (text: string) => store.update((s) => ({ notes: [...s.notes, text] }))
    yield* store.subscribe((s) => sockets.publish("notes", "notes:changed", s))
    return {
      routes: [Route.post("/api/notes", { body: Note, status: 201 }, ({ body }) => add(body.text))],
      events: { "notes:add": Controller.event({ payload: Note, handle: ({ text }) => add(text) }) }
    }
  }))

App.run({ services: [NotesLive], controllers: [NotesController] }) // port: PORT, or 3000
