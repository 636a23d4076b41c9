export {
  type ClerkEventFixture,
  clerkEvent,
  type EventFixtureOptions,
  userCreatedEvent,
  userDeletedEvent,
  userUpdatedEvent,
} from './fixtures/clerk-events.js'
export {
  type ClerkUserFixture,
  type ClerkUserFixtureOptions,
  clerkUser,
} from './fixtures/clerk-user.js'
export {
  generateSigningSecret,
  randomId,
  type SignedRequestOptions,
  type SignWebhookOptions,
  type SvixSignatureHeaders,
  signedWebhookRequest,
  signWebhook,
  webhookBodyText,
} from './sign-webhook.js'
