import { NodeServices } from "@effect/platform-node"
import { ManagedProcess } from "@specter-runtime/core"
import { Console, Effect, Option, Stream } from "effect"

// Prints 1, 2, 3 (one every 50 ms), then crashes
const counter = `let i = 0
setInterval(() => { console.log(++i); if (i === 3) process.exit(1) }, 50)`

const program = Effect.gen(function*() {
  const hello = yield* ManagedProcess.make(process.execPath, ["-e", "console.log('hello')"])
  yield* Console.log(yield* Stream.runCollect(hello.stdout), yield* hello.exit) // => [ 'hello' ] { _tag: 'Exited', code: 0 }

  const supervised = yield* ManagedProcess.supervise(process.execPath, ["-e", counter], {
    name: "counter",
    terminateTimeout: "2 seconds", // at scope close: SIGTERM to the process group, SIGKILL 2 s later
    restart: ManagedProcess.restartPolicy({ base: "100 millis", max: "10 seconds", times: 5 })
  })
  const lines = yield* supervised.stdout.pipe(Stream.take(5), Stream.runCollect) // one Stream across restarts
  yield* Console.log(lines.join(" ")) // => 1 2 3 1 2
  const { lastExit, restarts } = yield* supervised.state
  yield* Console.log(restarts, Option.getOrUndefined(lastExit)) // => 1 { _tag: 'Exited', code: 1 }
}).pipe(Effect.scoped, Effect.provide(NodeServices.layer)) // closing the scope stops the process

Effect.runPromise(program)
