/**
 * The greeter: a service that greets people by name and counts the greetings it
 * has given. Its state lives as long as the service does.
 */
import { Service } from "@specter-runtime/server"
import { Context, Effect, SubscriptionRef } from "effect"

/** A greeting, and how many have been given so far (this one included). */
export interface Greeting {
  readonly message: string
  readonly count: number
}

export class Greeter extends Context.Service<Greeter, {
  readonly greet: (name: string) => Effect.Effect<Greeting>
}>()("app/Greeter") {
  static readonly layer = Service.layer(this, Effect.gen(function*() {
    const count = yield* SubscriptionRef.make(0)
    return {
      greet: (name: string) =>
        Effect.map(SubscriptionRef.updateAndGet(count, (n) => n + 1), (n) => ({ message: `Hello, ${name}!`, count: n }))
    }
  }))
}
