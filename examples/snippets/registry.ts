import { Registry } from "@specter-runtime/core"
import { Console, Effect, Fiber } from "effect"

const Tunnel = Registry.key<{ readonly url: string }>("tunnel")

const program = Effect.gen(function*() {
  const registry = yield* Registry.Registry
  const waiting = yield* Effect.forkChild(registry.waitFor(Tunnel, "5 seconds")) // a wait always has a timeout
  yield* registry.provide(Tunnel, { url: "https://example.test" })                // removed when this scope closes
  yield* Console.log((yield* Fiber.join(waiting)).url) // => https://example.test
  const missing = yield* Effect.flip(registry.require(Registry.key<number>("port")))
  yield* Console.log(missing.message) // => 'port' is not provided; provided: [tunnel]
}).pipe(Effect.scoped, Effect.provide(Registry.layer))

Effect.runPromise(program)
