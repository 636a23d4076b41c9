// #region clerk-client
import { createClerkClient } from '@clerk/backend'

export const clerk = createClerkClient({
  secretKey: process.env.CLERK_SECRET_KEY,
  // Unset in production (https://api.clerk.com); the emulator's URL in local development.
  apiUrl: process.env.CLERK_API_URL,
})
// #endregion clerk-client
