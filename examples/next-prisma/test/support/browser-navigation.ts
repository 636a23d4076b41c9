/** One step of a navigation: the URL asked for and what answered. */
export interface NavigationStep {
  url: string
  status: number
  location: string | null
}

/**
 * Navigates as a browser does without JavaScript: document requests, redirects followed by hand,
 * cookies kept per host (only name=value: enough for Clerk's handshake between two localhost
 * origins). Stops at the first answer that is not a redirect, or after `maxSteps`.
 */
export async function navigate(
  startUrl: string,
  { maxSteps = 10 } = {},
): Promise<{ steps: NavigationStep[]; finalUrl: string; body: string }> {
  const jars = new Map<string, Map<string, string>>()
  const steps: NavigationStep[] = []
  let url = startUrl
  for (let step = 0; step < maxSteps; step++) {
    const host = new URL(url).host
    const jar = jars.get(host) ?? new Map<string, string>()
    jars.set(host, jar)
    const response = await fetch(url, {
      redirect: 'manual',
      headers: {
        accept: 'text/html',
        'sec-fetch-dest': 'document',
        cookie: [...jar].map(([name, value]) => `${name}=${value}`).join('; '),
      },
    })
    for (const cookie of response.headers.getSetCookie()) {
      const pair = cookie.split(';')[0] ?? ''
      const at = pair.indexOf('=')
      if (at > 0) jar.set(pair.slice(0, at), pair.slice(at + 1))
    }
    const location = response.headers.get('location')
    steps.push({ url, status: response.status, location })
    if (!location || response.status < 300 || response.status >= 400)
      return { steps, finalUrl: url, body: await response.text() }
    await response.body?.cancel()
    url = new URL(location, url).toString()
  }
  throw new Error(`more than ${maxSteps} redirects:\n${JSON.stringify(steps, null, 2)}`)
}
