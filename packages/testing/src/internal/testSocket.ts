/**
 * The frames a test WebSocket received, and the waits on them: every frame is
 * kept in `frames`; `next` takes the first not-yet-taken frame matching a
 * predicate, waiting for it (bounded) when none has arrived.
 *
 * @internal
 */
import { Deferred, Duration, Effect } from "effect"

/** A received frame: parsed JSON, or the text itself when it is not JSON. */
const parse = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** What a `next` failed waiting for; `server.ts` turns it into `SocketTimeout`. */
export interface Missed {
  readonly waitingFor: string
}

/** @internal */
export class Inbox {
  readonly frames: Array<any> = []
  readonly closed = Deferred.makeUnsafe<number>()
  readonly #pending: Array<any> = []
  readonly #waiters = new Set<() => void>()
  #closeCode: number | undefined

  receive(data: unknown): void {
    const frame = parse(String(data))
    this.frames.push(frame)
    this.#pending.push(frame)
    this.#wakeAll()
  }

  close(code: number): void {
    this.#closeCode = code
    Deferred.doneUnsafe(this.closed, Effect.succeed(code))
    this.#wakeAll()
  }

  next(predicate: (frame: any) => boolean, timeout: Duration.Input): Effect.Effect<any, Missed> {
    const duration = Duration.fromInputUnsafe(timeout)
    return Effect.callback<any, Missed>((resume) => {
      const done = (effect: Effect.Effect<any, Missed>) => {
        this.#waiters.delete(check)
        clearTimeout(timer)
        resume(effect)
      }
      const check = () => {
        const index = this.#pending.findIndex(predicate)
        if (index !== -1) done(Effect.succeed(this.#pending.splice(index, 1)[0]))
        else if (this.#closeCode !== undefined) {
          done(Effect.fail({ waitingFor: `a frame (the socket closed with ${this.#closeCode})` }))
        }
      }
      const timer = setTimeout(
        () => done(Effect.fail({ waitingFor: `a frame within ${Duration.format(duration)}` })),
        Duration.toMillis(duration)
      )
      this.#waiters.add(check)
      check()
      return Effect.sync(() => {
        this.#waiters.delete(check)
        clearTimeout(timer)
      })
    })
  }

  #wakeAll(): void {
    for (const wake of [...this.#waiters]) wake()
  }
}
