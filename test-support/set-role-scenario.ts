import { createClerkClient } from '@clerk/backend'
import { startClerkEmulator } from '@clerk-sync/testing/emulator'

/** The origin the adapters' tests list in `authorizedParties`. */
export const ALLOWED_ORIGIN = 'https://app.example.com'

/**
 * The set-role tests every adapter runs: an emulator with an admin, a member and a target user,
 * and the session tokens each answer needs, issued by the emulator and verified by Clerk's SDK.
 */
export async function startSetRoleScenario() {
  const clerk = await startClerkEmulator()
  const api = createClerkClient({
    apiUrl: clerk.apiUrl,
    secretKey: clerk.secretKey,
    telemetry: { disabled: true },
  })
  const create = async (email: string, role?: string) =>
    (
      await api.users.createUser({
        emailAddress: [email],
        ...(role ? { publicMetadata: { role } } : {}),
      })
    ).id
  const admin = await create('boss@example.com', 'admin')
  const member = await create('member@example.com')
  const target = await create('target@example.com')
  return {
    clerk,
    api,
    admin,
    member,
    target,
    /** Each must get 401: none, expired, signed with another key, from another origin. */
    refusedTokens: (): Array<string | undefined> => [
      undefined,
      clerk.sessionToken(admin, {}, { state: 'expired' }),
      clerk.sessionToken(admin, {}, { state: 'wrong-key' }),
      clerk.sessionToken(admin, { azp: 'https://evil.example' }),
    ],
    memberToken: () => clerk.sessionToken(member),
    adminToken: () => clerk.sessionToken(admin, { azp: ALLOWED_ORIGIN }),
    /** The body asking to make the target a trainer. */
    body: JSON.stringify({ targetUserId: target, role: 'trainer' }),
    /** The target's role in Clerk now. */
    targetRole: () => clerk.user(target)?.public_metadata.role,
  }
}

export type SetRoleScenario = Awaited<ReturnType<typeof startSetRoleScenario>>
