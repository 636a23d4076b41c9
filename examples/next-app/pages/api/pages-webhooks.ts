import { pagesWebhookHandler } from '@clerk-sync/next'
import { sync } from '@/lib/sync'

// Next reads this statically: it has to be written here, not imported.
export const config = { api: { bodyParser: false } }

export default pagesWebhookHandler(sync)
