'use client'

import { useRouter } from 'next/navigation'
import { type FormEvent, useState } from 'react'

type Status =
  | { kind: 'idle' }
  | { kind: 'saving' }
  | { kind: 'saved'; message: string }
  | { kind: 'failed'; message: string }

interface SetRoleAnswer {
  success?: boolean
  message?: string
  error?: { code?: string; message?: string }
}

/**
 * One user's role: a select and a Save button that POSTs to the set-role route with the session
 * cookies (same origin), then shows the route's answer: its message, or its error message as is.
 */
export function RoleSelect({
  userId,
  label,
  role,
  roles,
}: {
  userId: string
  label: string
  role: string
  roles: readonly string[]
}) {
  const router = useRouter()
  const [selected, setSelected] = useState(role)
  const [status, setStatus] = useState<Status>({ kind: 'idle' })

  async function save(event: FormEvent) {
    event.preventDefault()
    setStatus({ kind: 'saving' })
    try {
      const response = await fetch('/api/admin/set-role', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ targetUserId: userId, role: selected }),
      })
      const answer = (await response.json().catch(() => ({}))) as SetRoleAnswer
      if (response.ok && answer.success) {
        setStatus({ kind: 'saved', message: answer.message ?? `Role updated to ${selected}` })
        // Re-render the server page: the row, the counts and the audit log.
        router.refresh()
      } else {
        setStatus({
          kind: 'failed',
          message: answer.error?.message ?? `The server answered HTTP ${response.status}`,
        })
      }
    } catch (error) {
      setStatus({
        kind: 'failed',
        message: `The request failed: ${error instanceof Error ? error.message : String(error)}`,
      })
    }
  }

  return (
    <form className="role-form" onSubmit={save}>
      <select
        aria-label={`Role of ${label}`}
        name="role"
        value={selected}
        onChange={(event) => {
          setSelected(event.target.value)
          setStatus({ kind: 'idle' })
        }}
      >
        {roles.map((name) => (
          <option key={name} value={name}>
            {name}
          </option>
        ))}
      </select>
      <button type="submit" disabled={status.kind === 'saving' || selected === role}>
        {status.kind === 'saving' ? 'Saving…' : 'Save'}
      </button>
      <output className={`role-status ${status.kind}`} aria-live="polite">
        {status.kind === 'saved' || status.kind === 'failed' ? status.message : ''}
      </output>
    </form>
  )
}
