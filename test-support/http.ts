import { request } from 'node:http'
import { type AddressInfo, createServer, type Server } from 'node:net'

/** POSTs `chunks` with chunked transfer encoding (no Content-Length) and resolves the status. */
export function postChunked(
  url: string,
  headers: Record<string, string>,
  chunks: string[],
): Promise<number> {
  const { hostname, port, pathname } = new URL(url)
  return new Promise((resolve, reject) => {
    const req = request(
      { host: hostname, port, path: pathname, method: 'POST', headers },
      (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      },
    )
    req.on('error', reject)
    for (const chunk of chunks) req.write(chunk)
    req.end()
  })
}

/** Listens on an ephemeral port of 127.0.0.1 (never another address) and resolves the port. */
export async function listenOnLoopback(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  return (server.address() as AddressInfo).port
}

/**
 * A port of 127.0.0.1 free a moment ago, for a server this process does not start itself (a
 * child such as `next start`); another process may take it in between, which is rare.
 */
export async function freePort(): Promise<number> {
  const probe = createServer()
  const port = await listenOnLoopback(probe)
  await new Promise((resolve) => probe.close(resolve))
  return port
}
