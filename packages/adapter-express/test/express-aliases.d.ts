// The two Express versions under test, installed under aliases; both typed as @types/express.
declare module 'express4' {
  import express from 'express'
  export default express
}
declare module 'express5' {
  import express from 'express'
  export default express
}
