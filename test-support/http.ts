import { request } from 'node:http'

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
