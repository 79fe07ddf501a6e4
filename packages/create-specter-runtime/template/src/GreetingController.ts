/**
 * Greetings over HTTP (`POST /api/greetings` with `{"name": "Ada"}`) and over the
 * socket (the event `greet`, acked with the greeting). A request without a name is
 * answered 400 (or a failed ack) with a message for the `name` field.
 */
import { Controller, Field, Route } from "@specter-runtime/server"
import { Effect } from "effect"
import { Greeter } from "./Greeter.ts"

const GreetingRequest = Field.struct({ name: Field.string({ required: true, nonEmpty: true, maxLength: 80 }) })

export const GreetingController = Controller.make("greetings", Effect.gen(function*() {
  const greeter = yield* Greeter
  return {
    routes: [Route.post("/api/greetings", { body: GreetingRequest }, ({ body }) => greeter.greet(body.name))],
    events: { greet: Controller.event({ payload: GreetingRequest, handle: ({ name }) => greeter.greet(name) }) }
  }
}))
