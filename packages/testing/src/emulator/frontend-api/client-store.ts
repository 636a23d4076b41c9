import { randomBytes } from 'node:crypto'
import { randomId } from '../../sign-webhook.js'

/** One browser as the Frontend API knows it: at most one signed-in session (no multi-session). */
export interface FrontendClient {
  readonly id: string
  /** What `__clerk_db_jwt` carries for this client on the app's host (development instances). */
  readonly devBrowserToken: string
  session: { id: string; userId: string } | null
  /** Unix seconds of the last sign-in or sign-out: the `__client_uat` the app compares tokens to. */
  updatedAt: number
}

function secret(prefix: string): string {
  return `${prefix}_${randomBytes(24).toString('base64url')}`
}

/** More browsers than a machine's developers use; a bound all the same (see ClientStore). */
export const MAX_CLIENTS = 1000

/**
 * The Frontend API's clients, found by the Frontend API's own cookie (`__client`, on its host) or
 * by the dev browser token an app hands back in the handshake URL. Both values are random secrets:
 * whoever holds one is that browser.
 *
 * Every handshake without a known client makes one (a page can fire them with `<img>` tags), so
 * the store keeps at most `maxClients`, forgetting the least recently used signed-out client
 * first, then the least recently used of all. A forgotten browser just signs in again.
 */
export class ClientStore {
  /** In least-recently-used-first order: a client found is moved to the end. */
  readonly #byId = new Map<string, FrontendClient>()
  readonly #byDevBrowser = new Map<string, FrontendClient>()
  readonly #maxClients: number

  constructor(maxClients = MAX_CLIENTS) {
    this.#maxClients = Math.max(1, maxClients)
  }

  get size(): number {
    return this.#byId.size
  }

  create(): FrontendClient {
    while (this.#byId.size >= this.#maxClients) this.#forget(this.#leastValuable())
    const client: FrontendClient = {
      id: secret('client'),
      devBrowserToken: secret('dvb'),
      session: null,
      updatedAt: 0,
    }
    this.#byId.set(client.id, client)
    this.#byDevBrowser.set(client.devBrowserToken, client)
    return client
  }

  byId(id: string | undefined): FrontendClient | undefined {
    return this.#touch(id === undefined ? undefined : this.#byId.get(id))
  }

  byDevBrowserToken(token: string | null | undefined): FrontendClient | undefined {
    return this.#touch(token ? this.#byDevBrowser.get(token) : undefined)
  }

  #touch(client: FrontendClient | undefined): FrontendClient | undefined {
    if (client) {
      this.#byId.delete(client.id)
      this.#byId.set(client.id, client)
    }
    return client
  }

  #leastValuable(): FrontendClient {
    let oldest: FrontendClient | undefined
    for (const client of this.#byId.values()) {
      if (!client.session) return client
      oldest ??= client
    }
    return oldest as FrontendClient
  }

  #forget(client: FrontendClient): void {
    this.#byId.delete(client.id)
    this.#byDevBrowser.delete(client.devBrowserToken)
  }

  signIn(client: FrontendClient, userId: string): void {
    client.session = { id: randomId('sess'), userId }
    client.updatedAt = Math.floor(Date.now() / 1000)
  }

  signOut(client: FrontendClient): void {
    if (!client.session) return
    client.session = null
    client.updatedAt = Math.floor(Date.now() / 1000)
  }
}
