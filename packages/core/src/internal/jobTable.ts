/**
 * The jobs a queue holds (queued or running), indexed by their sequence number.
 * Sequence numbers only grow and jobs mostly finish in the order they came, so the
 * table is an array window over the live range: O(1) add, find and remove, no
 * hashing, and no per-job map entry for the garbage collector to chase (a `Map`
 * of 100 000 string keys cost more than the rest of a job's bookkeeping).
 *
 * @internal
 */
export class JobTable<E extends { readonly seq: number }> {
  private slots: Array<E | undefined> = []
  /** Index in `slots` of the oldest live slot. */
  private head = 0
  /** Sequence number of `slots[0]`. */
  private base = 1
  private live = 0

  get size(): number {
    return this.live
  }

  /** Adds `entry`, whose `seq` must be the next sequence number. */
  add(entry: E): void {
    if (this.slots.length === 0 && this.live === 0) this.base = entry.seq
    this.slots[entry.seq - this.base] = entry
    this.live++
  }

  get(seq: number): E | undefined {
    const index = seq - this.base
    return index >= this.head && index < this.slots.length ? this.slots[index] : undefined
  }

  delete(seq: number): void {
    const index = seq - this.base
    if (index < this.head || index >= this.slots.length || this.slots[index] === undefined) return
    this.slots[index] = undefined
    this.live--
    while (this.head < this.slots.length && this.slots[this.head] === undefined) this.head++
    if (this.head === this.slots.length) {
      this.base += this.head
      this.slots = []
      this.head = 0
    } else if (this.head > 1024 && this.head * 2 > this.slots.length) {
      this.slots = this.slots.slice(this.head)
      this.base += this.head
      this.head = 0
    }
  }

  /** The live entries, oldest first. */
  values(): Array<E> {
    const out: Array<E> = []
    for (let i = this.head; i < this.slots.length; i++) {
      const entry = this.slots[i]
      if (entry !== undefined) out.push(entry)
    }
    return out
  }
}
