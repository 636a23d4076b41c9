import type { IncomingMessage, ServerResponse } from 'node:http'

/**
 * A handler for requests on the emulator's port that are not Backend API calls (the Frontend API
 * a browser talks to, the development endpoints). It answers and returns true, or returns false
 * and leaves the request to the Backend API.
 */
export type SideRoute = (req: IncomingMessage, res: ServerResponse) => Promise<boolean> | boolean
