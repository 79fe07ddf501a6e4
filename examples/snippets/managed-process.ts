import { NodeServices } from "@effect/platform-node"
import { ManagedProcess } from "@specter/core"
import { Effect, Stream } from "effect"

// Prints 1, 2, 3 (one every 50 ms), then crashes
const counter = `let i = 0
setInterval(() => { console.log(++i); if (i === 3) { console.error("out of fuel"); process.exit(1) } }, 50)`

const program = Effect.gen(function*() {
  const proc = yield* ManagedProcess.start("counter", process.execPath, ["-e", counter], {
    terminateTimeout: "2 seconds", // stop: SIGTERM to the process group, SIGKILL 2 s later
    restart: ManagedProcess.restartPolicy({ base: "100 millis", max: "10 seconds", times: 5 })
  })
  yield* proc.followOutput({ stderr: (line) => Effect.logWarning(line) }) // logs "out of fuel"
  console.log(yield* proc.stdout.pipe(Stream.take(5), Stream.runCollect)) // [ '1', '2', '3', '1', '2' ]: across a restart
  console.log((yield* proc.health).restarts)                              // 1
  yield* proc.stop
  console.log(yield* proc.awaitExit)                                      // { code: null, signal: 'SIGTERM' }: kept after stop
}).pipe(Effect.scoped, Effect.provide(NodeServices.layer))

Effect.runPromise(program)
