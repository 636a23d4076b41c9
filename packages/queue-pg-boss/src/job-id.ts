import { createHash } from 'node:crypto'

/**
 * The job id of a delivery: a UUID derived from its `svix-id` (SHA-256, shaped like a v5 UUID), so
 * every retry of one delivery names the same job and pg-boss skips a second `insert` of it instead of
 * storing the event twice. Stable across processes and releases: changing it would let a
 * redelivery slip past a job that is still queued.
 */
export function jobIdFor(eventId: string): string {
  const bytes = createHash('sha256')
    .update(`clerk-sync svix-id ${eventId}`)
    .digest()
    .subarray(0, 16)
  bytes.writeUInt8((bytes.readUInt8(6) & 0x0f) | 0x50, 6)
  bytes.writeUInt8((bytes.readUInt8(8) & 0x3f) | 0x80, 8)
  const hex = bytes.toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}
