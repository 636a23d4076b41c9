#!/bin/sh
# The shell part of docs/testing.md, run by tests/docs/testing-guide.test.ts against the example
# app and the emulator. It expects APP_URL, CLERK_WEBHOOK_SIGNING_SECRET, CLERK_API_URL,
# CLERK_SECRET_KEY, ADMIN_ID and TARGET_ID in the environment.
set -eu

# #region trigger
# A signed user.created for a made-up user, with fields laid over the default user (--data).
# --secret defaults to $CLERK_WEBHOOK_SIGNING_SECRET; the answer is printed.
echo '{ "first_name": "Cli", "public_metadata": { "role": "trainer" } }' > user.json
npx clerk-sync trigger user.created --url "$APP_URL/api/webhooks" --user-id user_cli_1 --data user.json
# #endregion trigger

# #region token
# A session token for an admin of the emulator (CLERK_API_URL and CLERK_SECRET_KEY say which),
# used as Clerk's own would be.
TOKEN=$(npx clerk-sync token "$ADMIN_ID")
curl -sS -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \
  -d "{\"targetUserId\":\"$TARGET_ID\",\"role\":\"trainer\"}" "$APP_URL/api/admin/set-role"
# #endregion token
echo
