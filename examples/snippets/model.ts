import { Model } from "@specter/core"
import { Effect } from "effect"

const program = Effect.gen(function*() {
  const player = yield* Model.make("player", { playback: { url: "", position: 0 }, volume: 1 })
  yield* player.subscribe("playback.url", (url) => Effect.log(`now playing ${url}`)) // logs once: the url changes once

  yield* player.set("playback.url", "a.mp3")
  yield* player.set(["playback", "position"], 42)                 // a path as segments
  yield* player.patch({ playback: { position: 0 }, volume: 0.5 }) // deep merge: the url stays
  console.log(yield* player.get("playback"))                       // { url: 'a.mp3', position: 0 }

  const refused = yield* Effect.flip(player.set("__proto__.polluted", true))
  console.log(refused._tag)                                        // InvalidPath: nothing changed
}).pipe(Effect.scoped)

Effect.runPromise(program)
