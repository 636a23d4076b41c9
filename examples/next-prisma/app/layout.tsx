import type { Metadata } from 'next'
import type { ReactNode } from 'react'
import { SignInLink } from './sign-in-link'
import './globals.css'

export const metadata: Metadata = {
  title: 'clerk-sync · Next.js + Prisma',
  description: 'Clerk users synced into Postgres, and an admin page for their roles.',
}

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header className="site-header">
          <a href="/" className="brand">
            clerk-sync example
          </a>
          <nav>
            <a href="/admin/users">Admin: users and roles</a>
            <SignInLink />
          </nav>
        </header>
        <main>{children}</main>
      </body>
    </html>
  )
}
