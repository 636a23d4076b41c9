import { pagesWebhookHandler } from '@clerk-sync/next'
import { sync } from '@/lib/sync'

// The mistake, kept on purpose for the tests: no `config`, so Next parses the body first and the
// handler answers 500 naming the missing line.
export default pagesWebhookHandler(sync)
