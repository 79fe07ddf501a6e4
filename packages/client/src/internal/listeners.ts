/**
 * A set of callbacks with dispatch that survives a throwing callback.
 *
 * @internal
 */

/** @internal */
export interface Listeners<A> {
  readonly size: number
  /** Adds `listener` (once: adding it again is a no-op); returns its removal. */
  add(listener: (value: A) => void): () => void
  remove(listener: (value: A) => void): void
  /**
   * Calls every listener with `value`, in the order they were added, over a snapshot
   * (a listener may add or remove listeners). A listener that throws is reported via
   * `console.error` and the others still run.
   */
  emit(value: A): void
}

/** @internal */
export const makeListeners = <A>(label: string): Listeners<A> => {
  const listeners = new Set<(value: A) => void>()
  return {
    get size() {
      return listeners.size
    },
    add: (listener) => {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
    remove: (listener) => {
      listeners.delete(listener)
    },
    emit: (value) => {
      for (const listener of [...listeners]) {
        try {
          listener(value)
        } catch (error) {
          console.error(`[@specter-runtime/client] a ${label} handler threw`, error)
        }
      }
    }
  }
}
