import { Model } from "@specter-runtime/core"
import { Console, Effect } from "effect"

const program = Effect.gen(function*() {
  const player = yield* Model.make("player", { playback: { url: "", position: 0 }, volume: 1 })
  yield* player.listen("playback.url", (url) => Console.log(`now playing ${url}`)) // only when the url changes

  yield* player.set("playback.url", "a.mp3")
  yield* player.set(["playback", "position"], 42)                 // a path as segments
  yield* player.patch({ playback: { position: 0 }, volume: 0.5 }) // deep merge: the url stays
  // => now playing a.mp3
  yield* Console.log(yield* player.get("playback")) // => { url: 'a.mp3', position: 0 }

  const refused = yield* Effect.flip(player.set("__proto__.polluted", true))
  yield* Console.log(refused._tag) // => InvalidPath
}).pipe(Effect.scoped)

Effect.runPromise(program)
