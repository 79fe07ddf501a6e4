import { Persistence, Store } from "@specter-runtime/core"
import { Console, Effect, Schema } from "effect"

const Todos = Schema.Struct({ todos: Schema.Array(Schema.String) })

// One run of an application: open the persisted store, add a todo, shut down.
const run = (todo: string) =>
  Effect.gen(function*() {
    const store = yield* Store.make("todos", { todos: [] as ReadonlyArray<string> }, { persist: { schema: Todos } })
    const { todos } = yield* store.update((s) => ({ todos: [...s.todos, todo] })) // completes once durable
    yield* Console.log(todos.join(", "))
  }).pipe(Effect.scoped, Effect.provide(Persistence.layer)) // SQLite in $SPECTER_DATA_DIR/specter.db

Effect.runPromise(Effect.andThen(run("write the README"), run("ship it")))
// => write the README
// => write the README, ship it
// the second run started from the saved state
