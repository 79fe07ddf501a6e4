import { describe, expect, it } from "vitest"
import { backoffDelay, defaultReconnect, makeBackoff } from "../src/index.ts"

const noJitter = () => 0.5

describe("backoffDelay", () => {
  it("grows from initialDelay by factor per attempt", () => {
    const options = { initialDelay: 100, factor: 3, maxDelay: 1_000_000 }
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, options, noJitter))).toEqual([100, 300, 900, 2700])
  })

  it("is capped at maxDelay, jitter included", () => {
    const options = { initialDelay: 100, factor: 2, maxDelay: 1000, jitter: 0.5 }
    expect([3, 4, 10, 5000].map((n) => backoffDelay(n, options, noJitter))).toEqual([800, 1000, 1000, 1000])
    expect(backoffDelay(20, options, () => 0.999)).toBe(1000)
    expect(backoffDelay(20, options, () => 0)).toBe(500)
  })

  it("stretches or shrinks by at most ±jitter using the injected random", () => {
    const options = { initialDelay: 1000, maxDelay: 10_000, jitter: 0.2 }
    expect(backoffDelay(0, options, () => 0)).toBe(800)
    expect(backoffDelay(0, options, () => 0.25)).toBe(900)
    expect(backoffDelay(0, options, () => 0.75)).toBe(1100)
    expect(backoffDelay(0, options, () => 0.99999)).toBe(1200)
  })

  it("defaults to 250 ms doubling up to 10 s with ±20 % jitter", () => {
    expect(defaultReconnect).toEqual({ initialDelay: 250, maxDelay: 10_000, factor: 2, jitter: 0.2 })
    expect([0, 1, 2, 5, 6].map((n) => backoffDelay(n, {}, noJitter))).toEqual([250, 500, 1000, 8000, 10_000])
    expect(backoffDelay(0, {}, () => 0)).toBe(200)
  })

  it("keeps an initialDelay of 0 at 0 however many attempts failed", () => {
    expect(backoffDelay(5000, { initialDelay: 0, factor: 10 }, noJitter)).toBe(0)
  })
})

describe("makeBackoff", () => {
  it("hands out the sequence attempt by attempt and counts the attempts", () => {
    const backoff = makeBackoff({ initialDelay: 10, maxDelay: 50, jitter: 0 })
    expect([backoff.next(), backoff.next(), backoff.next(), backoff.next()]).toEqual([10, 20, 40, 50])
    expect(backoff.attempt).toBe(4)
  })

  it("reset starts the sequence over from initialDelay", () => {
    const backoff = makeBackoff({ initialDelay: 10, jitter: 0 })
    backoff.next()
    backoff.next()
    backoff.reset()
    expect(backoff.attempt).toBe(0)
    expect(backoff.next()).toBe(10)
  })

  it("draws jitter from the injected random", () => {
    const draws = [0, 0.99999]
    const backoff = makeBackoff({ initialDelay: 100, jitter: 0.1 }, () => draws.shift() ?? 0.5)
    expect([backoff.next(), backoff.next(), backoff.next()]).toEqual([90, 220, 400])
  })
})
