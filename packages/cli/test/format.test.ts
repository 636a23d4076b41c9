import { describe, expect, it } from 'vitest'
import { describeThroughput, etaMs, formatDuration } from '../src/progress/format.js'

describe('progress text', () => {
  it('formats durations from tenths of a second to hours', () => {
    expect(formatDuration(420)).toBe('0.4s')
    expect(formatDuration(9_400)).toBe('9.4s')
    expect(formatDuration(42_000)).toBe('42s')
    expect(formatDuration(185_000)).toBe('3m 05s')
    expect(formatDuration(3_720_000)).toBe('1h 02m')
  })

  it('rates what this run did, and estimates what is left of the total', () => {
    // Resumed at 4,000 of 10,000: 1,000 more in 2 s is 500/s, 5,000 left is 10 s.
    const resumed = { done: 5_000, total: 10_000, doneThisRun: 1_000, elapsedMs: 2_000 }
    expect(etaMs(resumed)).toBe(10_000)
    expect(describeThroughput(resumed)).toBe('5,000 / 10,000 users · 500 users/s · ETA 10s')
  })

  it('leaves out the total and the ETA when the total is unknown or the rate is zero', () => {
    const unknown = { done: 1_500, total: null, doneThisRun: 1_500, elapsedMs: 1_000 }
    expect(etaMs(unknown)).toBeNull()
    expect(describeThroughput(unknown)).toBe('1,500 users · 1,500 users/s')
    expect(etaMs({ done: 0, total: 10, doneThisRun: 0, elapsedMs: 0 })).toBeNull()
    // Users created during the run: never "120 / 100".
    expect(describeThroughput({ done: 120, total: 100, doneThisRun: 120, elapsedMs: 1_000 })).toBe(
      '120 / 120 users · 120 users/s · ETA 0.0s',
    )
  })
})
