import { Registry } from "@specter/core"
import { Effect } from "effect"

const Tunnel = Registry.key<{ readonly url: string }>("tunnel")

const program = Effect.gen(function*() {
  const registry = yield* Registry.Registry
  const waiting = yield* Effect.forkChild(registry.waitFor(Tunnel, "5 seconds"))
  yield* registry.provide(Tunnel, { url: "https://example.test" })   // removed when this scope closes
  yield* Effect.log(yield* registry.require(Tunnel))
  return waiting
}).pipe(Effect.scoped, Effect.provide(Registry.layer))

Effect.runPromise(program)
