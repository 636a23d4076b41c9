/** The first `max` items pushed, and whether more were pushed: reports keep memory flat. */
export class BoundedList<T> {
  readonly items: T[] = []
  truncated = false

  constructor(readonly max: number) {}

  push(item: T): void {
    if (this.items.length < this.max) this.items.push(item)
    else this.truncated = true
  }
}
