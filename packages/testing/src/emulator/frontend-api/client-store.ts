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

/**
 * The Frontend API's clients, found by the Frontend API's own cookie (`__client`, on its host) or
 * by the dev browser token an app hands back in the handshake URL. Both values are random secrets:
 * whoever holds one is that browser.
 */
export class ClientStore {
  readonly #byId = new Map<string, FrontendClient>()
  readonly #byDevBrowser = new Map<string, FrontendClient>()

  create(): FrontendClient {
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
    return id === undefined ? undefined : this.#byId.get(id)
  }

  byDevBrowserToken(token: string | null | undefined): FrontendClient | undefined {
    return token ? this.#byDevBrowser.get(token) : undefined
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
