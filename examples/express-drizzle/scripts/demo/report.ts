import type { UsersTableRow } from './snapshot.js'

/** A step's outcome: what the terminal shows and what `--json` prints as one line. */
export interface StepReport {
  step: number
  title: string
  rows: UsersTableRow[]
  /** Facts the step checked, e.g. the set-role answer or the audit entries. */
  details?: Record<string, unknown>
  /** Lines told under the table. */
  notes?: string[]
  /** A second table to print (e.g. the audit log). */
  extraTable?: { title: string; rows: Array<Record<string, unknown>> }
}

export type Reporter = ReturnType<typeof createReporter>

const bold = (text: string, color: boolean) => (color ? `\x1b[1m${text}\x1b[22m` : text)
const dim = (text: string, color: boolean) => (color ? `\x1b[2m${text}\x1b[22m` : text)

/** Aligned columns: a header, a rule, one line per row. */
export function formatTable(rows: Array<Record<string, unknown>>, indent = '  '): string {
  if (rows.length === 0) return `${indent}(no rows)`
  const columns = Object.keys(rows[0] as object)
  const cells = rows.map((row) => columns.map((column) => cellText(row[column])))
  const widths = columns.map((column, i) =>
    Math.max(column.length, ...cells.map((line) => (line[i] as string).length)),
  )
  const line = (values: string[]) =>
    indent +
    values
      .map((value, i) => value.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd()
  return [line(columns), line(widths.map((width) => '─'.repeat(width))), ...cells.map(line)].join(
    '\n',
  )
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return '–'
  if (value instanceof Date) return value.toISOString()
  return String(value)
}

/** The users table as printed: the app's column names. */
function usersTable(rows: UsersTableRow[]): Array<Record<string, unknown>> {
  return rows.map((row) => ({
    id: row.id,
    email: row.email,
    first_name: row.firstName,
    last_name: row.lastName,
    role: row.role,
    password_hash: row.passwordHash,
    posts: row.posts,
  }))
}

/** Prints for a person (aligned tables) or, with `json`, one JSON line per step for a test. */
export function createReporter(options: { json: boolean; color: boolean }) {
  const { json, color } = options
  const write = (text: string) => process.stdout.write(`${text}\n`)
  return {
    intro(lines: string[]) {
      if (!json) write(lines.join('\n'))
    },
    step(report: StepReport) {
      if (json) {
        write(
          JSON.stringify({
            step: report.step,
            title: report.title,
            ok: true,
            rows: report.rows,
            ...(report.details ? { details: report.details } : {}),
          }),
        )
        return
      }
      write(`\n${bold(`${report.step}. ${report.title}`, color)}`)
      for (const note of report.notes ?? []) write(`   ${note}`)
      write('')
      write(dim('  users', color))
      write(formatTable(usersTable(report.rows)))
      if (report.extraTable) {
        write('')
        write(dim(`  ${report.extraTable.title}`, color))
        write(formatTable(report.extraTable.rows))
      }
    },
    failed(step: number, title: string, message: string, logs: string[]) {
      if (json) write(JSON.stringify({ step, title, ok: false, error: message }))
      process.stderr.write(`\n✗ Step ${step} (${title}) failed: ${message}\n`)
      if (logs.length > 0) process.stderr.write(`\nclerk-sync's log:\n${logs.join('\n')}\n`)
    },
    done(elapsedMs: number, outro: string[]) {
      if (json) {
        write(JSON.stringify({ step: 'done', ok: true, elapsedMs }))
        return
      }
      write(`\n${bold(`✓ Every step checked out in ${(elapsedMs / 1000).toFixed(1)} s.`, color)}`)
      write(outro.join('\n'))
    },
  }
}
