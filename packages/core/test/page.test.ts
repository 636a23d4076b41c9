import { decodeCursor, encodeCursor, resolvePageLimit } from '@clerk-sync/core/store-kit'
import { describe, expect, it } from 'vitest'

describe('page helpers', () => {
  it.each(['user_2g7np7Hrk0SN6kj5EDMLDaKNL0S', 'ünïcødé/+?', '00000042', 'a'])(
    'round-trips cursor key %j as URL-safe text',
    (key) => {
      const cursor = encodeCursor(key)
      expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/)
      expect(decodeCursor(cursor)).toBe(key)
    },
  )

  it('reads no cursor as the first page and refuses cursors it did not issue', () => {
    expect(decodeCursor(undefined)).toBeNull()
    expect(decodeCursor(null)).toBeNull()
    expect(decodeCursor('')).toBeNull()
    expect(() => decodeCursor('not a cursor!')).toThrow(RangeError)
    expect(() => decodeCursor('_w')).toThrow(/not one this store issued/) // 0xff: not UTF-8
  })

  it('defaults the page size to 100 and bounds it to 1..1000', () => {
    expect(resolvePageLimit(undefined)).toBe(100)
    expect(resolvePageLimit(1000)).toBe(1000)
    for (const bad of [0, -1, 1001, 2.5, Number.NaN])
      expect(() => resolvePageLimit(bad)).toThrow(RangeError)
  })
})
