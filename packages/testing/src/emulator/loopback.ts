import type { Socket } from 'node:net'

/** 127.0.0.0/8, `::1`, and either in IPv4-mapped form (`::ffff:127.0.0.1`). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false
  const v4 = address.replace(/^::ffff:/i, '')
  return v4.startsWith('127.') || address === '::1'
}

/**
 * Both ends on loopback: the caller is on this machine and reached a loopback address. An emulator
 * started with `--host 0.0.0.0` answers LAN callers too; the development endpoints still do not.
 */
export function isLoopbackConnection(socket: Socket): boolean {
  return isLoopbackAddress(socket.localAddress) && isLoopbackAddress(socket.remoteAddress)
}
