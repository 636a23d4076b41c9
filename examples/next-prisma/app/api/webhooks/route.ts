import { webhookHandler } from '@clerk-sync/next'
import { sync } from '@/lib/sync'

export const POST = webhookHandler(sync)
