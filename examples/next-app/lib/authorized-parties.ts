// The origins this app is served from (APP_URL, comma-separated). A session token minted for a
// page on another origin (its `azp`) then counts as signed out in the set-role route.
// Unset: any origin's token is accepted (fine on localhost; set it in production).
export const authorizedParties: string[] | undefined = process.env.APP_URL
  ? process.env.APP_URL.split(',').map((url) => new URL(url.trim()).origin)
  : undefined
